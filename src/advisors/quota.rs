//! 派遣枠: how many dispatches an organisation may have from a pool per fiscal year.
//!
//! A request takes a place in the quota when it is approved and gives it back when it is
//! cancelled or sent back to the pool before its first visit; the quota counts the fiscal
//! year (Asia/Tokyo) of the request's **first scheduled visit**, since the quota is about
//! when the organisation gets help, and a request approved in March for May belongs to the
//! new year's budget. Declined requests never held a place.
//!
//! The places taken live in `dispatch_quota_counters` and change only through [`take`] and
//! [`give_back`], inside the transaction that changes the request: `take` is a guarded
//! `UPDATE … SET used = used + 1 WHERE … AND used < limit` whose affected-row count says
//! whether a place was left, which holds with any number of simultaneous approvals on both
//! databases (the row lock on PostgreSQL, the write lock on SQLite).

use std::collections::HashMap;

use chrono::Utc;
use entity::{advisor_pool, dispatch_quota_counter, organization};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::pools::{self, PoolFilter};
use super::violations::QuotaExceeded;
use crate::access;
use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::graphql::pagination::MAX_PAGE_SIZE;
use crate::organizations::OrgCode;

fn counter(pool_id: Uuid, organization_id: Uuid, fiscal_year: i32) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(dispatch_quota_counter::Column::PoolId.eq(pool_id))
        .add(dispatch_quota_counter::Column::OrganizationId.eq(organization_id))
        .add(dispatch_quota_counter::Column::FiscalYear.eq(fiscal_year))
}

/// Takes a place in `pool`'s quota for `organization_id` in `fiscal_year`, or refuses with
/// `DISPATCH_QUOTA_EXCEEDED` (the count used and the limit).
pub async fn take<C: ConnectionTrait>(
    txn: &C,
    pool: &advisor_pool::Model,
    organization_id: Uuid,
    fiscal_year: i32,
) -> AppResult<()> {
    let now = Utc::now();
    dispatch_quota_counter::Entity::insert(dispatch_quota_counter::ActiveModel {
        pool_id: Set(pool.id),
        organization_id: Set(organization_id),
        fiscal_year: Set(fiscal_year),
        used: Set(0),
        updated_at: Set(now),
    })
    .on_conflict_do_nothing()
    .exec_without_returning(txn)
    .await?;
    let limit = pool.visits_per_org_per_year;
    let taken = dispatch_quota_counter::Entity::update_many()
        .col_expr(
            dispatch_quota_counter::Column::Used,
            Expr::col(dispatch_quota_counter::Column::Used).add(1),
        )
        .col_expr(dispatch_quota_counter::Column::UpdatedAt, Expr::value(now))
        .filter(counter(pool.id, organization_id, fiscal_year))
        .filter(dispatch_quota_counter::Column::Used.lt(limit))
        .exec(txn)
        .await?;
    if taken.rows_affected == 1 {
        return Ok(());
    }
    let used = dispatch_quota_counter::Entity::find()
        .filter(counter(pool.id, organization_id, fiscal_year))
        .one(txn)
        .await?
        .map_or(limit, |c| c.used);
    Err(AppError::rule(QuotaExceeded {
        used,
        limit,
        fiscal_year,
    }))
}

/// Gives a place back (a counted request was cancelled or sent back).
pub async fn give_back<C: ConnectionTrait>(
    txn: &C,
    pool_id: Uuid,
    organization_id: Uuid,
    fiscal_year: i32,
) -> AppResult<()> {
    dispatch_quota_counter::Entity::update_many()
        .col_expr(
            dispatch_quota_counter::Column::Used,
            Expr::col(dispatch_quota_counter::Column::Used).sub(1),
        )
        .col_expr(
            dispatch_quota_counter::Column::UpdatedAt,
            Expr::value(Utc::now()),
        )
        .filter(counter(pool_id, organization_id, fiscal_year))
        .filter(dispatch_quota_counter::Column::Used.gt(0))
        .exec(txn)
        .await?;
    Ok(())
}

/// One pool's quota as used by one organisation in one fiscal year.
#[derive(Clone, Debug)]
pub struct QuotaUsage {
    pub pool: advisor_pool::Model,
    pub organization: organization::Model,
    pub fiscal_year: i32,
    pub used: i32,
}

impl QuotaUsage {
    pub fn limit(&self) -> i32 {
        self.pool.visits_per_org_per_year
    }

    /// Places left (never negative, even if the limit was lowered below what was used).
    pub fn remaining(&self) -> i32 {
        std::cmp::max(self.limit() - self.used, 0)
    }
}

/// An organisation's use of the quotas of the pools the viewer may see, where the viewer may
/// see that organisation's usage (its own members: every pool; a pool owner's staff: their
/// pools). Ordered by pool.
pub async fn usage(
    db: &DatabaseConnection,
    viewer: &Viewer,
    code: &OrgCode,
    fiscal_year: i32,
) -> AppResult<Vec<QuotaUsage>> {
    access::ensure_signed_in(viewer)?;
    let organization = crate::organizations::find_by_code(db, code)
        .await?
        .ok_or_else(|| AppError::not_found("Organization"))?;
    // Bounded: quota usage is a short list; more pools than a page is not a real case.
    let pools: Vec<advisor_pool::Model> = {
        use sea_orm::{QueryOrder, QuerySelect};
        pools::visible(viewer, &PoolFilter::default())
            .order_by_asc(advisor_pool::Column::Id)
            .limit(MAX_PAGE_SIZE as u64)
            .all(db)
            .await?
    };
    let pools: Vec<advisor_pool::Model> = pools
        .into_iter()
        .filter(|p| access::can_read_quota_usage(viewer, organization.id, p.owner_organization_id))
        .collect();
    if pools.is_empty() {
        return Ok(Vec::new());
    }
    let used: HashMap<Uuid, i32> = dispatch_quota_counter::Entity::find()
        .filter(dispatch_quota_counter::Column::PoolId.is_in(pools.iter().map(|p| p.id)))
        .filter(dispatch_quota_counter::Column::OrganizationId.eq(organization.id))
        .filter(dispatch_quota_counter::Column::FiscalYear.eq(fiscal_year))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.pool_id, c.used))
        .collect();
    Ok(pools
        .into_iter()
        .map(|pool| QuotaUsage {
            used: used.get(&pool.id).copied().unwrap_or(0),
            pool,
            organization: organization.clone(),
            fiscal_year,
        })
        .collect())
}
