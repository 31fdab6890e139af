//! What the dispatch workflow needs beyond the tables of `m20261123_000003_advisors`:
//!
//! - `dispatch_quota_counters`: one row per pool × requesting organisation × fiscal year,
//!   counting the requests that take a place in the pool's quota. Approvals take a place
//!   with a guarded `UPDATE … SET used = used + 1 WHERE … AND used < limit`, which holds
//!   under concurrency on SQLite and PostgreSQL alike, where counting requests and then
//!   inserting did not.
//! - on `advisors`: a folded search text (name, reading, affiliation), bit masks of the
//!   themes, modes and prefectures served (so filters are plain integer tests on both
//!   databases instead of JSON functions that differ between them), and a schedule version
//!   that every booking and availability change bumps as its first write, which serialises
//!   bookings per advisor.
//! - on `advisor_pools`: the day of the month an application window opens (the foundation
//!   has the day it closes), so a pool can take requests, say, from the 1st to the 10th.
//! - on `advisor_unavailable_periods`: when a period was withdrawn (history stays).
//! - on `dispatch_requests`: the first and last scheduled visit (for the quota's fiscal year,
//!   the cancellation deadline and overdue reports), whether the request holds a place in
//!   its quota, when the visits were marked held, and why the requester cancelled.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{create_table, drop_tables, foreign_key, index, index_with_name};
use crate::m20261123_000001_organizations::Organizations;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Advisors {
    Table,
    SearchKey,
    ThemeMask,
    ModeMask,
    PrefectureMask,
    ScheduleVersion,
}

#[derive(DeriveIden)]
enum AdvisorPools {
    Table,
    Id,
    ApplicationOpensDay,
}

#[derive(DeriveIden)]
enum AdvisorUnavailablePeriods {
    Table,
    CancelledAt,
}

#[derive(DeriveIden)]
enum DispatchRequests {
    Table,
    Status,
    FirstVisitAt,
    LastVisitEndsAt,
    QuotaCounted,
    CompletedAt,
    CancelReason,
}

/// 派遣枠の使用数: places taken in a pool's quota by one organisation in one fiscal year.
#[derive(DeriveIden)]
enum DispatchQuotaCounters {
    Table,
    PoolId,
    OrganizationId,
    FiscalYear,
    Used,
    UpdatedAt,
}

/// Adds one column (SQLite alters one column per statement).
async fn add_column(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    column: ColumnDef,
) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(table.into_iden())
                .add_column(column)
                .to_owned(),
        )
        .await
}

async fn drop_column(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    column: impl IntoIden,
) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(table.into_iden())
                .drop_column(column.into_iden())
                .to_owned(),
        )
        .await
}

const OVERDUE_INDEX: &str = "idx_dispatch_requests_status_last_visit_ends_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_column(
            manager,
            AdvisorPools::Table,
            integer_null(AdvisorPools::ApplicationOpensDay),
        )
        .await?;
        for column in [
            string(Advisors::SearchKey).default("").to_owned(),
            integer(Advisors::ThemeMask).default(0).to_owned(),
            integer(Advisors::ModeMask).default(0).to_owned(),
            big_integer(Advisors::PrefectureMask).default(0).to_owned(),
            integer(Advisors::ScheduleVersion).default(0).to_owned(),
        ] {
            add_column(manager, Advisors::Table, column).await?;
        }
        add_column(
            manager,
            AdvisorUnavailablePeriods::Table,
            timestamp_with_time_zone_null(AdvisorUnavailablePeriods::CancelledAt),
        )
        .await?;
        for column in [
            timestamp_with_time_zone_null(DispatchRequests::FirstVisitAt),
            timestamp_with_time_zone_null(DispatchRequests::LastVisitEndsAt),
            boolean(DispatchRequests::QuotaCounted)
                .default(false)
                .to_owned(),
            timestamp_with_time_zone_null(DispatchRequests::CompletedAt),
            text_null(DispatchRequests::CancelReason),
        ] {
            add_column(manager, DispatchRequests::Table, column).await?;
        }
        // Overdue reports: requests in a status, by the end of their last visit.
        manager
            .create_index(index_with_name(
                OVERDUE_INDEX.to_owned(),
                DispatchRequests::Table,
                [DispatchRequests::Status, DispatchRequests::LastVisitEndsAt],
            ))
            .await?;

        create_table(
            manager,
            Table::create()
                .table(DispatchQuotaCounters::Table)
                .col(uuid(DispatchQuotaCounters::PoolId))
                .col(uuid(DispatchQuotaCounters::OrganizationId))
                .col(integer(DispatchQuotaCounters::FiscalYear))
                .col(integer(DispatchQuotaCounters::Used).default(0))
                .col(timestamp_with_time_zone(DispatchQuotaCounters::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(DispatchQuotaCounters::PoolId)
                        .col(DispatchQuotaCounters::OrganizationId)
                        .col(DispatchQuotaCounters::FiscalYear),
                )
                .foreign_key(&mut foreign_key(
                    DispatchQuotaCounters::Table,
                    DispatchQuotaCounters::PoolId,
                    AdvisorPools::Table,
                    AdvisorPools::Id,
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut foreign_key(
                    DispatchQuotaCounters::Table,
                    DispatchQuotaCounters::OrganizationId,
                    Organizations::Table,
                    Organizations::Id,
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
            vec![index(
                DispatchQuotaCounters::Table,
                [
                    DispatchQuotaCounters::OrganizationId,
                    DispatchQuotaCounters::FiscalYear,
                ],
            )],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, [DispatchQuotaCounters::Table]).await?;
        manager
            .drop_index(
                Index::drop()
                    .name(OVERDUE_INDEX)
                    .table(DispatchRequests::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            DispatchRequests::CancelReason,
            DispatchRequests::CompletedAt,
            DispatchRequests::QuotaCounted,
            DispatchRequests::LastVisitEndsAt,
            DispatchRequests::FirstVisitAt,
        ] {
            drop_column(manager, DispatchRequests::Table, column).await?;
        }
        drop_column(
            manager,
            AdvisorUnavailablePeriods::Table,
            AdvisorUnavailablePeriods::CancelledAt,
        )
        .await?;
        for column in [
            Advisors::ScheduleVersion,
            Advisors::PrefectureMask,
            Advisors::ModeMask,
            Advisors::ThemeMask,
            Advisors::SearchKey,
        ] {
            drop_column(manager, Advisors::Table, column).await?;
        }
        drop_column(
            manager,
            AdvisorPools::Table,
            AdvisorPools::ApplicationOpensDay,
        )
        .await
    }
}
