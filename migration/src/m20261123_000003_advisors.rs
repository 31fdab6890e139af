//! Advisor pools (人材バンク), advisors and their unavailability, and dispatch
//! requests (派遣依頼) with their assignments and visits.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{create_table, drop_tables, foreign_key, index, index_with_name, unique};
use crate::m20261123_000001_organizations::{Councils, Organizations};
use crate::m20261123_000002_identity::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// 人材バンク: a pool of advisors run by one organisation.
#[derive(DeriveIden)]
enum AdvisorPools {
    Table,
    Id,
    OwnerOrganizationId,
    Name,
    Description,
    Audience,
    CouncilId,
    VisitsPerOrgPerYear,
    MaxOnsiteDays,
    MaxOnlineHours,
    RequestersMayNameAdvisors,
    ApplicationDeadlineDay,
    ArchivedAt,
    CreatedAt,
    UpdatedAt,
}

/// アドバイザー: an expert who can be dispatched from a pool.
#[derive(DeriveIden)]
enum Advisors {
    Table,
    Id,
    PoolId,
    OwnerOrganizationId,
    UserId,
    Name,
    NameKana,
    Kind,
    Affiliation,
    Themes,
    PrefectureCodes,
    Modes,
    Bio,
    Contact,
    Audience,
    CouncilId,
    ArchivedAt,
    CreatedAt,
    UpdatedAt,
}

/// A period during which an advisor cannot be dispatched.
#[derive(DeriveIden)]
enum AdvisorUnavailablePeriods {
    Table,
    Id,
    AdvisorId,
    StartsAt,
    EndsAt,
    Note,
    CreatedAt,
}

/// 派遣依頼: an organisation's request for advisors from a pool.
#[derive(DeriveIden)]
pub(crate) enum DispatchRequests {
    Table,
    Id,
    RequesterOrganizationId,
    PoolId,
    SubmittedByUserId,
    Themes,
    Problem,
    DesiredOutcome,
    WishedDates,
    Mode,
    VisitsRequested,
    OnsiteDaysRequested,
    OnlineHoursRequested,
    PreferredAdvisorIds,
    Status,
    FiscalYear,
    DecisionReason,
    DecidedByUserId,
    DecidedAt,
    Report,
    ReportedByUserId,
    ReportedAt,
    FeedbackRating,
    FeedbackComment,
    ClosedAt,
    CancelledAt,
    CreatedAt,
    UpdatedAt,
}

/// An advisor proposed for, or assigned to, a dispatch request.
#[derive(DeriveIden)]
enum DispatchAssignments {
    Table,
    Id,
    DispatchRequestId,
    AdvisorId,
    Status,
    PreferenceRank,
    DeclineReason,
    CreatedAt,
    UpdatedAt,
}

/// One scheduled visit (on site or online) of a dispatch.
#[derive(DeriveIden)]
enum DispatchVisits {
    Table,
    Id,
    DispatchRequestId,
    AdvisorId,
    StartsAt,
    EndsAt,
    Mode,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_table(
            manager,
            Table::create()
                .table(AdvisorPools::Table)
                .col(pk_uuid(AdvisorPools::Id))
                .col(uuid(AdvisorPools::OwnerOrganizationId))
                .col(string(AdvisorPools::Name))
                .col(text_null(AdvisorPools::Description))
                .col(string_len(AdvisorPools::Audience, 16))
                .col(uuid_null(AdvisorPools::CouncilId))
                .col(integer(AdvisorPools::VisitsPerOrgPerYear).default(3))
                .col(integer(AdvisorPools::MaxOnsiteDays).default(3))
                .col(integer(AdvisorPools::MaxOnlineHours).default(10))
                .col(boolean(AdvisorPools::RequestersMayNameAdvisors).default(true))
                .col(integer_null(AdvisorPools::ApplicationDeadlineDay))
                .col(timestamp_with_time_zone_null(AdvisorPools::ArchivedAt))
                .col(timestamp_with_time_zone(AdvisorPools::CreatedAt))
                .col(timestamp_with_time_zone(AdvisorPools::UpdatedAt))
                .foreign_key(&mut foreign_key(
                    AdvisorPools::Table,
                    AdvisorPools::OwnerOrganizationId,
                    Organizations::Table,
                    Organizations::Id,
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut foreign_key(
                    AdvisorPools::Table,
                    AdvisorPools::CouncilId,
                    Councils::Table,
                    Councils::Id,
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
            vec![
                index(AdvisorPools::Table, [AdvisorPools::OwnerOrganizationId]),
                index(AdvisorPools::Table, [AdvisorPools::CouncilId]),
                index(AdvisorPools::Table, [AdvisorPools::Audience]),
            ],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table(Advisors::Table)
                .col(pk_uuid(Advisors::Id))
                .col(uuid(Advisors::PoolId))
                .col(uuid(Advisors::OwnerOrganizationId))
                .col(uuid_null(Advisors::UserId))
                .col(string(Advisors::Name))
                .col(string_null(Advisors::NameKana))
                .col(string_len(Advisors::Kind, 32))
                .col(string_null(Advisors::Affiliation))
                .col(json_binary(Advisors::Themes))
                .col(json_binary(Advisors::PrefectureCodes))
                .col(json_binary(Advisors::Modes))
                .col(text_null(Advisors::Bio))
                .col(json_binary_null(Advisors::Contact))
                .col(string_len(Advisors::Audience, 16))
                .col(uuid_null(Advisors::CouncilId))
                .col(timestamp_with_time_zone_null(Advisors::ArchivedAt))
                .col(timestamp_with_time_zone(Advisors::CreatedAt))
                .col(timestamp_with_time_zone(Advisors::UpdatedAt))
                .foreign_key(&mut foreign_key(
                    Advisors::Table,
                    Advisors::PoolId,
                    AdvisorPools::Table,
                    AdvisorPools::Id,
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut foreign_key(
                    Advisors::Table,
                    Advisors::OwnerOrganizationId,
                    Organizations::Table,
                    Organizations::Id,
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut foreign_key(
                    Advisors::Table,
                    Advisors::UserId,
                    Users::Table,
                    Users::Id,
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut foreign_key(
                    Advisors::Table,
                    Advisors::CouncilId,
                    Councils::Table,
                    Councils::Id,
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
            vec![
                unique(Advisors::Table, [Advisors::UserId]),
                index(Advisors::Table, [Advisors::PoolId]),
                index(Advisors::Table, [Advisors::OwnerOrganizationId]),
                index(Advisors::Table, [Advisors::CouncilId]),
                index(Advisors::Table, [Advisors::Audience]),
                index(Advisors::Table, [Advisors::Kind]),
            ],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table(AdvisorUnavailablePeriods::Table)
                .col(pk_uuid(AdvisorUnavailablePeriods::Id))
                .col(uuid(AdvisorUnavailablePeriods::AdvisorId))
                .col(timestamp_with_time_zone(
                    AdvisorUnavailablePeriods::StartsAt,
                ))
                .col(timestamp_with_time_zone(AdvisorUnavailablePeriods::EndsAt))
                .col(string_null(AdvisorUnavailablePeriods::Note))
                .col(timestamp_with_time_zone(
                    AdvisorUnavailablePeriods::CreatedAt,
                ))
                .foreign_key(&mut foreign_key(
                    AdvisorUnavailablePeriods::Table,
                    AdvisorUnavailablePeriods::AdvisorId,
                    Advisors::Table,
                    Advisors::Id,
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
            vec![index(
                AdvisorUnavailablePeriods::Table,
                [
                    AdvisorUnavailablePeriods::AdvisorId,
                    AdvisorUnavailablePeriods::StartsAt,
                ],
            )],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table(DispatchRequests::Table)
                .col(pk_uuid(DispatchRequests::Id))
                .col(uuid(DispatchRequests::RequesterOrganizationId))
                .col(uuid(DispatchRequests::PoolId))
                .col(uuid(DispatchRequests::SubmittedByUserId))
                .col(json_binary(DispatchRequests::Themes))
                .col(text(DispatchRequests::Problem))
                .col(text_null(DispatchRequests::DesiredOutcome))
                .col(json_binary(DispatchRequests::WishedDates))
                .col(string_len(DispatchRequests::Mode, 16))
                .col(integer(DispatchRequests::VisitsRequested).default(1))
                .col(integer_null(DispatchRequests::OnsiteDaysRequested))
                .col(integer_null(DispatchRequests::OnlineHoursRequested))
                .col(json_binary(DispatchRequests::PreferredAdvisorIds))
                .col(string_len(DispatchRequests::Status, 16))
                .col(integer_null(DispatchRequests::FiscalYear))
                .col(text_null(DispatchRequests::DecisionReason))
                .col(uuid_null(DispatchRequests::DecidedByUserId))
                .col(timestamp_with_time_zone_null(DispatchRequests::DecidedAt))
                .col(text_null(DispatchRequests::Report))
                .col(uuid_null(DispatchRequests::ReportedByUserId))
                .col(timestamp_with_time_zone_null(DispatchRequests::ReportedAt))
                .col(integer_null(DispatchRequests::FeedbackRating))
                .col(text_null(DispatchRequests::FeedbackComment))
                .col(timestamp_with_time_zone_null(DispatchRequests::ClosedAt))
                .col(timestamp_with_time_zone_null(DispatchRequests::CancelledAt))
                .col(timestamp_with_time_zone(DispatchRequests::CreatedAt))
                .col(timestamp_with_time_zone(DispatchRequests::UpdatedAt))
                .foreign_key(&mut foreign_key(
                    DispatchRequests::Table,
                    DispatchRequests::RequesterOrganizationId,
                    Organizations::Table,
                    Organizations::Id,
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut foreign_key(
                    DispatchRequests::Table,
                    DispatchRequests::PoolId,
                    AdvisorPools::Table,
                    AdvisorPools::Id,
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut foreign_key(
                    DispatchRequests::Table,
                    DispatchRequests::SubmittedByUserId,
                    Users::Table,
                    Users::Id,
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut foreign_key(
                    DispatchRequests::Table,
                    DispatchRequests::DecidedByUserId,
                    Users::Table,
                    Users::Id,
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut foreign_key(
                    DispatchRequests::Table,
                    DispatchRequests::ReportedByUserId,
                    Users::Table,
                    Users::Id,
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
            vec![
                index(
                    DispatchRequests::Table,
                    [DispatchRequests::RequesterOrganizationId],
                ),
                index(DispatchRequests::Table, [DispatchRequests::PoolId]),
                index(
                    DispatchRequests::Table,
                    [DispatchRequests::SubmittedByUserId],
                ),
                index(DispatchRequests::Table, [DispatchRequests::DecidedByUserId]),
                index(
                    DispatchRequests::Table,
                    [DispatchRequests::ReportedByUserId],
                ),
                index(DispatchRequests::Table, [DispatchRequests::Status]),
                // The generated name would exceed PostgreSQL's 63-byte identifier limit.
                index_with_name(
                    "idx_dispatch_requests_pool_id_requester_org_id_fiscal_year".to_owned(),
                    DispatchRequests::Table,
                    [
                        DispatchRequests::PoolId,
                        DispatchRequests::RequesterOrganizationId,
                        DispatchRequests::FiscalYear,
                    ],
                ),
            ],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table(DispatchAssignments::Table)
                .col(pk_uuid(DispatchAssignments::Id))
                .col(uuid(DispatchAssignments::DispatchRequestId))
                .col(uuid(DispatchAssignments::AdvisorId))
                .col(string_len(DispatchAssignments::Status, 16))
                .col(integer_null(DispatchAssignments::PreferenceRank))
                .col(text_null(DispatchAssignments::DeclineReason))
                .col(timestamp_with_time_zone(DispatchAssignments::CreatedAt))
                .col(timestamp_with_time_zone(DispatchAssignments::UpdatedAt))
                .foreign_key(&mut foreign_key(
                    DispatchAssignments::Table,
                    DispatchAssignments::DispatchRequestId,
                    DispatchRequests::Table,
                    DispatchRequests::Id,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut foreign_key(
                    DispatchAssignments::Table,
                    DispatchAssignments::AdvisorId,
                    Advisors::Table,
                    Advisors::Id,
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
            vec![
                unique(
                    DispatchAssignments::Table,
                    [
                        DispatchAssignments::DispatchRequestId,
                        DispatchAssignments::AdvisorId,
                    ],
                ),
                index(
                    DispatchAssignments::Table,
                    [DispatchAssignments::DispatchRequestId],
                ),
                index(DispatchAssignments::Table, [DispatchAssignments::AdvisorId]),
            ],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table(DispatchVisits::Table)
                .col(pk_uuid(DispatchVisits::Id))
                .col(uuid(DispatchVisits::DispatchRequestId))
                .col(uuid(DispatchVisits::AdvisorId))
                .col(timestamp_with_time_zone(DispatchVisits::StartsAt))
                .col(timestamp_with_time_zone(DispatchVisits::EndsAt))
                .col(string_len(DispatchVisits::Mode, 16))
                .col(string_len(DispatchVisits::Status, 16))
                .col(timestamp_with_time_zone(DispatchVisits::CreatedAt))
                .col(timestamp_with_time_zone(DispatchVisits::UpdatedAt))
                .foreign_key(&mut foreign_key(
                    DispatchVisits::Table,
                    DispatchVisits::DispatchRequestId,
                    DispatchRequests::Table,
                    DispatchRequests::Id,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut foreign_key(
                    DispatchVisits::Table,
                    DispatchVisits::AdvisorId,
                    Advisors::Table,
                    Advisors::Id,
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
            vec![
                index(DispatchVisits::Table, [DispatchVisits::DispatchRequestId]),
                index(
                    DispatchVisits::Table,
                    [DispatchVisits::AdvisorId, DispatchVisits::StartsAt],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                DispatchVisits::Table.into_iden(),
                DispatchAssignments::Table.into_iden(),
                DispatchRequests::Table.into_iden(),
                AdvisorUnavailablePeriods::Table.into_iden(),
                Advisors::Table.into_iden(),
                AdvisorPools::Table.into_iden(),
            ],
        )
        .await
    }
}
