//! The audit trail of every change made through the API.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{create_table, drop_tables, foreign_key, index};
use crate::m20261123_000001_organizations::Organizations;
use crate::m20261123_000002_identity::{ApiClients, Users};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// 監査ログ: one recorded change, with who made it and the record before and after.
#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    OccurredAt,
    ActorUserId,
    ActorClientId,
    ActorOrganizationId,
    OrganizationId,
    Entity,
    EntityId,
    Action,
    Before,
    After,
    RequestId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_table(
            manager,
            Table::create()
                .table(AuditEvents::Table)
                .col(pk_uuid(AuditEvents::Id))
                .col(timestamp_with_time_zone(AuditEvents::OccurredAt))
                .col(uuid_null(AuditEvents::ActorUserId))
                .col(uuid_null(AuditEvents::ActorClientId))
                .col(uuid_null(AuditEvents::ActorOrganizationId))
                .col(uuid_null(AuditEvents::OrganizationId))
                .col(string_len(AuditEvents::Entity, 64))
                .col(uuid_null(AuditEvents::EntityId))
                .col(string_len(AuditEvents::Action, 64))
                .col(json_binary_null(AuditEvents::Before))
                .col(json_binary_null(AuditEvents::After))
                .col(string_len_null(AuditEvents::RequestId, 64))
                .foreign_key(&mut foreign_key(
                    AuditEvents::Table,
                    AuditEvents::ActorUserId,
                    Users::Table,
                    Users::Id,
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut foreign_key(
                    AuditEvents::Table,
                    AuditEvents::ActorClientId,
                    ApiClients::Table,
                    ApiClients::Id,
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut foreign_key(
                    AuditEvents::Table,
                    AuditEvents::ActorOrganizationId,
                    Organizations::Table,
                    Organizations::Id,
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut foreign_key(
                    AuditEvents::Table,
                    AuditEvents::OrganizationId,
                    Organizations::Table,
                    Organizations::Id,
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
            vec![
                index(AuditEvents::Table, [AuditEvents::OccurredAt]),
                index(AuditEvents::Table, [AuditEvents::ActorUserId]),
                index(AuditEvents::Table, [AuditEvents::ActorClientId]),
                index(AuditEvents::Table, [AuditEvents::ActorOrganizationId]),
                index(
                    AuditEvents::Table,
                    [AuditEvents::OrganizationId, AuditEvents::OccurredAt],
                ),
                index(
                    AuditEvents::Table,
                    [AuditEvents::Entity, AuditEvents::EntityId],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, [AuditEvents::Table.into_iden()]).await
    }
}
