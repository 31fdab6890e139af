//! 人材バンク: advisor pools, their dispatch policy and their monthly application windows.
//!
//! A pool is owned by a prefecture, a national body, or (for a pool shared with a council)
//! the council's secretariat; its admins create and edit it. Its policy follows the
//! Ministry's scheme by default: three dispatches per requesting organisation per fiscal
//! year, at most three on-site days and ten online hours per request.

use chrono::{Datelike, Months, NaiveDate, Utc};
use entity::advisor_pool;
use entity::enums::Audience;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, IntoActiveModel,
    QueryFilter, Select, TransactionTrait,
};
use tracing::instrument;
use uuid::Uuid;

use super::{change, commit_with_audit, in_range, optional_text, required_line};
use crate::access;
use crate::audit::Actor;
use crate::auth::Viewer;
use crate::error::{AppError, AppResult, Invalid};
use crate::organizations::OrgCode;

/// Defaults of the Ministry's scheme.
pub const DEFAULT_QUOTA: i32 = 3;
pub const DEFAULT_MAX_ONSITE_DAYS: i32 = 3;
pub const DEFAULT_MAX_ONLINE_HOURS: i32 = 10;

/// A pool's monthly application window: requests are taken from `opens_day` to
/// `deadline_day` of every month, both included (days past a short month's end count as its
/// last day).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MonthlyWindow {
    pub opens_day: u32,
    pub deadline_day: u32,
}

/// One month's window: first and last day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
}

impl MonthlyWindow {
    /// The window of a pool, if it has one.
    pub fn of(pool: &advisor_pool::Model) -> Option<Self> {
        let deadline = u32::try_from(pool.application_deadline_day?).ok()?;
        let opens = pool
            .application_opens_day
            .and_then(|d| u32::try_from(d).ok())
            .unwrap_or(1);
        Some(Self {
            opens_day: opens,
            deadline_day: deadline,
        })
    }

    fn in_month(&self, first_of_month: NaiveDate) -> Window {
        let last = first_of_month
            .checked_add_months(Months::new(1))
            .and_then(|d| d.pred_opt())
            .unwrap_or(first_of_month);
        let day = |d: u32| first_of_month.with_day(d.min(last.day())).unwrap_or(last);
        Window {
            opens_on: day(self.opens_day),
            closes_on: day(self.deadline_day),
        }
    }

    /// The window open on `today`, or else the next one.
    pub fn current_or_next(&self, today: NaiveDate) -> Window {
        let first = today.with_day(1).unwrap_or(today);
        let this_month = self.in_month(first);
        if today <= this_month.closes_on {
            return this_month;
        }
        let next = first.checked_add_months(Months::new(1)).unwrap_or(first);
        self.in_month(next)
    }

    /// Whether requests are taken on `today`; if not, the next window.
    pub fn check(&self, today: NaiveDate) -> Result<(), Window> {
        let window = self.current_or_next(today);
        if window.opens_on <= today && today <= window.closes_on {
            Ok(())
        } else {
            Err(window)
        }
    }
}

/// A pool's settings as given to `createAdvisorPool`.
#[derive(Clone, Debug, Default)]
pub struct PoolInput {
    pub name: String,
    pub description: Option<String>,
    pub audience: Option<Audience>,
    pub council_id: Option<Uuid>,
    pub quota: Option<i32>,
    pub max_onsite_days: Option<i32>,
    pub max_online_hours: Option<i32>,
    pub requesters_may_name_advisors: Option<bool>,
    pub application_opens_day: Option<i32>,
    pub application_deadline_day: Option<i32>,
}

/// Changes to a pool (`None`: unchanged; `Some(None)`: cleared).
#[derive(Clone, Debug, Default)]
pub struct PoolPatch {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub audience: Option<Audience>,
    pub council_id: Option<Option<Uuid>>,
    pub quota: Option<i32>,
    pub max_onsite_days: Option<i32>,
    pub max_online_hours: Option<i32>,
    pub requesters_may_name_advisors: Option<bool>,
    pub application_opens_day: Option<Option<i32>>,
    pub application_deadline_day: Option<Option<i32>>,
    pub archived: Option<bool>,
}

/// Checks a pool's fields together and writes them onto `model`.
fn apply(model: &mut advisor_pool::Model, patch: PoolPatch) -> AppResult<()> {
    if let Some(name) = patch.name {
        model.name = required_line("input.name", &name, super::MAX_NAME)?;
    }
    if let Some(description) = patch.description {
        model.description =
            optional_text("input.description", description.as_deref(), super::MAX_TEXT)?;
    }
    if let Some(audience) = patch.audience {
        model.audience = audience;
    }
    if let Some(council_id) = patch.council_id {
        model.council_id = council_id;
    }
    match (model.audience, model.council_id) {
        (Audience::Council, None) => {
            return Err(AppError::invalid("input.councilId", Invalid::Empty));
        }
        (Audience::Council, Some(_)) => {}
        (_, Some(_)) => {
            return Err(AppError::invalid(
                "input.councilId",
                Invalid::Value {
                    expected: "empty unless the audience is COUNCIL",
                },
            ));
        }
        (_, None) => {}
    }
    if let Some(quota) = patch.quota {
        model.visits_per_org_per_year =
            in_range("input.quotaPerOrganizationPerYear", quota, 1, 100)?;
    }
    if let Some(days) = patch.max_onsite_days {
        model.max_onsite_days = in_range("input.maxOnsiteDays", days, 0, 31)?;
    }
    if let Some(hours) = patch.max_online_hours {
        model.max_online_hours = in_range("input.maxOnlineHours", hours, 0, 500)?;
    }
    if model.max_onsite_days == 0 && model.max_online_hours == 0 {
        return Err(AppError::invalid(
            "input.maxOnlineHours",
            Invalid::Range { min: 1, max: 500 },
        ));
    }
    if let Some(may) = patch.requesters_may_name_advisors {
        model.requesters_may_name_advisors = may;
    }
    if let Some(opens) = patch.application_opens_day {
        model.application_opens_day = opens
            .map(|d| in_range("input.applicationOpensDay", d, 1, 31))
            .transpose()?;
    }
    if let Some(deadline) = patch.application_deadline_day {
        model.application_deadline_day = deadline
            .map(|d| in_range("input.applicationDeadlineDay", d, 1, 31))
            .transpose()?;
    }
    match (model.application_opens_day, model.application_deadline_day) {
        (Some(_), None) => {
            return Err(AppError::invalid(
                "input.applicationDeadlineDay",
                Invalid::Empty,
            ));
        }
        (Some(opens), Some(deadline)) if opens > deadline => {
            return Err(AppError::invalid(
                "input.applicationDeadlineDay",
                Invalid::Range {
                    min: opens.into(),
                    max: 31,
                },
            ));
        }
        _ => {}
    }
    if let Some(archived) = patch.archived {
        model.archived_at = match (archived, model.archived_at) {
            (true, None) => Some(Utc::now()),
            (true, at) => at,
            (false, _) => None,
        };
    }
    Ok(())
}

/// The secretariat of a council, checking the council exists.
async fn council_secretariat(
    db: &DatabaseConnection,
    council_id: Option<Uuid>,
) -> AppResult<Option<Uuid>> {
    let Some(id) = council_id else {
        return Ok(None);
    };
    let council = crate::organizations::find_council(db, id)
        .await?
        .ok_or_else(|| AppError::not_found("Council"))?;
    Ok(council.secretariat_organization_id)
}

/// Creates a pool owned by the viewer's organisation.
#[instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    input: PoolInput,
) -> AppResult<advisor_pool::Model> {
    let user = access::ensure_signed_in(viewer)?;
    let now = Utc::now();
    let mut model = advisor_pool::Model {
        id: Uuid::now_v7(),
        owner_organization_id: user.organization_id,
        name: String::new(),
        description: None,
        audience: Audience::Prefecture,
        council_id: None,
        visits_per_org_per_year: DEFAULT_QUOTA,
        max_onsite_days: DEFAULT_MAX_ONSITE_DAYS,
        max_online_hours: DEFAULT_MAX_ONLINE_HOURS,
        requesters_may_name_advisors: true,
        application_deadline_day: None,
        archived_at: None,
        created_at: now,
        updated_at: now,
        application_opens_day: None,
    };
    apply(
        &mut model,
        PoolPatch {
            name: Some(input.name),
            description: Some(input.description),
            audience: input.audience,
            council_id: Some(input.council_id),
            quota: input.quota,
            max_onsite_days: input.max_onsite_days,
            max_online_hours: input.max_online_hours,
            requesters_may_name_advisors: input.requesters_may_name_advisors,
            application_opens_day: Some(input.application_opens_day),
            application_deadline_day: Some(input.application_deadline_day),
            archived: None,
        },
    )?;
    let secretariat = council_secretariat(db, model.council_id).await?;
    if !access::can_create_pool(viewer, secretariat) {
        return Err(AppError::Forbidden);
    }
    let txn = db.begin().await?;
    let saved = advisor_pool::Entity::insert(model.clone().into_active_model())
        .exec_with_returning(&txn)
        .await?;
    commit_with_audit(
        txn,
        actor,
        change(
            "advisor_pool.create",
            "AdvisorPool",
            saved.id,
            saved.owner_organization_id,
            None,
            &saved,
        ),
    )
    .await?;
    Ok(saved)
}

/// Changes a pool: its owner's admins may.
#[instrument(skip_all, fields(pool_id = %id))]
pub async fn update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    id: Uuid,
    patch: PoolPatch,
) -> AppResult<advisor_pool::Model> {
    access::ensure_signed_in(viewer)?;
    let before = find_visible(db, viewer, id)
        .await?
        .ok_or_else(|| AppError::not_found("AdvisorPool"))?;
    access::ensure_can_administer(viewer, before.owner_organization_id)?;
    let council_changes = patch.council_id.is_some();
    let mut after = before.clone();
    apply(&mut after, patch)?;
    if council_changes && after.council_id.is_some() {
        council_secretariat(db, after.council_id).await?;
    }
    after.updated_at = Utc::now();
    let txn = db.begin().await?;
    // Every column is written, so the audit's "after" is exactly what is stored.
    let active = after.into_active_model().reset_all();
    let saved = active.update(&txn).await?;
    commit_with_audit(
        txn,
        actor,
        change(
            "advisor_pool.update",
            "AdvisorPool",
            saved.id,
            saved.owner_organization_id,
            Some(&before),
            &saved,
        ),
    )
    .await?;
    Ok(saved)
}

/// One pool the viewer may see, or none.
pub async fn find_visible<C: sea_orm::ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<Option<advisor_pool::Model>> {
    Ok(advisor_pool::Entity::find_by_id(id)
        .filter(access::pool_readable(viewer))
        .one(db)
        .await?)
}

/// The filter of `advisorPools`.
#[derive(Clone, Debug, Default)]
pub struct PoolFilter {
    /// Only pools of this owner.
    pub owner_code: Option<OrgCode>,
    /// Archived pools too.
    pub include_archived: bool,
}

/// The pools the viewer may see, as a query.
pub fn visible(viewer: &Viewer, filter: &PoolFilter) -> Select<advisor_pool::Entity> {
    let mut condition = Condition::all().add(access::pool_readable(viewer));
    if !filter.include_archived {
        condition = condition.add(advisor_pool::Column::ArchivedAt.is_null());
    }
    if let Some(code) = &filter.owner_code {
        let owner = sea_orm::sea_query::Query::select()
            .column(entity::organization::Column::Id)
            .from(entity::organization::Entity)
            .and_where(entity::organization::Column::Code.eq(code.as_str()))
            .to_owned();
        condition = condition.add(advisor_pool::Column::OwnerOrganizationId.in_subquery(owner));
    }
    advisor_pool::Entity::find().filter(condition)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn window(opens: u32, deadline: u32) -> MonthlyWindow {
        MonthlyWindow {
            opens_day: opens,
            deadline_day: deadline,
        }
    }

    #[test]
    fn requests_are_taken_inside_the_monthly_window_only() {
        let w = window(1, 10);
        assert_eq!(w.check(date(2027, 5, 1)), Ok(()));
        assert_eq!(w.check(date(2027, 5, 10)), Ok(()));
        assert_eq!(
            w.check(date(2027, 5, 11)),
            Err(Window {
                opens_on: date(2027, 6, 1),
                closes_on: date(2027, 6, 10)
            })
        );
        // Before this month's window opens, the next window is this month's.
        let w = window(15, 20);
        assert_eq!(
            w.check(date(2027, 5, 3)),
            Err(Window {
                opens_on: date(2027, 5, 15),
                closes_on: date(2027, 5, 20)
            })
        );
        // Over the year's end.
        assert_eq!(
            w.check(date(2027, 12, 25)),
            Err(Window {
                opens_on: date(2028, 1, 15),
                closes_on: date(2028, 1, 20)
            })
        );
    }

    #[test]
    fn days_past_a_short_months_end_count_as_its_last_day() {
        let w = window(30, 31);
        assert_eq!(w.check(date(2027, 2, 28)), Ok(()));
        assert_eq!(w.check(date(2028, 2, 29)), Ok(()));
        assert_eq!(
            w.check(date(2027, 2, 27)),
            Err(Window {
                opens_on: date(2027, 2, 28),
                closes_on: date(2027, 2, 28)
            })
        );
        assert_eq!(
            window(1, 31).current_or_next(date(2027, 4, 30)),
            Window {
                opens_on: date(2027, 4, 1),
                closes_on: date(2027, 4, 30)
            }
        );
    }

    fn pool() -> advisor_pool::Model {
        let now = Utc::now();
        advisor_pool::Model {
            id: Uuid::nil(),
            owner_organization_id: Uuid::nil(),
            name: "x".into(),
            description: None,
            audience: Audience::Prefecture,
            council_id: None,
            visits_per_org_per_year: 3,
            max_onsite_days: 3,
            max_online_hours: 10,
            requesters_may_name_advisors: true,
            application_deadline_day: None,
            archived_at: None,
            created_at: now,
            updated_at: now,
            application_opens_day: None,
        }
    }

    fn field_of(result: AppResult<()>) -> String {
        match result {
            Err(AppError::Validation { field, .. }) => field,
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn pool_settings_are_checked_together() {
        let mut p = pool();
        let council = PoolPatch {
            audience: Some(Audience::Council),
            ..Default::default()
        };
        assert_eq!(field_of(apply(&mut p, council)), "input.councilId");
        let mut p = pool();
        let opens_only = PoolPatch {
            application_opens_day: Some(Some(5)),
            ..Default::default()
        };
        assert_eq!(
            field_of(apply(&mut p, opens_only)),
            "input.applicationDeadlineDay"
        );
        let mut p = pool();
        let reversed = PoolPatch {
            application_opens_day: Some(Some(20)),
            application_deadline_day: Some(Some(10)),
            ..Default::default()
        };
        assert_eq!(
            field_of(apply(&mut p, reversed)),
            "input.applicationDeadlineDay"
        );
        let mut p = pool();
        let quota = PoolPatch {
            quota: Some(0),
            ..Default::default()
        };
        assert_eq!(
            field_of(apply(&mut p, quota)),
            "input.quotaPerOrganizationPerYear"
        );
        let mut p = pool();
        let fine = PoolPatch {
            name: Some("  奈良県デジタル人材バンク ".into()),
            application_deadline_day: Some(Some(20)),
            archived: Some(true),
            ..Default::default()
        };
        assert!(apply(&mut p, fine).is_ok());
        assert_eq!(p.name, "奈良県デジタル人材バンク");
        assert_eq!(
            MonthlyWindow::of(&p),
            Some(MonthlyWindow {
                opens_day: 1,
                deadline_day: 20
            })
        );
        assert!(p.archived_at.is_some());
    }
}
