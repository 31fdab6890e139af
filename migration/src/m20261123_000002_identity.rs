//! Sign-in identities: users, their refresh tokens, and partner API clients.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{create_table, drop_tables, foreign_key, index, unique};
use crate::m20261123_000001_organizations::Organizations;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A person (or script account) who signs in on behalf of an organisation.
#[derive(DeriveIden)]
pub(crate) enum Users {
    Table,
    Id,
    OrganizationId,
    Email,
    DisplayName,
    PasswordHash,
    Roles,
    DisabledAt,
    LastSignInAt,
    CreatedAt,
    UpdatedAt,
}

/// A rotating refresh token; tokens rotated from one another share a family.
#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    UserId,
    FamilyId,
    TokenHash,
    ExpiresAt,
    UsedAt,
    RevokedAt,
    CreatedAt,
}

/// A partner application calling the API machine-to-machine.
#[derive(DeriveIden)]
pub(crate) enum ApiClients {
    Table,
    Id,
    ClientId,
    Name,
    OrganizationId,
    SecretHash,
    Scopes,
    CreatedByUserId,
    RevokedAt,
    LastUsedAt,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_table(
            manager,
            Table::create()
                .table(Users::Table)
                .col(pk_uuid(Users::Id))
                .col(uuid(Users::OrganizationId))
                .col(string_len(Users::Email, 254))
                .col(string(Users::DisplayName))
                .col(string_null(Users::PasswordHash))
                .col(json_binary(Users::Roles))
                .col(timestamp_with_time_zone_null(Users::DisabledAt))
                .col(timestamp_with_time_zone_null(Users::LastSignInAt))
                .col(timestamp_with_time_zone(Users::CreatedAt))
                .col(timestamp_with_time_zone(Users::UpdatedAt))
                .foreign_key(&mut foreign_key(
                    Users::Table,
                    Users::OrganizationId,
                    Organizations::Table,
                    Organizations::Id,
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
            vec![
                unique(Users::Table, [Users::Email]),
                index(Users::Table, [Users::OrganizationId]),
            ],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table(RefreshTokens::Table)
                .col(pk_uuid(RefreshTokens::Id))
                .col(uuid(RefreshTokens::UserId))
                .col(uuid(RefreshTokens::FamilyId))
                .col(string_len(RefreshTokens::TokenHash, 64))
                .col(timestamp_with_time_zone(RefreshTokens::ExpiresAt))
                .col(timestamp_with_time_zone_null(RefreshTokens::UsedAt))
                .col(timestamp_with_time_zone_null(RefreshTokens::RevokedAt))
                .col(timestamp_with_time_zone(RefreshTokens::CreatedAt))
                .foreign_key(&mut foreign_key(
                    RefreshTokens::Table,
                    RefreshTokens::UserId,
                    Users::Table,
                    Users::Id,
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
            vec![
                unique(RefreshTokens::Table, [RefreshTokens::TokenHash]),
                index(RefreshTokens::Table, [RefreshTokens::UserId]),
                index(RefreshTokens::Table, [RefreshTokens::FamilyId]),
            ],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table(ApiClients::Table)
                .col(pk_uuid(ApiClients::Id))
                .col(string_len(ApiClients::ClientId, 64))
                .col(string(ApiClients::Name))
                .col(uuid(ApiClients::OrganizationId))
                .col(string(ApiClients::SecretHash))
                .col(json_binary(ApiClients::Scopes))
                .col(uuid_null(ApiClients::CreatedByUserId))
                .col(timestamp_with_time_zone_null(ApiClients::RevokedAt))
                .col(timestamp_with_time_zone_null(ApiClients::LastUsedAt))
                .col(timestamp_with_time_zone(ApiClients::CreatedAt))
                .col(timestamp_with_time_zone(ApiClients::UpdatedAt))
                .foreign_key(&mut foreign_key(
                    ApiClients::Table,
                    ApiClients::OrganizationId,
                    Organizations::Table,
                    Organizations::Id,
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut foreign_key(
                    ApiClients::Table,
                    ApiClients::CreatedByUserId,
                    Users::Table,
                    Users::Id,
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
            vec![
                unique(ApiClients::Table, [ApiClients::ClientId]),
                index(ApiClients::Table, [ApiClients::OrganizationId]),
                index(ApiClients::Table, [ApiClients::CreatedByUserId]),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                ApiClients::Table.into_iden(),
                RefreshTokens::Table.into_iden(),
                Users::Table.into_iden(),
            ],
        )
        .await
    }
}
