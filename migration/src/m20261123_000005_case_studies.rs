//! Case studies (事例): categories, keywords, versions and links to the
//! dispatches and courses they came from.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{clear_self_reference, create_table, drop_tables, foreign_key, index, unique};
use crate::m20261123_000001_organizations::{Councils, Organizations};
use crate::m20261123_000002_identity::Users;
use crate::m20261123_000003_advisors::DispatchRequests;
use crate::m20261123_000004_courses::Courses;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// 分類: a two-level controlled list of case-study categories.
#[derive(DeriveIden)]
enum CaseCategories {
    Table,
    Id,
    ParentId,
    Name,
    Position,
    CreatedAt,
}

/// A free keyword attached to case studies.
#[derive(DeriveIden)]
enum Keywords {
    Table,
    Id,
    Name,
    Label,
    CreatedAt,
}

/// 事例: an organisation's write-up of an initiative others can learn from.
#[derive(DeriveIden)]
enum CaseStudies {
    Table,
    Id,
    OrganizationId,
    Population,
    PopulationYear,
    PopulationBand,
    Title,
    Summary,
    CategoryId,
    Stage,
    Overview,
    Details,
    Contact,
    Licence,
    Audience,
    CouncilId,
    Status,
    Version,
    PublishedAt,
    CreatedByUserId,
    CreatedAt,
    UpdatedAt,
}

/// A snapshot of a case study as it was at one version.
#[derive(DeriveIden)]
enum CaseStudyVersions {
    Table,
    Id,
    CaseStudyId,
    Version,
    Snapshot,
    CreatedByUserId,
    CreatedAt,
}

/// A keyword attached to a case study.
#[derive(DeriveIden)]
enum CaseStudyKeywords {
    Table,
    CaseStudyId,
    KeywordId,
}

/// A link from a case study to the dispatch or course it came from.
#[derive(DeriveIden)]
enum CaseStudyLinks {
    Table,
    Id,
    CaseStudyId,
    DispatchRequestId,
    CourseId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_table(
            manager,
            Table::create()
                .table(CaseCategories::Table)
                .col(pk_uuid(CaseCategories::Id))
                .col(uuid_null(CaseCategories::ParentId))
                .col(string(CaseCategories::Name))
                .col(integer(CaseCategories::Position).default(0))
                .col(timestamp_with_time_zone(CaseCategories::CreatedAt))
                .foreign_key(&mut foreign_key(
                    CaseCategories::Table,
                    CaseCategories::ParentId,
                    CaseCategories::Table,
                    CaseCategories::Id,
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
            vec![
                unique(
                    CaseCategories::Table,
                    [CaseCategories::ParentId, CaseCategories::Name],
                ),
                index(CaseCategories::Table, [CaseCategories::ParentId]),
            ],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table(Keywords::Table)
                .col(pk_uuid(Keywords::Id))
                .col(string(Keywords::Name))
                .col(string(Keywords::Label))
                .col(timestamp_with_time_zone(Keywords::CreatedAt))
                .to_owned(),
            vec![unique(Keywords::Table, [Keywords::Name])],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table(CaseStudies::Table)
                .col(pk_uuid(CaseStudies::Id))
                .col(uuid(CaseStudies::OrganizationId))
                .col(big_integer_null(CaseStudies::Population))
                .col(integer_null(CaseStudies::PopulationYear))
                .col(string_len_null(CaseStudies::PopulationBand, 16))
                .col(string(CaseStudies::Title))
                .col(text_null(CaseStudies::Summary))
                .col(uuid_null(CaseStudies::CategoryId))
                .col(string_len(CaseStudies::Stage, 16).default("OPERATING"))
                .col(text_null(CaseStudies::Overview))
                .col(json_binary(CaseStudies::Details))
                .col(json_binary_null(CaseStudies::Contact))
                .col(string_null(CaseStudies::Licence))
                .col(string_len(CaseStudies::Audience, 16))
                .col(uuid_null(CaseStudies::CouncilId))
                .col(string_len(CaseStudies::Status, 16))
                .col(integer(CaseStudies::Version).default(1))
                .col(timestamp_with_time_zone_null(CaseStudies::PublishedAt))
                .col(uuid_null(CaseStudies::CreatedByUserId))
                .col(timestamp_with_time_zone(CaseStudies::CreatedAt))
                .col(timestamp_with_time_zone(CaseStudies::UpdatedAt))
                .foreign_key(&mut foreign_key(
                    CaseStudies::Table,
                    CaseStudies::OrganizationId,
                    Organizations::Table,
                    Organizations::Id,
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut foreign_key(
                    CaseStudies::Table,
                    CaseStudies::CategoryId,
                    CaseCategories::Table,
                    CaseCategories::Id,
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut foreign_key(
                    CaseStudies::Table,
                    CaseStudies::CouncilId,
                    Councils::Table,
                    Councils::Id,
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut foreign_key(
                    CaseStudies::Table,
                    CaseStudies::CreatedByUserId,
                    Users::Table,
                    Users::Id,
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
            vec![
                index(CaseStudies::Table, [CaseStudies::OrganizationId]),
                index(CaseStudies::Table, [CaseStudies::CategoryId]),
                index(CaseStudies::Table, [CaseStudies::CouncilId]),
                index(CaseStudies::Table, [CaseStudies::CreatedByUserId]),
                index(
                    CaseStudies::Table,
                    [CaseStudies::Status, CaseStudies::Audience],
                ),
                index(CaseStudies::Table, [CaseStudies::PopulationBand]),
            ],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table(CaseStudyVersions::Table)
                .col(pk_uuid(CaseStudyVersions::Id))
                .col(uuid(CaseStudyVersions::CaseStudyId))
                .col(integer(CaseStudyVersions::Version))
                .col(json_binary(CaseStudyVersions::Snapshot))
                .col(uuid_null(CaseStudyVersions::CreatedByUserId))
                .col(timestamp_with_time_zone(CaseStudyVersions::CreatedAt))
                .foreign_key(&mut foreign_key(
                    CaseStudyVersions::Table,
                    CaseStudyVersions::CaseStudyId,
                    CaseStudies::Table,
                    CaseStudies::Id,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut foreign_key(
                    CaseStudyVersions::Table,
                    CaseStudyVersions::CreatedByUserId,
                    Users::Table,
                    Users::Id,
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
            vec![
                unique(
                    CaseStudyVersions::Table,
                    [CaseStudyVersions::CaseStudyId, CaseStudyVersions::Version],
                ),
                index(
                    CaseStudyVersions::Table,
                    [CaseStudyVersions::CreatedByUserId],
                ),
            ],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table(CaseStudyKeywords::Table)
                .col(uuid(CaseStudyKeywords::CaseStudyId))
                .col(uuid(CaseStudyKeywords::KeywordId))
                .primary_key(
                    Index::create()
                        .col(CaseStudyKeywords::CaseStudyId)
                        .col(CaseStudyKeywords::KeywordId),
                )
                .foreign_key(&mut foreign_key(
                    CaseStudyKeywords::Table,
                    CaseStudyKeywords::CaseStudyId,
                    CaseStudies::Table,
                    CaseStudies::Id,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut foreign_key(
                    CaseStudyKeywords::Table,
                    CaseStudyKeywords::KeywordId,
                    Keywords::Table,
                    Keywords::Id,
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
            vec![index(
                CaseStudyKeywords::Table,
                [CaseStudyKeywords::KeywordId],
            )],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table(CaseStudyLinks::Table)
                .col(pk_uuid(CaseStudyLinks::Id))
                .col(uuid(CaseStudyLinks::CaseStudyId))
                .col(uuid_null(CaseStudyLinks::DispatchRequestId))
                .col(uuid_null(CaseStudyLinks::CourseId))
                .col(timestamp_with_time_zone(CaseStudyLinks::CreatedAt))
                .foreign_key(&mut foreign_key(
                    CaseStudyLinks::Table,
                    CaseStudyLinks::CaseStudyId,
                    CaseStudies::Table,
                    CaseStudies::Id,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut foreign_key(
                    CaseStudyLinks::Table,
                    CaseStudyLinks::DispatchRequestId,
                    DispatchRequests::Table,
                    DispatchRequests::Id,
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut foreign_key(
                    CaseStudyLinks::Table,
                    CaseStudyLinks::CourseId,
                    Courses::Table,
                    Courses::Id,
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
            vec![
                index(CaseStudyLinks::Table, [CaseStudyLinks::CaseStudyId]),
                index(CaseStudyLinks::Table, [CaseStudyLinks::DispatchRequestId]),
                index(CaseStudyLinks::Table, [CaseStudyLinks::CourseId]),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        clear_self_reference(manager, CaseCategories::Table, CaseCategories::ParentId).await?;
        drop_tables(
            manager,
            [
                CaseStudyLinks::Table.into_iden(),
                CaseStudyKeywords::Table.into_iden(),
                CaseStudyVersions::Table.into_iden(),
                CaseStudies::Table.into_iden(),
                Keywords::Table.into_iden(),
                CaseCategories::Table.into_iden(),
            ],
        )
        .await
    }
}
