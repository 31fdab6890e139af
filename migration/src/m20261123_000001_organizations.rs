//! Organisations (prefectures, municipalities, partners), councils and council membership.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{clear_self_reference, create_table, drop_tables, foreign_key, index, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// 団体: a prefecture, municipality, national body or partner.
#[derive(DeriveIden)]
pub(crate) enum Organizations {
    Table,
    Id,
    Code,
    Name,
    NameKana,
    SearchKey,
    Kind,
    PrefectureId,
    Population,
    PopulationAsOf,
    ArchivedAt,
    CreatedAt,
    UpdatedAt,
}

/// 協議会: a council, subcommittee, working group or joint-processing body.
#[derive(DeriveIden)]
pub(crate) enum Councils {
    Table,
    Id,
    Name,
    Description,
    Kind,
    ParentId,
    SecretariatOrganizationId,
    ArchivedAt,
    CreatedAt,
    UpdatedAt,
}

/// An organisation's membership of a council.
#[derive(DeriveIden)]
enum CouncilMembers {
    Table,
    CouncilId,
    OrganizationId,
    Role,
    JoinedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_table(
            manager,
            Table::create()
                .table(Organizations::Table)
                .col(pk_uuid(Organizations::Id))
                .col(string_len(Organizations::Code, 16))
                .col(string(Organizations::Name))
                .col(string(Organizations::NameKana))
                .col(string(Organizations::SearchKey))
                .col(string_len(Organizations::Kind, 16))
                .col(uuid_null(Organizations::PrefectureId))
                .col(big_integer_null(Organizations::Population))
                .col(date_null(Organizations::PopulationAsOf))
                .col(timestamp_with_time_zone_null(Organizations::ArchivedAt))
                .col(timestamp_with_time_zone(Organizations::CreatedAt))
                .col(timestamp_with_time_zone(Organizations::UpdatedAt))
                .foreign_key(&mut foreign_key(
                    Organizations::Table,
                    Organizations::PrefectureId,
                    Organizations::Table,
                    Organizations::Id,
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
            vec![
                unique(Organizations::Table, [Organizations::Code]),
                index(Organizations::Table, [Organizations::Kind]),
                index(Organizations::Table, [Organizations::PrefectureId]),
                index(Organizations::Table, [Organizations::Population]),
            ],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table(Councils::Table)
                .col(pk_uuid(Councils::Id))
                .col(string(Councils::Name))
                .col(text_null(Councils::Description))
                .col(string_len(Councils::Kind, 16))
                .col(uuid_null(Councils::ParentId))
                .col(uuid_null(Councils::SecretariatOrganizationId))
                .col(timestamp_with_time_zone_null(Councils::ArchivedAt))
                .col(timestamp_with_time_zone(Councils::CreatedAt))
                .col(timestamp_with_time_zone(Councils::UpdatedAt))
                .foreign_key(&mut foreign_key(
                    Councils::Table,
                    Councils::ParentId,
                    Councils::Table,
                    Councils::Id,
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut foreign_key(
                    Councils::Table,
                    Councils::SecretariatOrganizationId,
                    Organizations::Table,
                    Organizations::Id,
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
            vec![
                unique(Councils::Table, [Councils::Name]),
                index(Councils::Table, [Councils::ParentId]),
                index(Councils::Table, [Councils::SecretariatOrganizationId]),
            ],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table(CouncilMembers::Table)
                .col(uuid(CouncilMembers::CouncilId))
                .col(uuid(CouncilMembers::OrganizationId))
                .col(string_len(CouncilMembers::Role, 16).default("MEMBER"))
                .col(timestamp_with_time_zone(CouncilMembers::JoinedAt))
                .primary_key(
                    Index::create()
                        .col(CouncilMembers::CouncilId)
                        .col(CouncilMembers::OrganizationId),
                )
                .foreign_key(&mut foreign_key(
                    CouncilMembers::Table,
                    CouncilMembers::CouncilId,
                    Councils::Table,
                    Councils::Id,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut foreign_key(
                    CouncilMembers::Table,
                    CouncilMembers::OrganizationId,
                    Organizations::Table,
                    Organizations::Id,
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
            vec![index(
                CouncilMembers::Table,
                [CouncilMembers::OrganizationId],
            )],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        clear_self_reference(manager, Councils::Table, Councils::ParentId).await?;
        clear_self_reference(manager, Organizations::Table, Organizations::PrefectureId).await?;
        drop_tables(
            manager,
            [
                CouncilMembers::Table.into_iden(),
                Councils::Table.into_iden(),
                Organizations::Table.into_iden(),
            ],
        )
        .await
    }
}
