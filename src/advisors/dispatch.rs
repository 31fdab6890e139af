//! 派遣依頼: the workflow from a municipality's request to the requester's feedback, modelled
//! on the Ministry's procedure.
//!
//! ```text
//! SUBMITTED ──propose──▶ PROPOSED ──rank──▶ PROPOSED
//!     │                     │
//!     ├──approve────────────┴──▶ APPROVED ──complete──▶ COMPLETED ──report──▶ REPORTED ──close──▶ CLOSED
//!     ├──decline────────────┴──▶ DECLINED
//!     └──cancel (requester, before the first visit; also from PROPOSED and APPROVED)──▶ CANCELLED
//! APPROVED ──an assigned advisor declines──▶ SUBMITTED (back to the pool's admins)
//! ```
//!
//! Every other transition is refused with `INVALID_TRANSITION` naming the current state.
//! Each transition runs in one transaction whose first statement touches the request's row
//! (`lock`): on PostgreSQL that holds the row until commit, so two decisions on one request
//! run one after the other and the second sees the first's outcome; on SQLite the first
//! write takes the database's write lock. Locks are always taken in the same order (request,
//! then advisors by id, then the quota counter), so transactions never deadlock.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::dispatch_request::{DateRange, DateRanges, IdList};
use entity::enums::{
    AdvisorTheme, AssignmentStatus, DispatchMode, DispatchStatus, VisitMode, VisitStatus,
};
use entity::{advisor, advisor_pool, dispatch_assignment, dispatch_request, dispatch_visit};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
    RelationTrait, Select, Set, TransactionTrait,
};
use tracing::instrument;
use uuid::Uuid;

use super::pools::MonthlyWindow;
use super::schedule::{self, Planned, Span};
use super::violations::{
    BookingConflict, DispatchStarted, LimitExceeded, LimitUnit, VisitsNotHeld, WindowClosed,
};
use super::{
    change, check_themes, commit_with_audit, in_range, optional_text, quota, required_text, to_json,
};
use crate::access::{self, DispatchParties};
use crate::audit::{Actor, Change};
use crate::auth::Viewer;
use crate::error::{AppError, AppResult, Invalid};
use crate::fiscal;
use crate::organizations::OrgCode;

/// Most wished date ranges in one request.
pub const MAX_WISHED_RANGES: usize = 5;
/// Most advisors named, proposed or assigned (a team dispatch) for one request.
pub const MAX_TEAM: usize = 5;
/// Most visits scheduled for one request.
pub const MAX_VISITS: usize = 20;
/// Longest single visit.
pub const MAX_VISIT_HOURS: i64 = 12;
/// Days after the last visit within which the report is due.
pub const REPORT_DUE_DAYS: i64 = 7;

const ENTITY: &str = "DispatchRequest";

/// The state names clients see (`INVALID_TRANSITION`'s `state`).
pub fn status_name(status: DispatchStatus) -> &'static str {
    match status {
        DispatchStatus::Submitted => "SUBMITTED",
        DispatchStatus::Proposed => "PROPOSED",
        DispatchStatus::Approved => "APPROVED",
        DispatchStatus::Declined => "DECLINED",
        DispatchStatus::Completed => "COMPLETED",
        DispatchStatus::Reported => "REPORTED",
        DispatchStatus::Closed => "CLOSED",
        DispatchStatus::Cancelled => "CANCELLED",
    }
}

fn require_status(
    request: &dispatch_request::Model,
    action: &'static str,
    allowed: &[DispatchStatus],
) -> AppResult<()> {
    if allowed.contains(&request.status) {
        Ok(())
    } else {
        Err(AppError::transition(
            ENTITY,
            action,
            status_name(request.status),
        ))
    }
}

/// When the report of a dispatch is due: 7 days after its last visit ends.
pub fn report_due_at(request: &dispatch_request::Model) -> Option<DateTime<Utc>> {
    request
        .last_visit_ends_at
        .map(|end| end + Duration::days(REPORT_DUE_DAYS))
}

/// Whether the report is overdue: visits over for more than 7 days and no report yet.
pub fn report_overdue(request: &dispatch_request::Model, now: DateTime<Utc>) -> bool {
    matches!(
        request.status,
        DispatchStatus::Approved | DispatchStatus::Completed
    ) && report_due_at(request).is_some_and(|due| due < now)
}

// ---------------------------------------------------------------------------------------
// Submission
// ---------------------------------------------------------------------------------------

/// A request as given to `submitDispatchRequest`.
#[derive(Clone, Debug)]
pub struct SubmitInput {
    pub pool_id: Uuid,
    pub themes: Vec<AdvisorTheme>,
    pub problem: String,
    pub desired_outcome: Option<String>,
    pub wished_dates: Vec<DateRange>,
    pub mode: DispatchMode,
    pub visits_requested: Option<i32>,
    pub onsite_days_requested: Option<i32>,
    pub online_hours_requested: Option<i32>,
    /// Advisors named in preference order; empty: the pool chooses.
    pub preferred_advisor_ids: Vec<Uuid>,
}

/// Checks wished date ranges: one to five, each forward, none starting before `today`.
pub fn check_wished_dates(ranges: &[DateRange], today: NaiveDate) -> AppResult<Vec<DateRange>> {
    if ranges.is_empty() {
        return Err(AppError::invalid("input.wishedDates", Invalid::Empty));
    }
    if ranges.len() > MAX_WISHED_RANGES {
        return Err(AppError::invalid(
            "input.wishedDates",
            Invalid::Range {
                min: 1,
                max: MAX_WISHED_RANGES as i64,
            },
        ));
    }
    for (i, range) in ranges.iter().enumerate() {
        if range.from < today {
            return Err(AppError::invalid(
                format!("input.wishedDates[{i}].from"),
                Invalid::Value {
                    expected: "today or later",
                },
            ));
        }
        if range.to < range.from {
            return Err(AppError::invalid(
                format!("input.wishedDates[{i}].to"),
                Invalid::Value {
                    expected: "on or after `from`",
                },
            ));
        }
    }
    let mut sorted = ranges.to_vec();
    sorted.sort_by_key(|r| (r.from, r.to));
    Ok(sorted)
}

/// Checks on-site days or online hours asked for against the pool's policy.
fn check_limit(field: &str, unit: LimitUnit, requested: f64, limit: i32) -> AppResult<()> {
    if requested > f64::from(limit) {
        return Err(AppError::rule(LimitExceeded {
            field: field.to_owned(),
            unit,
            requested,
            limit,
        }));
    }
    Ok(())
}

/// Submits a request on behalf of the viewer's organisation: its editors and admins may.
#[instrument(skip_all, fields(pool_id = %input.pool_id))]
pub async fn submit(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    input: SubmitInput,
) -> AppResult<dispatch_request::Model> {
    let user = access::ensure_signed_in(viewer)?;
    if !access::can_act_for_requester(viewer, user.organization_id) {
        return Err(AppError::Forbidden);
    }
    let now = Utc::now();
    let today = super::today(now);
    let themes = check_themes("input.themes", &input.themes)?;
    let problem = required_text("input.problem", &input.problem, super::MAX_TEXT)?;
    let desired_outcome = optional_text(
        "input.desiredOutcome",
        input.desired_outcome.as_deref(),
        super::MAX_TEXT,
    )?;
    let wished = check_wished_dates(&input.wished_dates, today)?;
    let visits_requested = in_range(
        "input.visitsRequested",
        input.visits_requested.unwrap_or(1),
        1,
        MAX_VISITS as i32,
    )?;
    let onsite_days = input
        .onsite_days_requested
        .map(|d| in_range("input.onsiteDaysRequested", d, 0, 31))
        .transpose()?;
    let online_hours = input
        .online_hours_requested
        .map(|h| in_range("input.onlineHoursRequested", h, 0, 500))
        .transpose()?;
    match input.mode {
        DispatchMode::Online if onsite_days.is_some_and(|d| d > 0) => {
            return Err(AppError::invalid(
                "input.onsiteDaysRequested",
                Invalid::Value {
                    expected: "0 for an online request",
                },
            ));
        }
        DispatchMode::Onsite if online_hours.is_some_and(|h| h > 0) => {
            return Err(AppError::invalid(
                "input.onlineHoursRequested",
                Invalid::Value {
                    expected: "0 for an on-site request",
                },
            ));
        }
        _ => {}
    }
    let mut preferred: Vec<Uuid> = Vec::new();
    for id in &input.preferred_advisor_ids {
        if !preferred.contains(id) {
            preferred.push(*id);
        }
    }
    if preferred.len() > MAX_TEAM {
        return Err(AppError::invalid(
            "input.preferredAdvisorIds",
            Invalid::Range {
                min: 0,
                max: MAX_TEAM as i64,
            },
        ));
    }

    let pool = super::pools::find_visible(db, viewer, input.pool_id)
        .await?
        .ok_or_else(|| AppError::not_found("AdvisorPool"))?;
    if pool.archived_at.is_some() {
        return Err(AppError::transition(
            "AdvisorPool",
            "submit requests to",
            "ARCHIVED",
        ));
    }
    if let Some(days) = onsite_days {
        check_limit(
            "input.onsiteDaysRequested",
            LimitUnit::OnsiteDays,
            f64::from(days),
            pool.max_onsite_days,
        )?;
    }
    if let Some(hours) = online_hours {
        check_limit(
            "input.onlineHoursRequested",
            LimitUnit::OnlineHours,
            f64::from(hours),
            pool.max_online_hours,
        )?;
    }
    if let Some(window) = MonthlyWindow::of(&pool)
        && let Err(next) = window.check(today)
    {
        return Err(AppError::rule(WindowClosed {
            opens_on: next.opens_on,
            closes_on: next.closes_on,
        }));
    }
    if !preferred.is_empty() {
        if !pool.requesters_may_name_advisors {
            return Err(AppError::invalid(
                "input.preferredAdvisorIds",
                Invalid::Value {
                    expected: "empty: this pool chooses its advisors",
                },
            ));
        }
        pool_advisors(db, viewer, pool.id, &preferred).await?;
    }

    let first_day = wished.first().map_or(today, |r| r.from);
    let model = dispatch_request::Model {
        id: Uuid::now_v7(),
        requester_organization_id: user.organization_id,
        pool_id: pool.id,
        submitted_by_user_id: user.user_id,
        themes: entity::advisor::ThemeList(themes),
        problem,
        desired_outcome,
        wished_dates: DateRanges(wished),
        mode: input.mode,
        visits_requested,
        onsite_days_requested: onsite_days,
        online_hours_requested: online_hours,
        preferred_advisor_ids: IdList(preferred),
        status: DispatchStatus::Submitted,
        fiscal_year: Some(fiscal::of_date(first_day)),
        decision_reason: None,
        decided_by_user_id: None,
        decided_at: None,
        report: None,
        reported_by_user_id: None,
        reported_at: None,
        feedback_rating: None,
        feedback_comment: None,
        closed_at: None,
        cancelled_at: None,
        created_at: now,
        updated_at: now,
        first_visit_at: None,
        last_visit_ends_at: None,
        quota_counted: false,
        completed_at: None,
        cancel_reason: None,
    };
    let txn = db.begin().await?;
    let saved = dispatch_request::Entity::insert(model.into_active_model())
        .exec_with_returning(&txn)
        .await?;
    let event = change(
        "dispatch.submit",
        ENTITY,
        saved.id,
        saved.requester_organization_id,
        None,
        &saved,
    );
    commit_with_audit(txn, actor, event).await?;
    Ok(saved)
}

/// Active advisors of `pool_id` the viewer may see, in the order of `ids`; `NOT_FOUND` when
/// any is missing.
async fn pool_advisors<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    pool_id: Uuid,
    ids: &[Uuid],
) -> AppResult<Vec<advisor::Model>> {
    let found: HashMap<Uuid, advisor::Model> = advisor::Entity::find()
        .filter(advisor::Column::Id.is_in(ids.to_vec()))
        .filter(advisor::Column::PoolId.eq(pool_id))
        .filter(advisor::Column::ArchivedAt.is_null())
        .filter(access::advisor_readable(viewer))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    ids.iter()
        .map(|id| {
            found
                .get(id)
                .cloned()
                .ok_or_else(|| AppError::not_found("Advisor"))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Locking and loading a request for a transition
// ---------------------------------------------------------------------------------------

/// A request locked for a transition, with its pool and parties.
pub struct Locked {
    pub request: dispatch_request::Model,
    pub pool: advisor_pool::Model,
    pub parties: DispatchParties,
}

/// Starts a transition: touches the request's row (the transaction's first write, so it
/// takes the lock before anything is read), then loads it if the viewer may see it.
async fn lock(txn: &DatabaseTransaction, viewer: &Viewer, id: Uuid) -> AppResult<Locked> {
    access::ensure_signed_in(viewer)?;
    dispatch_request::Entity::update_many()
        .col_expr(
            dispatch_request::Column::UpdatedAt,
            Expr::col(dispatch_request::Column::UpdatedAt),
        )
        .filter(dispatch_request::Column::Id.eq(id))
        .exec(txn)
        .await?;
    let request = dispatch_request::Entity::find_by_id(id)
        .filter(access::dispatch_readable(viewer))
        .one(txn)
        .await?
        .ok_or_else(|| AppError::not_found(ENTITY))?;
    let pool = advisor_pool::Entity::find_by_id(request.pool_id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::not_found("AdvisorPool"))?;
    let assigned_user_ids = assigned_user_ids(txn, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default();
    let parties = DispatchParties {
        requester_id: request.requester_organization_id,
        pool_owner_id: pool.owner_organization_id,
        assigned_user_ids,
    };
    Ok(Locked {
        request,
        pool,
        parties,
    })
}

/// The users linked to the advisors assigned to each request.
pub async fn assigned_user_ids<C: ConnectionTrait>(
    db: &C,
    request_ids: &[Uuid],
) -> AppResult<HashMap<Uuid, Vec<Uuid>>> {
    let rows: Vec<(Uuid, Option<Uuid>)> = dispatch_assignment::Entity::find()
        .select_only()
        .column(dispatch_assignment::Column::DispatchRequestId)
        .column(advisor::Column::UserId)
        .join(
            sea_orm::JoinType::InnerJoin,
            dispatch_assignment::Relation::Advisor.def(),
        )
        .filter(dispatch_assignment::Column::DispatchRequestId.is_in(request_ids.to_vec()))
        .filter(dispatch_assignment::Column::Status.eq(AssignmentStatus::Assigned))
        .into_tuple()
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (request_id, user_id) in rows {
        if let Some(user_id) = user_id {
            out.entry(request_id).or_default().push(user_id);
        }
    }
    Ok(out)
}

/// Writes the request's new state and its audit event, and commits.
async fn finish(
    txn: DatabaseTransaction,
    actor: &Actor,
    action: &'static str,
    before: &dispatch_request::Model,
    mut after: dispatch_request::Model,
    extra: Option<serde_json::Value>,
) -> AppResult<dispatch_request::Model> {
    after.updated_at = Utc::now();
    let active = after.into_active_model().reset_all();
    let saved = active.update(&txn).await?;
    let mut after_json = to_json(&saved);
    if let (Some(serde_json::Value::Object(map)), Some(serde_json::Value::Object(more))) =
        (after_json.as_mut(), extra)
    {
        map.extend(more);
    }
    let event = Change {
        after: after_json,
        ..change(
            action,
            ENTITY,
            saved.id,
            saved.requester_organization_id,
            Some(before),
            &saved,
        )
    };
    commit_with_audit(txn, actor, event).await?;
    Ok(saved)
}

/// Sets the status of a request's assignments that are in one of `from` to `to`.
async fn set_assignments(
    txn: &DatabaseTransaction,
    request_id: Uuid,
    from: &[AssignmentStatus],
    to: AssignmentStatus,
    now: DateTime<Utc>,
) -> AppResult<()> {
    dispatch_assignment::Entity::update_many()
        .col_expr(dispatch_assignment::Column::Status, Expr::value(to))
        .col_expr(dispatch_assignment::Column::UpdatedAt, Expr::value(now))
        .filter(dispatch_assignment::Column::DispatchRequestId.eq(request_id))
        .filter(dispatch_assignment::Column::Status.is_in(from.to_vec()))
        .exec(txn)
        .await?;
    Ok(())
}

/// Cancels a request's scheduled visits (their time is free again).
async fn cancel_visits(
    txn: &DatabaseTransaction,
    request_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    dispatch_visit::Entity::update_many()
        .col_expr(
            dispatch_visit::Column::Status,
            Expr::value(VisitStatus::Cancelled),
        )
        .col_expr(dispatch_visit::Column::UpdatedAt, Expr::value(now))
        .filter(dispatch_visit::Column::DispatchRequestId.eq(request_id))
        .filter(dispatch_visit::Column::Status.eq(VisitStatus::Scheduled))
        .exec(txn)
        .await?;
    Ok(())
}

/// Gives back the request's place in its quota, if it holds one.
async fn release_quota(
    txn: &DatabaseTransaction,
    request: &mut dispatch_request::Model,
) -> AppResult<()> {
    if request.quota_counted
        && let Some(fiscal_year) = request.fiscal_year
    {
        quota::give_back(
            txn,
            request.pool_id,
            request.requester_organization_id,
            fiscal_year,
        )
        .await?;
    }
    request.quota_counted = false;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The pool's decisions: propose, approve, decline
// ---------------------------------------------------------------------------------------

fn check_team(field: &str, ids: &[Uuid]) -> AppResult<Vec<Uuid>> {
    let mut team: Vec<Uuid> = Vec::with_capacity(ids.len());
    for id in ids {
        if !team.contains(id) {
            team.push(*id);
        }
    }
    if team.is_empty() || team.len() > MAX_TEAM {
        return Err(AppError::invalid(
            field,
            Invalid::Range {
                min: 1,
                max: MAX_TEAM as i64,
            },
        ));
    }
    Ok(team)
}

/// Proposes candidate advisors for the requester to rank: the pool owner's admins may.
/// Proposing again replaces the candidates (and clears the ranking).
#[instrument(skip_all, fields(request_id = %request_id))]
pub async fn propose(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    request_id: Uuid,
    advisor_ids: &[Uuid],
) -> AppResult<dispatch_request::Model> {
    let candidates = check_team("input.advisorIds", advisor_ids)?;
    let txn = db.begin().await?;
    let Locked { request, pool, .. } = lock(&txn, viewer, request_id).await?;
    if !access::can_decide_dispatch(viewer, pool.owner_organization_id) {
        return Err(AppError::Forbidden);
    }
    require_status(
        &request,
        "propose advisors for",
        &[DispatchStatus::Submitted, DispatchStatus::Proposed],
    )?;
    pool_advisors(&txn, viewer, pool.id, &candidates).await?;
    let now = Utc::now();
    set_assignments(
        &txn,
        request.id,
        &[AssignmentStatus::Proposed],
        AssignmentStatus::Withdrawn,
        now,
    )
    .await?;
    upsert_assignments(
        &txn,
        request.id,
        &candidates,
        AssignmentStatus::Proposed,
        now,
    )
    .await?;
    let mut after = request.clone();
    after.status = DispatchStatus::Proposed;
    let extra = serde_json::json!({ "proposedAdvisorIds": candidates });
    finish(txn, actor, "dispatch.propose", &request, after, Some(extra)).await
}

/// Puts `advisor_ids` into `status` for the request (rank cleared), inserting the
/// assignments that do not exist yet.
async fn upsert_assignments(
    txn: &DatabaseTransaction,
    request_id: Uuid,
    advisor_ids: &[Uuid],
    status: AssignmentStatus,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let existing: Vec<Uuid> = dispatch_assignment::Entity::find()
        .filter(dispatch_assignment::Column::DispatchRequestId.eq(request_id))
        .filter(dispatch_assignment::Column::AdvisorId.is_in(advisor_ids.to_vec()))
        .all(txn)
        .await?
        .into_iter()
        .map(|a| a.advisor_id)
        .collect();
    if !existing.is_empty() {
        dispatch_assignment::Entity::update_many()
            .col_expr(dispatch_assignment::Column::Status, Expr::value(status))
            .col_expr(
                dispatch_assignment::Column::PreferenceRank,
                Expr::value(Option::<i32>::None),
            )
            .col_expr(dispatch_assignment::Column::UpdatedAt, Expr::value(now))
            .filter(dispatch_assignment::Column::DispatchRequestId.eq(request_id))
            .filter(dispatch_assignment::Column::AdvisorId.is_in(existing.clone()))
            .exec(txn)
            .await?;
    }
    let new: Vec<dispatch_assignment::ActiveModel> = advisor_ids
        .iter()
        .filter(|id| !existing.contains(id))
        .map(|advisor_id| dispatch_assignment::ActiveModel {
            id: Set(Uuid::now_v7()),
            dispatch_request_id: Set(request_id),
            advisor_id: Set(*advisor_id),
            status: Set(status),
            preference_rank: Set(None),
            decline_reason: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    if !new.is_empty() {
        dispatch_assignment::Entity::insert_many(new)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// The requester ranks the proposed candidates (first = preferred); candidates left out are
/// unranked.
#[instrument(skip_all, fields(request_id = %request_id))]
pub async fn rank(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    request_id: Uuid,
    advisor_ids: &[Uuid],
) -> AppResult<dispatch_request::Model> {
    let ranking = check_team("input.advisorIds", advisor_ids)?;
    if ranking.len() != advisor_ids.len() {
        return Err(AppError::invalid(
            "input.advisorIds",
            Invalid::Value {
                expected: "each candidate at most once",
            },
        ));
    }
    let txn = db.begin().await?;
    let Locked {
        request, parties, ..
    } = lock(&txn, viewer, request_id).await?;
    if !access::can_act_for_requester(viewer, parties.requester_id) {
        return Err(AppError::Forbidden);
    }
    require_status(
        &request,
        "rank the candidates of",
        &[DispatchStatus::Proposed],
    )?;
    let candidates: Vec<dispatch_assignment::Model> = dispatch_assignment::Entity::find()
        .filter(dispatch_assignment::Column::DispatchRequestId.eq(request.id))
        .filter(dispatch_assignment::Column::Status.eq(AssignmentStatus::Proposed))
        .all(&txn)
        .await?;
    let now = Utc::now();
    for (i, advisor_id) in ranking.iter().enumerate() {
        if !candidates.iter().any(|c| c.advisor_id == *advisor_id) {
            return Err(AppError::invalid(
                format!("input.advisorIds[{i}]"),
                Invalid::Value {
                    expected: "one of the proposed candidates",
                },
            ));
        }
    }
    for candidate in candidates {
        let rank = ranking
            .iter()
            .position(|id| *id == candidate.advisor_id)
            .and_then(|p| i32::try_from(p + 1).ok());
        let mut active: dispatch_assignment::ActiveModel = candidate.into();
        active.preference_rank = Set(rank);
        active.updated_at = Set(now);
        active.update(&txn).await?;
    }
    let after = request.clone();
    let extra = serde_json::json!({ "rankedAdvisorIds": ranking });
    finish(txn, actor, "dispatch.rank", &request, after, Some(extra)).await
}

/// One visit of an approval, as typed.
#[derive(Clone, Debug)]
pub struct VisitInput {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub mode: VisitMode,
    /// The advisors at this visit (a subset of the team); none: the whole team.
    pub advisor_ids: Option<Vec<Uuid>>,
}

/// An approval as given to `approveDispatchRequest`.
#[derive(Clone, Debug)]
pub struct ApproveInput {
    pub request_id: Uuid,
    /// The team: one advisor, or several for a team dispatch.
    pub advisor_ids: Vec<Uuid>,
    pub visits: Vec<VisitInput>,
    pub note: Option<String>,
}

/// A checked visit: its span, mode and advisors.
#[derive(Clone, Debug, PartialEq)]
pub struct PlannedVisit {
    pub span: Span,
    pub mode: VisitMode,
    pub advisor_ids: Vec<Uuid>,
}

/// Checks the visits of an approval on their own: one to twenty, each forward, in the
/// future, at most twelve hours, with advisors from the team.
pub fn check_visits(
    visits: &[VisitInput],
    team: &[Uuid],
    now: DateTime<Utc>,
) -> AppResult<Vec<PlannedVisit>> {
    if visits.is_empty() || visits.len() > MAX_VISITS {
        return Err(AppError::invalid(
            "input.visits",
            Invalid::Range {
                min: 1,
                max: MAX_VISITS as i64,
            },
        ));
    }
    visits
        .iter()
        .enumerate()
        .map(|(i, v)| {
            if v.starts_at <= now {
                return Err(AppError::invalid(
                    format!("input.visits[{i}].startsAt"),
                    Invalid::Value {
                        expected: "in the future",
                    },
                ));
            }
            if v.ends_at <= v.starts_at {
                return Err(AppError::invalid(
                    format!("input.visits[{i}].endsAt"),
                    Invalid::Value {
                        expected: "after startsAt",
                    },
                ));
            }
            if v.ends_at - v.starts_at > Duration::hours(MAX_VISIT_HOURS) {
                return Err(AppError::invalid(
                    format!("input.visits[{i}].endsAt"),
                    Invalid::Value {
                        expected: "at most 12 hours after startsAt",
                    },
                ));
            }
            let advisor_ids = match &v.advisor_ids {
                None => team.to_vec(),
                Some(ids) => {
                    let mut chosen: Vec<Uuid> = Vec::new();
                    for id in ids {
                        if !team.contains(id) {
                            return Err(AppError::invalid(
                                format!("input.visits[{i}].advisorIds"),
                                Invalid::Value {
                                    expected: "advisors of the team (input.advisorIds)",
                                },
                            ));
                        }
                        if !chosen.contains(id) {
                            chosen.push(*id);
                        }
                    }
                    if chosen.is_empty() {
                        return Err(AppError::invalid(
                            format!("input.visits[{i}].advisorIds"),
                            Invalid::Empty,
                        ));
                    }
                    chosen
                }
            };
            Ok(PlannedVisit {
                span: Span {
                    starts_at: v.starts_at,
                    ends_at: v.ends_at,
                },
                mode: v.mode,
                advisor_ids,
            })
        })
        .collect()
}

/// On-site days (Tokyo calendar days touched by on-site visits) and online minutes of a
/// plan. A team at one visit counts once: the limits are about the requester's time.
pub fn plan_usage(visits: &[PlannedVisit]) -> (usize, i64) {
    let mut days = BTreeSet::new();
    let mut online_minutes = 0;
    for v in visits {
        match v.mode {
            VisitMode::Onsite => {
                let mut day = super::today(v.span.starts_at);
                // The last instant inside the visit decides its last day.
                let last = super::today(v.span.ends_at - Duration::seconds(1));
                loop {
                    days.insert(day);
                    match day.succ_opt() {
                        Some(next) if next <= last => day = next,
                        _ => break,
                    }
                }
            }
            VisitMode::Online => {
                online_minutes += (v.span.ends_at - v.span.starts_at).num_minutes();
            }
        }
    }
    (days.len(), online_minutes)
}

/// Approves a request: assigns the team, books the visits and takes a place in the quota.
/// The pool owner's admins may. Refused, changing nothing, when an advisor is booked or
/// unavailable then (`CONFLICT`), when the organisation's quota for the fiscal year of the
/// first visit is used up (`DISPATCH_QUOTA_EXCEEDED`), or when the plan goes beyond the
/// pool's limits (`DISPATCH_LIMIT_EXCEEDED`).
#[instrument(skip_all, fields(request_id = %input.request_id))]
pub async fn approve(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    input: ApproveInput,
) -> AppResult<dispatch_request::Model> {
    let now = Utc::now();
    let team = check_team("input.advisorIds", &input.advisor_ids)?;
    let planned = check_visits(&input.visits, &team, now)?;
    let note = optional_text("input.note", input.note.as_deref(), super::MAX_TEXT)?;

    let txn = db.begin().await?;
    let Locked { request, pool, .. } = lock(&txn, viewer, input.request_id).await?;
    if !access::can_decide_dispatch(viewer, pool.owner_organization_id) {
        return Err(AppError::Forbidden);
    }
    require_status(
        &request,
        "approve",
        &[DispatchStatus::Submitted, DispatchStatus::Proposed],
    )?;
    for (i, visit) in planned.iter().enumerate() {
        let fits = match request.mode {
            DispatchMode::Onsite => visit.mode == VisitMode::Onsite,
            DispatchMode::Online => visit.mode == VisitMode::Online,
            DispatchMode::Hybrid => true,
        };
        if !fits {
            return Err(AppError::invalid(
                format!("input.visits[{i}].mode"),
                Invalid::Value {
                    expected: "the request's mode",
                },
            ));
        }
    }
    let (onsite_days, online_minutes) = plan_usage(&planned);
    check_limit(
        "input.visits",
        LimitUnit::OnsiteDays,
        onsite_days as f64,
        pool.max_onsite_days,
    )?;
    check_limit(
        "input.visits",
        LimitUnit::OnlineHours,
        online_minutes as f64 / 60.0,
        pool.max_online_hours,
    )?;
    let advisors = pool_advisors(&txn, viewer, pool.id, &team).await?;
    for (i, visit) in planned.iter().enumerate() {
        let unfit = advisors
            .iter()
            .filter(|a| visit.advisor_ids.contains(&a.id))
            .any(|a| !a.modes.0.contains(&visit.mode));
        if unfit {
            return Err(AppError::invalid(
                format!("input.visits[{i}].mode"),
                Invalid::Value {
                    expected: "a mode every advisor of the visit works in",
                },
            ));
        }
    }

    // Bookings: lock the team, then check what they are committed to.
    schedule::lock_advisors(&txn, &team).await?;
    let bookings: Vec<Planned> = planned
        .iter()
        .enumerate()
        .flat_map(|(slot, v)| {
            v.advisor_ids.iter().map(move |advisor_id| Planned {
                slot,
                advisor_id: *advisor_id,
                span: v.span,
            })
        })
        .collect();
    if let Some(within) = schedule::covering(planned.iter().map(|v| v.span)) {
        let busy = schedule::busy(&txn, &team, within).await?;
        if let Some((booking, clash)) = schedule::first_clash(&bookings, &busy) {
            let advisor_name = advisors
                .iter()
                .find(|a| a.id == booking.advisor_id)
                .map(|a| a.name.clone())
                .unwrap_or_default();
            return Err(AppError::rule(BookingConflict {
                field: format!("input.visits[{}]", booking.slot),
                advisor_id: booking.advisor_id,
                advisor_name,
                kind: clash.kind,
                starts_at: clash.span.starts_at,
                ends_at: clash.span.ends_at,
            }));
        }
    }

    let first_visit_at = planned
        .iter()
        .map(|v| v.span.starts_at)
        .min()
        .unwrap_or(now);
    let last_visit_ends_at = planned.iter().map(|v| v.span.ends_at).max().unwrap_or(now);
    let fiscal_year = fiscal::of_instant(first_visit_at);
    quota::take(&txn, &pool, request.requester_organization_id, fiscal_year).await?;

    set_assignments(
        &txn,
        request.id,
        &[AssignmentStatus::Proposed, AssignmentStatus::Assigned],
        AssignmentStatus::Withdrawn,
        now,
    )
    .await?;
    upsert_assignments(&txn, request.id, &team, AssignmentStatus::Assigned, now).await?;
    let visits: Vec<dispatch_visit::ActiveModel> = bookings
        .iter()
        .map(|b| dispatch_visit::ActiveModel {
            id: Set(Uuid::now_v7()),
            dispatch_request_id: Set(request.id),
            advisor_id: Set(b.advisor_id),
            starts_at: Set(b.span.starts_at),
            ends_at: Set(b.span.ends_at),
            mode: Set(planned[b.slot].mode),
            status: Set(VisitStatus::Scheduled),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    dispatch_visit::Entity::insert_many(visits)
        .exec_without_returning(&txn)
        .await?;

    let user = access::ensure_signed_in(viewer)?;
    let mut after = request.clone();
    after.status = DispatchStatus::Approved;
    after.decision_reason = note;
    after.decided_by_user_id = Some(user.user_id);
    after.decided_at = Some(now);
    after.fiscal_year = Some(fiscal_year);
    after.first_visit_at = Some(first_visit_at);
    after.last_visit_ends_at = Some(last_visit_ends_at);
    after.quota_counted = true;
    let extra = serde_json::json!({
        "assignedAdvisorIds": team,
        "visits": bookings.iter().map(|b| serde_json::json!({
            "advisorId": b.advisor_id,
            "startsAt": b.span.starts_at,
            "endsAt": b.span.ends_at,
            "mode": planned[b.slot].mode,
        })).collect::<Vec<_>>(),
    });
    finish(txn, actor, "dispatch.approve", &request, after, Some(extra)).await
}

/// Declines a request, with the reason the requester is told: the pool owner's admins may.
#[instrument(skip_all, fields(request_id = %request_id))]
pub async fn decline(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    request_id: Uuid,
    reason: &str,
) -> AppResult<dispatch_request::Model> {
    let reason = required_text("input.reason", reason, super::MAX_TEXT)?;
    let txn = db.begin().await?;
    let Locked { request, pool, .. } = lock(&txn, viewer, request_id).await?;
    if !access::can_decide_dispatch(viewer, pool.owner_organization_id) {
        return Err(AppError::Forbidden);
    }
    require_status(
        &request,
        "decline",
        &[DispatchStatus::Submitted, DispatchStatus::Proposed],
    )?;
    let now = Utc::now();
    set_assignments(
        &txn,
        request.id,
        &[AssignmentStatus::Proposed],
        AssignmentStatus::Withdrawn,
        now,
    )
    .await?;
    let user = access::ensure_signed_in(viewer)?;
    let mut after = request.clone();
    release_quota(&txn, &mut after).await?;
    after.status = DispatchStatus::Declined;
    after.decision_reason = Some(reason);
    after.decided_by_user_id = Some(user.user_id);
    after.decided_at = Some(now);
    finish(txn, actor, "dispatch.decline", &request, after, None).await
}

// ---------------------------------------------------------------------------------------
// The requester: cancel, close
// ---------------------------------------------------------------------------------------

/// Cancels a request before its first visit: the requester's editors and admins may. A
/// request that held a place in the quota gives it back.
#[instrument(skip_all, fields(request_id = %request_id))]
pub async fn cancel(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    request_id: Uuid,
    reason: Option<&str>,
) -> AppResult<dispatch_request::Model> {
    let reason = optional_text("input.reason", reason, super::MAX_TEXT)?;
    let txn = db.begin().await?;
    let Locked {
        request, parties, ..
    } = lock(&txn, viewer, request_id).await?;
    if !access::can_act_for_requester(viewer, parties.requester_id) {
        return Err(AppError::Forbidden);
    }
    require_status(
        &request,
        "cancel",
        &[
            DispatchStatus::Submitted,
            DispatchStatus::Proposed,
            DispatchStatus::Approved,
        ],
    )?;
    let now = Utc::now();
    if let Some(first) = request.first_visit_at.filter(|at| *at <= now) {
        return Err(AppError::rule(DispatchStarted {
            first_visit_at: first,
        }));
    }
    cancel_visits(&txn, request.id, now).await?;
    set_assignments(
        &txn,
        request.id,
        &[AssignmentStatus::Proposed, AssignmentStatus::Assigned],
        AssignmentStatus::Withdrawn,
        now,
    )
    .await?;
    let mut after = request.clone();
    release_quota(&txn, &mut after).await?;
    after.status = DispatchStatus::Cancelled;
    after.cancelled_at = Some(now);
    after.cancel_reason = reason;
    finish(txn, actor, "dispatch.cancel", &request, after, None).await
}

/// Closes a reported dispatch with the requester's feedback (1–5 and a comment): the
/// requester's editors and admins may.
#[instrument(skip_all, fields(request_id = %request_id))]
pub async fn close(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    request_id: Uuid,
    rating: i32,
    comment: Option<&str>,
) -> AppResult<dispatch_request::Model> {
    let rating = in_range("input.rating", rating, 1, 5)?;
    let comment = optional_text("input.comment", comment, super::MAX_TEXT)?;
    let txn = db.begin().await?;
    let Locked {
        request, parties, ..
    } = lock(&txn, viewer, request_id).await?;
    if !access::can_act_for_requester(viewer, parties.requester_id) {
        return Err(AppError::Forbidden);
    }
    require_status(&request, "close", &[DispatchStatus::Reported])?;
    let mut after = request.clone();
    after.status = DispatchStatus::Closed;
    after.feedback_rating = Some(rating);
    after.feedback_comment = comment;
    after.closed_at = Some(Utc::now());
    finish(txn, actor, "dispatch.close", &request, after, None).await
}

// ---------------------------------------------------------------------------------------
// The advisors: decline an assignment, mark visits held, report
// ---------------------------------------------------------------------------------------

/// An assigned advisor declines their assignment before the first visit. The plan falls
/// through: the request goes back to the pool's admins as `SUBMITTED`, its visits are
/// cancelled, the rest of the team is released and the quota place is given back (approving
/// again takes it again).
#[instrument(skip_all, fields(request_id = %request_id))]
pub async fn decline_assignment(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    request_id: Uuid,
    reason: &str,
) -> AppResult<dispatch_request::Model> {
    let reason = required_text("input.reason", reason, super::MAX_TEXT)?;
    let txn = db.begin().await?;
    let Locked { request, .. } = lock(&txn, viewer, request_id).await?;
    let user = access::ensure_signed_in(viewer)?;
    let mine: Option<dispatch_assignment::Model> = dispatch_assignment::Entity::find()
        .join(
            sea_orm::JoinType::InnerJoin,
            dispatch_assignment::Relation::Advisor.def(),
        )
        .filter(dispatch_assignment::Column::DispatchRequestId.eq(request.id))
        .filter(dispatch_assignment::Column::Status.eq(AssignmentStatus::Assigned))
        .filter(advisor::Column::UserId.eq(user.user_id))
        .one(&txn)
        .await?;
    let Some(mine) = mine.filter(|_| access::is_linked_advisor(viewer, Some(user.user_id))) else {
        return Err(AppError::Forbidden);
    };
    require_status(
        &request,
        "decline the assignment of",
        &[DispatchStatus::Approved],
    )?;
    let now = Utc::now();
    if let Some(first) = request.first_visit_at.filter(|at| *at <= now) {
        return Err(AppError::rule(DispatchStarted {
            first_visit_at: first,
        }));
    }
    cancel_visits(&txn, request.id, now).await?;
    set_assignments(
        &txn,
        request.id,
        &[AssignmentStatus::Assigned],
        AssignmentStatus::Withdrawn,
        now,
    )
    .await?;
    let mut declined: dispatch_assignment::ActiveModel = mine.clone().into();
    declined.status = Set(AssignmentStatus::Declined);
    declined.decline_reason = Set(Some(reason));
    declined.updated_at = Set(now);
    declined.update(&txn).await?;
    let mut after = request.clone();
    release_quota(&txn, &mut after).await?;
    after.status = DispatchStatus::Submitted;
    after.decided_by_user_id = None;
    after.decided_at = None;
    after.decision_reason = None;
    after.first_visit_at = None;
    after.last_visit_ends_at = None;
    after.fiscal_year = after
        .wished_dates
        .0
        .first()
        .map(|r| fiscal::of_date(r.from))
        .or(request.fiscal_year);
    let extra = serde_json::json!({ "declinedByAdvisorId": mine.advisor_id });
    finish(
        txn,
        actor,
        "dispatch.decline_assignment",
        &request,
        after,
        Some(extra),
    )
    .await
}

/// Marks an approved dispatch's visits held, once every visit has begun: the pool owner's
/// admins and the assigned advisors may.
#[instrument(skip_all, fields(request_id = %request_id))]
pub async fn complete(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    request_id: Uuid,
) -> AppResult<dispatch_request::Model> {
    let txn = db.begin().await?;
    let Locked {
        request, parties, ..
    } = lock(&txn, viewer, request_id).await?;
    if !access::can_report_dispatch(viewer, &parties) {
        return Err(AppError::Forbidden);
    }
    require_status(&request, "complete", &[DispatchStatus::Approved])?;
    let now = Utc::now();
    let upcoming = dispatch_visit::Entity::find()
        .filter(dispatch_visit::Column::DispatchRequestId.eq(request.id))
        .filter(dispatch_visit::Column::Status.eq(VisitStatus::Scheduled))
        .filter(dispatch_visit::Column::StartsAt.gt(now))
        .order_by_asc(dispatch_visit::Column::StartsAt)
        .one(&txn)
        .await?;
    if let Some(next) = upcoming {
        return Err(AppError::rule(VisitsNotHeld {
            next_visit_at: next.starts_at,
        }));
    }
    dispatch_visit::Entity::update_many()
        .col_expr(
            dispatch_visit::Column::Status,
            Expr::value(VisitStatus::Held),
        )
        .col_expr(dispatch_visit::Column::UpdatedAt, Expr::value(now))
        .filter(dispatch_visit::Column::DispatchRequestId.eq(request.id))
        .filter(dispatch_visit::Column::Status.eq(VisitStatus::Scheduled))
        .exec(&txn)
        .await?;
    let mut after = request.clone();
    after.status = DispatchStatus::Completed;
    after.completed_at = Some(now);
    finish(txn, actor, "dispatch.complete", &request, after, None).await
}

/// Files the report of a completed dispatch: the assigned advisors and the pool owner's
/// admins may.
#[instrument(skip_all, fields(request_id = %request_id))]
pub async fn report(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    request_id: Uuid,
    report: &str,
) -> AppResult<dispatch_request::Model> {
    let report = required_text("input.report", report, super::MAX_REPORT)?;
    let txn = db.begin().await?;
    let Locked {
        request, parties, ..
    } = lock(&txn, viewer, request_id).await?;
    if !access::can_report_dispatch(viewer, &parties) {
        return Err(AppError::Forbidden);
    }
    require_status(&request, "report on", &[DispatchStatus::Completed])?;
    let user = access::ensure_signed_in(viewer)?;
    let mut after = request.clone();
    after.status = DispatchStatus::Reported;
    after.report = Some(report);
    after.reported_by_user_id = Some(user.user_id);
    after.reported_at = Some(Utc::now());
    finish(txn, actor, "dispatch.report", &request, after, None).await
}

// ---------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------

/// The filter of `dispatchRequests`, checked.
#[derive(Clone, Debug, Default)]
pub struct DispatchFilter {
    /// Any of these statuses.
    pub statuses: Vec<DispatchStatus>,
    pub requester_code: Option<OrgCode>,
    pub pool_id: Option<Uuid>,
    /// Requests this advisor is assigned to.
    pub advisor_id: Option<Uuid>,
    pub fiscal_year: Option<i32>,
    /// Only requests whose report is (or is not) overdue.
    pub report_overdue: Option<bool>,
}

/// The requests the viewer may see that match the filter, as a query.
pub fn visible(
    viewer: &Viewer,
    filter: &DispatchFilter,
    now: DateTime<Utc>,
) -> Select<dispatch_request::Entity> {
    use dispatch_request::Column;
    let mut condition = Condition::all().add(access::dispatch_readable(viewer));
    if !filter.statuses.is_empty() {
        condition = condition.add(Column::Status.is_in(filter.statuses.clone()));
    }
    if let Some(code) = &filter.requester_code {
        let requester = sea_orm::sea_query::Query::select()
            .column(entity::organization::Column::Id)
            .from(entity::organization::Entity)
            .and_where(entity::organization::Column::Code.eq(code.as_str()))
            .to_owned();
        condition = condition.add(Column::RequesterOrganizationId.in_subquery(requester));
    }
    if let Some(pool_id) = filter.pool_id {
        condition = condition.add(Column::PoolId.eq(pool_id));
    }
    if let Some(advisor_id) = filter.advisor_id {
        let assigned = sea_orm::sea_query::Query::select()
            .column(dispatch_assignment::Column::DispatchRequestId)
            .from(dispatch_assignment::Entity)
            .and_where(dispatch_assignment::Column::AdvisorId.eq(advisor_id))
            .and_where(dispatch_assignment::Column::Status.eq(AssignmentStatus::Assigned))
            .to_owned();
        condition = condition.add(Column::Id.in_subquery(assigned));
    }
    if let Some(year) = filter.fiscal_year {
        condition = condition.add(Column::FiscalYear.eq(year));
    }
    if let Some(overdue) = filter.report_overdue {
        let is_overdue = Condition::all()
            .add(Column::Status.is_in([DispatchStatus::Approved, DispatchStatus::Completed]))
            .add(Column::LastVisitEndsAt.lt(now - Duration::days(REPORT_DUE_DAYS)));
        condition = condition.add(if overdue {
            is_overdue
        } else {
            is_overdue.not()
        });
    }
    dispatch_request::Entity::find().filter(condition)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 6, d, h, 0, 0)
            .single()
            .expect("instant")
    }

    fn visit(from: DateTime<Utc>, to: DateTime<Utc>, mode: VisitMode) -> VisitInput {
        VisitInput {
            starts_at: from,
            ends_at: to,
            mode,
            advisor_ids: None,
        }
    }

    fn field_of<T: std::fmt::Debug>(result: AppResult<T>) -> String {
        match result {
            Err(AppError::Validation { field, .. }) => field,
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn visits_must_be_ahead_forward_and_staffed_by_the_team() {
        let now = at(1, 0);
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let team = [a];
        let ok = check_visits(&[visit(at(2, 1), at(2, 3), VisitMode::Onsite)], &team, now);
        assert_eq!(ok.map(|v| v[0].advisor_ids.clone()).ok(), Some(vec![a]));
        assert_eq!(field_of(check_visits(&[], &team, now)), "input.visits");
        assert_eq!(
            field_of(check_visits(
                &[visit(at(1, 0), at(1, 3), VisitMode::Onsite)],
                &team,
                now
            )),
            "input.visits[0].startsAt"
        );
        assert_eq!(
            field_of(check_visits(
                &[
                    visit(at(2, 1), at(2, 3), VisitMode::Onsite),
                    visit(at(3, 5), at(3, 4), VisitMode::Onsite)
                ],
                &team,
                now
            )),
            "input.visits[1].endsAt"
        );
        assert_eq!(
            field_of(check_visits(
                &[visit(at(2, 0), at(2, 13), VisitMode::Onsite)],
                &team,
                now
            )),
            "input.visits[0].endsAt"
        );
        let stranger = VisitInput {
            advisor_ids: Some(vec![b]),
            ..visit(at(2, 1), at(2, 3), VisitMode::Onsite)
        };
        assert_eq!(
            field_of(check_visits(&[stranger], &team, now)),
            "input.visits[0].advisorIds"
        );
    }

    #[test]
    fn on_site_days_count_tokyo_calendar_days_and_online_time_adds_up() {
        let plan = |from: DateTime<Utc>, to: DateTime<Utc>, mode| PlannedVisit {
            span: Span {
                starts_at: from,
                ends_at: to,
            },
            mode,
            advisor_ids: vec![],
        };
        // 1 June 00:00–03:00 UTC and 05:00–07:00 UTC are both 1 June in Tokyo; 15:00 UTC
        // is already 2 June there.
        let visits = [
            plan(at(1, 0), at(1, 3), VisitMode::Onsite),
            plan(at(1, 5), at(1, 7), VisitMode::Onsite),
            plan(at(1, 15), at(1, 17), VisitMode::Onsite),
            plan(at(4, 1), at(4, 3), VisitMode::Online),
            plan(at(5, 1), at(5, 2), VisitMode::Online),
        ];
        assert_eq!(plan_usage(&visits), (2, 180));
        // A visit over Tokyo midnight touches two days.
        let overnight = [plan(at(1, 13), at(1, 16), VisitMode::Onsite)];
        assert_eq!(plan_usage(&overnight), (2, 0));
        // Ending exactly at Tokyo midnight stays on one day.
        let to_midnight = [plan(at(1, 12), at(1, 15), VisitMode::Onsite)];
        assert_eq!(plan_usage(&to_midnight), (1, 0));
    }

    #[test]
    fn wished_dates_run_forward_from_today() {
        let today = NaiveDate::from_ymd_opt(2027, 6, 10).expect("date");
        let range = |f: u32, t: u32| DateRange {
            from: NaiveDate::from_ymd_opt(2027, 6, f).expect("date"),
            to: NaiveDate::from_ymd_opt(2027, 6, t).expect("date"),
        };
        assert_eq!(
            check_wished_dates(&[range(20, 25), range(11, 12)], today).ok(),
            Some(vec![range(11, 12), range(20, 25)])
        );
        assert_eq!(
            field_of(check_wished_dates(&[range(9, 12)], today)),
            "input.wishedDates[0].from"
        );
        assert_eq!(
            field_of(check_wished_dates(&[range(11, 12), range(15, 14)], today)),
            "input.wishedDates[1].to"
        );
        assert_eq!(
            field_of(check_wished_dates(&[], today)),
            "input.wishedDates"
        );
    }

    #[test]
    fn reports_fall_overdue_seven_days_after_the_last_visit() {
        let now = at(20, 0);
        let mut request = dispatch_request::Model {
            id: Uuid::nil(),
            requester_organization_id: Uuid::nil(),
            pool_id: Uuid::nil(),
            submitted_by_user_id: Uuid::nil(),
            themes: entity::advisor::ThemeList(vec![]),
            problem: String::new(),
            desired_outcome: None,
            wished_dates: DateRanges(vec![]),
            mode: DispatchMode::Onsite,
            visits_requested: 1,
            onsite_days_requested: None,
            online_hours_requested: None,
            preferred_advisor_ids: IdList(vec![]),
            status: DispatchStatus::Completed,
            fiscal_year: None,
            decision_reason: None,
            decided_by_user_id: None,
            decided_at: None,
            report: None,
            reported_by_user_id: None,
            reported_at: None,
            feedback_rating: None,
            feedback_comment: None,
            closed_at: None,
            cancelled_at: None,
            created_at: now,
            updated_at: now,
            first_visit_at: Some(at(10, 0)),
            last_visit_ends_at: Some(at(13, 1)),
            quota_counted: true,
            completed_at: None,
            cancel_reason: None,
        };
        assert_eq!(report_due_at(&request), Some(at(20, 1)));
        assert!(!report_overdue(&request, now));
        request.last_visit_ends_at = Some(at(12, 23));
        assert!(report_overdue(&request, now));
        request.status = DispatchStatus::Reported;
        assert!(!report_overdue(&request, now));
    }
}
