//! GraphQL types, queries and mutations of advisor pools and dispatch. Resolvers stay thin:
//! they decode ids, call the area's rules with the viewer, and load nested fields through
//! the dataloaders (which apply `access`).

use async_graphql::connection::Connection;
use async_graphql::{
    ComplexObject, Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject,
};
use chrono::Utc;
use entity::dispatch_request::DateRange;
use entity::enums::{
    AdvisorKind, AdvisorTheme, AssignmentStatus, Audience, DispatchMode, DispatchStatus, VisitMode,
    VisitStatus,
};
use entity::{
    advisor, advisor_pool, advisor_unavailable_period, dispatch_assignment, dispatch_request,
    dispatch_visit,
};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{EntityTrait, Select};
use uuid::Uuid;

use super::dispatch::{self, ApproveInput, DispatchFilter, SubmitInput, VisitInput};
use super::loaders::{
    AdvisorKey, AssignmentKey, AssignmentsOf, DispatchKey, PeriodKey, PeriodsOf, PoolKey,
    TrackRecordOf, VisitKey, VisitsOf,
};
use super::matching::{self, ReasonKind, SuggestInput};
use super::pools::{self, MonthlyWindow, PoolFilter, PoolInput, PoolPatch};
use super::profiles::{self, AdvisorFilter, AdvisorInput, AdvisorPatch, ContactInput};
use super::quota;
use super::schedule::Span;
use crate::access;
use crate::error::{AppError, AppResult, Invalid};
use crate::graphql::pagination::{
    self, CursorKey, OrderDirection, PageArgs, Sort, Sorted, TotalCount,
};
use crate::graphql::scalars::{Date, DateTime};
use crate::graphql::{RequestState, ids, state};
use crate::i18n::current_lang;
use crate::organizations::graphql::{Council, Organization, council_by_id, organization_by_id};
use crate::organizations::{MAX_SEARCH_LENGTH, OrgCode};

type GqlResult<T> = async_graphql::Result<T>;

/// Decodes an optional global id of `type_name`.
fn decode_opt(field: &str, type_name: &str, id: Option<&ID>) -> AppResult<Option<Uuid>> {
    id.map(|id| ids::decode(field, type_name, id)).transpose()
}

/// Decodes a list of global ids of `type_name`, naming each bad one by its place.
fn decode_all(field: &str, type_name: &str, list: &[ID]) -> AppResult<Vec<Uuid>> {
    list.iter()
        .enumerate()
        .map(|(i, id)| ids::decode(&format!("{field}[{i}]"), type_name, id))
        .collect()
}

async fn visible_advisor(s: &RequestState, id: Uuid) -> GqlResult<Option<Advisor>> {
    let found = s
        .advisors
        .load_one(AdvisorKey(id))
        .await
        .map_err(AppError::from)?;
    Ok(found.map(Advisor))
}

async fn visible_pool(s: &RequestState, id: Uuid) -> GqlResult<Option<AdvisorPool>> {
    let found = s
        .advisors
        .load_one(PoolKey(id))
        .await
        .map_err(AppError::from)?;
    Ok(found.map(AdvisorPool))
}

async fn visible_request(s: &RequestState, id: Uuid) -> GqlResult<Option<DispatchRequest>> {
    let found = s
        .advisors
        .load_one(DispatchKey(id))
        .await
        .map_err(AppError::from)?;
    Ok(found.map(DispatchRequest))
}

// ---------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------

/// 人材バンク: a pool of advisors run by a prefecture, a council's secretariat or a national
/// body, with its dispatch policy.
#[derive(Clone, Debug)]
pub struct AdvisorPool(pub advisor_pool::Model);

/// 人材バンク: a pool of advisors run by a prefecture, a council's secretariat or a national
/// body, with its dispatch policy. Seen by its audience (and by its own advisors).
#[Object]
impl AdvisorPool {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode("AdvisorPool", self.0.id)
    }
    /// The organisation that runs the pool.
    async fn owner(&self, ctx: &Context<'_>) -> GqlResult<Option<Organization>> {
        organization_by_id(ctx, Some(self.0.owner_organization_id)).await
    }
    /// The pool's name, e.g. 奈良県地域デジタル人材バンク.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What the pool offers and to whom.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Who sees the pool and its advisors.
    async fn audience(&self) -> Audience {
        self.0.audience
    }
    /// The council a `COUNCIL` audience refers to.
    async fn council(&self, ctx: &Context<'_>) -> GqlResult<Option<Council>> {
        council_by_id(ctx, self.0.council_id).await
    }
    /// How many dispatches an organisation may have and how long each may be.
    async fn policy(&self) -> DispatchPolicy {
        DispatchPolicy::from(&self.0)
    }
    /// The application window open today, or the next one; null when the pool takes
    /// requests any day.
    async fn application_window(&self) -> Option<ApplicationWindow> {
        let window = MonthlyWindow::of(&self.0)?;
        let today = super::today(Utc::now());
        let current = window.current_or_next(today);
        Some(ApplicationWindow {
            opens_on: Date(current.opens_on),
            closes_on: Date(current.closes_on),
            open_now: window.check(today).is_ok(),
        })
    }
    /// Archived pools take no requests and are left out of lists unless asked for.
    async fn archived(&self) -> bool {
        self.0.archived_at.is_some()
    }
    /// When the pool was created.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// When the pool was last changed.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

/// 派遣ルール: a pool's dispatch policy.
#[derive(SimpleObject)]
pub struct DispatchPolicy {
    /// Dispatches (approved requests) per requesting organisation per fiscal year (年度,
    /// April–March, counted by the first visit's date in Tokyo).
    quota_per_organization_per_year: i32,
    /// Most on-site days per request.
    max_onsite_days: i32,
    /// Most online hours per request.
    max_online_hours: i32,
    /// Whether requesters may name the advisors they want.
    requesters_may_name_advisors: bool,
    /// Requests are taken from this day of each month (with a deadline and no opening day:
    /// the 1st).
    application_opens_day: Option<i32>,
    /// ...up to this day of each month; null: any day.
    application_deadline_day: Option<i32>,
}

impl From<&advisor_pool::Model> for DispatchPolicy {
    fn from(p: &advisor_pool::Model) -> Self {
        Self {
            quota_per_organization_per_year: p.visits_per_org_per_year,
            max_onsite_days: p.max_onsite_days,
            max_online_hours: p.max_online_hours,
            requesters_may_name_advisors: p.requesters_may_name_advisors,
            application_opens_day: p
                .application_deadline_day
                .map(|_| p.application_opens_day.unwrap_or(1)),
            application_deadline_day: p.application_deadline_day,
        }
    }
}

/// A monthly application window (Tokyo dates, both included).
#[derive(SimpleObject)]
pub struct ApplicationWindow {
    /// First day requests are taken.
    opens_on: Date,
    /// Last day requests are taken.
    closes_on: Date,
    /// Whether requests are taken today.
    open_now: bool,
}

/// アドバイザー: an expert a pool can send.
#[derive(Clone, Debug)]
pub struct Advisor(pub advisor::Model);

/// アドバイザー: an expert a pool can send. Seen through both the pool's audience and the
/// advisor's own; the advisor always sees their own profile.
#[Object]
impl Advisor {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode("Advisor", self.0.id)
    }
    /// The pool (null if its audience does not include you).
    async fn pool(&self, ctx: &Context<'_>) -> GqlResult<Option<AdvisorPool>> {
        visible_pool(state(ctx), self.0.pool_id).await
    }
    /// Name as written.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Reading in full-width katakana.
    async fn name_kana(&self) -> Option<&str> {
        self.0.name_kana.as_deref()
    }
    /// Where the advisor comes from (a Ministry scheme, a company, a former municipality, …).
    async fn kind(&self) -> AdvisorKind {
        self.0.kind
    }
    /// Employer or background (e.g. a former city's information policy division).
    async fn affiliation(&self) -> Option<&str> {
        self.0.affiliation.as_deref()
    }
    /// What the advisor helps with.
    async fn themes(&self) -> &[AdvisorTheme] {
        &self.0.themes.0
    }
    /// Codes of the prefectures served; empty: every prefecture.
    async fn prefecture_codes(&self) -> &[String] {
        &self.0.prefecture_codes.0
    }
    /// How the advisor works: on site, online or both.
    async fn modes(&self) -> &[VisitMode] {
        &self.0.modes.0
    }
    /// A short introduction.
    async fn bio(&self) -> Option<&str> {
        self.0.bio.as_deref()
    }
    /// How to reach the advisor: only for signed-in members of local governments within
    /// the pool's and the advisor's audience (never public), the pool's own staff and the
    /// advisor; null otherwise.
    async fn contact(&self, ctx: &Context<'_>) -> Option<AdvisorContact> {
        profiles::contact_for(&state(ctx).viewer, &self.0).map(|c| AdvisorContact {
            email: c.email.clone(),
            phone: c.phone.clone(),
            note: c.note.clone(),
        })
    }
    /// Who sees the advisor (within the pool's audience).
    async fn audience(&self) -> Audience {
        self.0.audience
    }
    /// The council a `COUNCIL` audience refers to.
    async fn council(&self, ctx: &Context<'_>) -> GqlResult<Option<Council>> {
        council_by_id(ctx, self.0.council_id).await
    }
    /// Archived advisors take no new dispatches and are left out of lists unless asked for.
    async fn archived(&self) -> bool {
        self.0.archived_at.is_some()
    }
    /// True when you are this advisor (signed in with the linked ADVISOR account).
    async fn is_viewer(&self, ctx: &Context<'_>) -> bool {
        access::is_linked_advisor(&state(ctx).viewer, self.0.user_id)
    }
    /// Periods the advisor cannot be dispatched that are not over yet (at most the next 20).
    #[graphql(complexity = "20 * child_complexity + 1")]
    async fn unavailable_periods(&self, ctx: &Context<'_>) -> GqlResult<Vec<UnavailablePeriod>> {
        let s = state(ctx);
        let periods = s
            .advisors
            .load_one(PeriodsOf(self.0.id))
            .await
            .map_err(AppError::from)?
            .unwrap_or_default();
        let note_visible = access::can_edit_advisor_profile(
            &s.viewer,
            self.0.owner_organization_id,
            self.0.user_id,
        );
        Ok(periods
            .into_iter()
            .take(20)
            .map(|p| UnavailablePeriod {
                period: p,
                note_visible,
            })
            .collect())
    }
    /// 実績: what the advisor's completed dispatches add up to.
    async fn track_record(&self, ctx: &Context<'_>) -> GqlResult<TrackRecord> {
        let found = state(ctx)
            .advisors
            .load_one(TrackRecordOf(self.0.id))
            .await
            .map_err(AppError::from)?
            .unwrap_or_default();
        Ok(TrackRecord::from(found))
    }
    /// When the advisor was registered.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// When the profile was last changed.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

/// An advisor's contact details.
#[derive(SimpleObject)]
pub struct AdvisorContact {
    /// Email address.
    email: Option<String>,
    /// Telephone number.
    phone: Option<String>,
    /// When and how best to reach the advisor.
    note: Option<String>,
}

/// 実績: an advisor's completed dispatches, added up.
#[derive(SimpleObject)]
pub struct TrackRecord {
    /// Dispatches whose visits were held (completed, reported or closed).
    completed_dispatches: i32,
    /// Themes of those dispatches.
    themes: Vec<AdvisorTheme>,
    /// How many different organisations they were for.
    organizations_served: i32,
    /// The requesters' mean rating (1–5); null when none was given.
    average_feedback: Option<f64>,
}

impl From<profiles::TrackRecord> for TrackRecord {
    fn from(t: profiles::TrackRecord) -> Self {
        Self {
            completed_dispatches: t.completed_dispatches,
            themes: t.themes,
            organizations_served: t.organizations_served,
            average_feedback: t.average_feedback,
        }
    }
}

/// A period an advisor cannot be dispatched.
#[derive(Clone, Debug)]
pub struct UnavailablePeriod {
    period: advisor_unavailable_period::Model,
    /// The note is for the pool's staff and the advisor only.
    note_visible: bool,
}

/// A period an advisor cannot be dispatched.
#[Object]
impl UnavailablePeriod {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode("UnavailablePeriod", self.period.id)
    }
    /// The advisor (null if not shared with you).
    async fn advisor(&self, ctx: &Context<'_>) -> GqlResult<Option<Advisor>> {
        visible_advisor(state(ctx), self.period.advisor_id).await
    }
    /// Start of the period.
    async fn starts_at(&self) -> DateTime {
        DateTime(self.period.starts_at)
    }
    /// End of the period (not included).
    async fn ends_at(&self) -> DateTime {
        DateTime(self.period.ends_at)
    }
    /// Why (for the pool's staff and the advisor; null for others).
    async fn note(&self) -> Option<&str> {
        self.period.note.as_deref().filter(|_| self.note_visible)
    }
    /// When the period was withdrawn (it no longer blocks bookings).
    async fn withdrawn_at(&self) -> Option<DateTime> {
        self.period.cancelled_at.map(DateTime)
    }
}

/// A range of days, both included.
#[derive(SimpleObject)]
#[graphql(name = "WishedDateRange")]
pub struct DateRangeObject {
    /// First day.
    from: Date,
    /// Last day (included).
    to: Date,
}

/// 派遣依頼: an organisation's request for advisors from a pool, from submission to
/// feedback. Seen only by the requester's members, the pool's editors and admins, and the
/// assigned advisors.
#[derive(Clone, Debug)]
pub struct DispatchRequest(pub dispatch_request::Model);

/// 派遣依頼: an organisation's request for advisors from a pool, from submission to
/// feedback. Seen only by the requester's members, the pool's editors and admins, and the
/// assigned advisors.
#[Object]
impl DispatchRequest {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode("DispatchRequest", self.0.id)
    }
    /// The organisation asking.
    async fn requester(&self, ctx: &Context<'_>) -> GqlResult<Option<Organization>> {
        organization_by_id(ctx, Some(self.0.requester_organization_id)).await
    }
    /// The pool asked (null if it is no longer shared with you).
    async fn pool(&self, ctx: &Context<'_>) -> GqlResult<Option<AdvisorPool>> {
        visible_pool(state(ctx), self.0.pool_id).await
    }
    /// What the request is about.
    async fn themes(&self) -> &[AdvisorTheme] {
        &self.0.themes.0
    }
    /// The problem the organisation wants help with.
    async fn problem(&self) -> &str {
        &self.0.problem
    }
    /// What the organisation hopes to have achieved.
    async fn desired_outcome(&self) -> Option<&str> {
        self.0.desired_outcome.as_deref()
    }
    /// Date ranges the requester wishes visits in.
    async fn wished_dates(&self) -> Vec<DateRangeObject> {
        self.0
            .wished_dates
            .0
            .iter()
            .map(|r| DateRangeObject {
                from: Date(r.from),
                to: Date(r.to),
            })
            .collect()
    }
    /// On site, online, or both.
    async fn mode(&self) -> DispatchMode {
        self.0.mode
    }
    /// How many visits the requester asks for.
    async fn visits_requested(&self) -> i32 {
        self.0.visits_requested
    }
    /// On-site days asked for.
    async fn onsite_days_requested(&self) -> Option<i32> {
        self.0.onsite_days_requested
    }
    /// Online hours asked for.
    async fn online_hours_requested(&self) -> Option<i32> {
        self.0.online_hours_requested
    }
    /// Advisors the requester named, in preference order (empty: the pool chooses).
    #[graphql(complexity = "5 * child_complexity + 1")]
    async fn preferred_advisors(&self, ctx: &Context<'_>) -> GqlResult<Vec<Advisor>> {
        let keys: Vec<AdvisorKey> = self
            .0
            .preferred_advisor_ids
            .0
            .iter()
            .map(|id| AdvisorKey(*id))
            .collect();
        let found = state(ctx)
            .advisors
            .load_many(keys.iter().copied())
            .await
            .map_err(AppError::from)?;
        Ok(keys
            .iter()
            .filter_map(|k| found.get(k).cloned().map(Advisor))
            .collect())
    }
    /// Where the request is in its workflow.
    async fn status(&self) -> DispatchStatus {
        self.0.status
    }
    /// 年度: of the first wished day until approval, of the first visit from then on.
    async fn fiscal_year(&self) -> Option<i32> {
        self.0.fiscal_year
    }
    /// Whether the request holds a place in its pool's quota for the fiscal year.
    async fn counts_toward_quota(&self) -> bool {
        self.0.quota_counted
    }
    /// The pool's note on approval, or its reason for declining.
    async fn decision_reason(&self) -> Option<&str> {
        self.0.decision_reason.as_deref()
    }
    /// When the pool approved or declined the request.
    async fn decided_at(&self) -> Option<DateTime> {
        self.0.decided_at.map(DateTime)
    }
    /// Advisors proposed, assigned, or no longer part of the request, with their status.
    #[graphql(complexity = "10 * child_complexity + 1")]
    async fn assignments(&self, ctx: &Context<'_>) -> GqlResult<Vec<DispatchAssignment>> {
        let found = state(ctx)
            .advisors
            .load_one(AssignmentsOf(self.0.id))
            .await
            .map_err(AppError::from)?;
        Ok(found
            .unwrap_or_default()
            .into_iter()
            .map(|(assignment, advisor)| DispatchAssignment {
                assignment,
                advisor: Some(advisor),
            })
            .collect())
    }
    /// Visits, by start (one per advisor per visit for a team).
    #[graphql(complexity = "10 * child_complexity + 1")]
    async fn visits(&self, ctx: &Context<'_>) -> GqlResult<Vec<DispatchVisit>> {
        let found = state(ctx)
            .advisors
            .load_one(VisitsOf(self.0.id))
            .await
            .map_err(AppError::from)?;
        Ok(found
            .unwrap_or_default()
            .into_iter()
            .map(|(visit, advisor)| DispatchVisit {
                visit,
                advisor: Some(advisor),
            })
            .collect())
    }
    /// Start of the first scheduled visit.
    async fn first_visit_at(&self) -> Option<DateTime> {
        self.0.first_visit_at.map(DateTime)
    }
    /// End of the last scheduled visit.
    async fn last_visit_ends_at(&self) -> Option<DateTime> {
        self.0.last_visit_ends_at.map(DateTime)
    }
    /// When the visits were marked held.
    async fn completed_at(&self) -> Option<DateTime> {
        self.0.completed_at.map(DateTime)
    }
    /// The report of the visits (by an assigned advisor or the pool's admins).
    async fn report(&self) -> Option<&str> {
        self.0.report.as_deref()
    }
    /// When the report was filed.
    async fn reported_at(&self) -> Option<DateTime> {
        self.0.reported_at.map(DateTime)
    }
    /// The report is due 7 days after the last visit ends.
    async fn report_due_at(&self) -> Option<DateTime> {
        dispatch::report_due_at(&self.0).map(DateTime)
    }
    /// True when the report is past due and not filed.
    async fn report_overdue(&self) -> bool {
        dispatch::report_overdue(&self.0, Utc::now())
    }
    /// The requester's rating, 1–5.
    async fn feedback_rating(&self) -> Option<i32> {
        self.0.feedback_rating
    }
    /// The requester's comment on the dispatch.
    async fn feedback_comment(&self) -> Option<&str> {
        self.0.feedback_comment.as_deref()
    }
    /// When the requester closed the request.
    async fn closed_at(&self) -> Option<DateTime> {
        self.0.closed_at.map(DateTime)
    }
    /// When the requester cancelled the request.
    async fn cancelled_at(&self) -> Option<DateTime> {
        self.0.cancelled_at.map(DateTime)
    }
    /// Why the requester cancelled.
    async fn cancel_reason(&self) -> Option<&str> {
        self.0.cancel_reason.as_deref()
    }
    /// When the request was submitted.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// When the request last changed.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

/// An advisor's part in a dispatch request.
#[derive(Clone, Debug)]
pub struct DispatchAssignment {
    pub assignment: dispatch_assignment::Model,
    /// The advisor when loaded with the assignment (`Some(None)`: not visible); `None`:
    /// load on demand.
    pub advisor: Option<Option<advisor::Model>>,
}

/// An advisor's part in a dispatch request: proposed, assigned, declined or withdrawn.
#[Object]
impl DispatchAssignment {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode("DispatchAssignment", self.assignment.id)
    }
    /// The advisor (null if the advisor's audience does not include you).
    async fn advisor(&self, ctx: &Context<'_>) -> GqlResult<Option<Advisor>> {
        preloaded_advisor(state(ctx), &self.advisor, self.assignment.advisor_id).await
    }
    /// The request.
    async fn dispatch_request(&self, ctx: &Context<'_>) -> GqlResult<Option<DispatchRequest>> {
        visible_request(state(ctx), self.assignment.dispatch_request_id).await
    }
    /// The advisor's part: proposed, assigned, declined or withdrawn.
    async fn status(&self) -> AssignmentStatus {
        self.assignment.status
    }
    /// The requester's ranking of a proposed candidate (1 = first choice).
    async fn preference_rank(&self) -> Option<i32> {
        self.assignment.preference_rank
    }
    /// Why the advisor declined.
    async fn decline_reason(&self) -> Option<&str> {
        self.assignment.decline_reason.as_deref()
    }
}

/// One advisor's visit (on site or online) for a dispatch.
#[derive(Clone, Debug)]
pub struct DispatchVisit {
    pub visit: dispatch_visit::Model,
    /// As in [`DispatchAssignment`].
    pub advisor: Option<Option<advisor::Model>>,
}

/// An advisor loaded with its parent, or else through the loader.
async fn preloaded_advisor(
    s: &RequestState,
    preloaded: &Option<Option<advisor::Model>>,
    id: Uuid,
) -> GqlResult<Option<Advisor>> {
    match preloaded {
        Some(advisor) => Ok(advisor.clone().map(Advisor)),
        None => visible_advisor(s, id).await,
    }
}

/// One advisor's visit (on site or online) for a dispatch.
#[Object]
impl DispatchVisit {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode("DispatchVisit", self.visit.id)
    }
    /// The advisor (null if not shared with you).
    async fn advisor(&self, ctx: &Context<'_>) -> GqlResult<Option<Advisor>> {
        preloaded_advisor(state(ctx), &self.advisor, self.visit.advisor_id).await
    }
    /// The request.
    async fn dispatch_request(&self, ctx: &Context<'_>) -> GqlResult<Option<DispatchRequest>> {
        visible_request(state(ctx), self.visit.dispatch_request_id).await
    }
    /// Start of the visit.
    async fn starts_at(&self) -> DateTime {
        DateTime(self.visit.starts_at)
    }
    /// End of the visit.
    async fn ends_at(&self) -> DateTime {
        DateTime(self.visit.ends_at)
    }
    /// On site or online.
    async fn mode(&self) -> VisitMode {
        self.visit.mode
    }
    /// Scheduled, held or cancelled.
    async fn status(&self) -> VisitStatus {
        self.visit.status
    }
}

/// One pool's quota as used by one organisation in one fiscal year.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct QuotaUsage {
    #[graphql(skip)]
    usage: quota::QuotaUsage,
    /// 年度, named by the year it starts in (2026 = April 2026 to March 2027).
    fiscal_year: i32,
    /// Dispatches approved (and not cancelled) in the fiscal year.
    used: i32,
    /// The pool's quota per organisation.
    limit: i32,
    /// Dispatches left.
    remaining: i32,
}

#[ComplexObject]
impl QuotaUsage {
    /// The pool.
    async fn pool(&self) -> AdvisorPool {
        AdvisorPool(self.usage.pool.clone())
    }
    /// The requesting organisation.
    async fn organization(&self) -> Organization {
        Organization(self.usage.organization.clone())
    }
}

impl From<quota::QuotaUsage> for QuotaUsage {
    fn from(usage: quota::QuotaUsage) -> Self {
        Self {
            fiscal_year: usage.fiscal_year,
            used: usage.used,
            limit: usage.limit(),
            remaining: usage.remaining(),
            usage,
        }
    }
}

/// An advisor suggested for a request, with the score and the reasons behind it.
#[derive(SimpleObject)]
pub struct AdvisorSuggestion {
    /// The advisor suggested.
    advisor: Advisor,
    /// Higher is a better match (themes up to 40, prefecture 20, dates 20, track record 15).
    score: i32,
    /// The themes asked for that the advisor works on.
    matching_themes: Vec<AdvisorTheme>,
    /// Whether the advisor serves the prefecture asked for (null when none was given).
    serves_prefecture: Option<bool>,
    /// Days of the range asked for on which the advisor is free (null when no dates).
    free_days: Option<i32>,
    /// Days in the range asked for (null when no dates).
    days_asked: Option<i32>,
    /// Why, reason by reason.
    reasons: Vec<SuggestionReason>,
}

/// One reason for a suggestion.
#[derive(SimpleObject)]
pub struct SuggestionReason {
    /// What the reason is about.
    kind: ReasonKind,
    /// Points this reason adds to the score.
    points: i32,
    /// The reason in words (English, or Japanese when the request prefers it).
    description: String,
}

// ---------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------

/// Filter of `advisorPools`.
#[derive(InputObject, Default)]
pub struct AdvisorPoolFilterInput {
    /// Only pools of this organisation.
    owner_code: Option<String>,
    /// Archived pools too (default false).
    include_archived: Option<bool>,
}

/// What `advisors` can be ordered by.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum AdvisorOrderField {
    /// By reading (name when there is none).
    #[default]
    Name,
    /// By registration.
    CreatedAt,
}

/// Ordering of `advisors`.
#[derive(InputObject, Default)]
pub struct AdvisorOrder {
    /// What to order by.
    field: AdvisorOrderField,
    #[graphql(default)]
    /// Ascending (default) or descending.
    direction: OrderDirection,
}

/// Filter of `advisors`.
#[derive(InputObject, Default)]
pub struct AdvisorFilterInput {
    /// Advisors of this pool.
    pool_id: Option<ID>,
    /// Advisors working on any of these themes.
    themes: Option<Vec<AdvisorTheme>>,
    /// Advisors of any of these kinds.
    kinds: Option<Vec<AdvisorKind>>,
    /// Advisors serving this prefecture (a municipality's code stands for its prefecture).
    prefecture_code: Option<String>,
    /// Advisors working in any of these modes.
    modes: Option<Vec<VisitMode>>,
    /// With `availableTo`: advisors free for the whole range (Tokyo days, both included),
    /// with no visit or unavailable period in it.
    available_from: Option<Date>,
    /// See `availableFrom`.
    available_to: Option<Date>,
    /// Name, reading or affiliation, in kanji, hiragana, katakana or half-width katakana.
    search: Option<String>,
    /// Archived advisors too (default false).
    include_archived: Option<bool>,
}

impl AdvisorFilterInput {
    async fn parse(self, s: &RequestState) -> AppResult<AdvisorFilter> {
        let pool_id = decode_opt("filter.poolId", "AdvisorPool", self.pool_id.as_ref())?;
        if let Some(id) = pool_id {
            pools::find_visible(&s.db, &s.viewer, id)
                .await?
                .ok_or_else(|| AppError::not_found("AdvisorPool"))?;
        }
        let prefecture = self
            .prefecture_code
            .as_deref()
            .map(|c| prefecture_of("filter.prefectureCode", c))
            .transpose()?;
        let available = match (self.available_from, self.available_to) {
            (None, None) => None,
            (from, to) => {
                let today = super::today(Utc::now());
                let from = from.map_or(today, |d| d.0);
                let to = to.map_or(from, |d| d.0);
                if to < from {
                    return Err(AppError::invalid(
                        "filter.availableTo",
                        Invalid::Value {
                            expected: "on or after availableFrom",
                        },
                    ));
                }
                let after = to
                    .succ_opt()
                    .ok_or_else(|| AppError::invalid("filter.availableTo", Invalid::Cursor))?;
                Some(Span {
                    starts_at: super::start_of_day(from),
                    ends_at: super::start_of_day(after),
                })
            }
        };
        let search = match self.search.as_deref() {
            None => None,
            Some(raw) => {
                crate::text::check_line("filter.search", raw, MAX_SEARCH_LENGTH)?;
                Some(crate::text::fold(raw)).filter(|s| !s.is_empty())
            }
        };
        Ok(AdvisorFilter {
            pool_id,
            themes: self.themes.unwrap_or_default(),
            kinds: self.kinds.unwrap_or_default(),
            prefecture,
            modes: self.modes.unwrap_or_default(),
            available,
            search,
            include_archived: self.include_archived.unwrap_or(false),
        })
    }
}

/// The prefecture number of a code (a municipality's code stands for its prefecture).
fn prefecture_of(field: &str, raw: &str) -> AppResult<u32> {
    let code = OrgCode::parse(field, raw)?;
    code.prefecture_code()
        .as_deref()
        .and_then(super::prefecture_number)
        .ok_or_else(|| AppError::invalid(field, Invalid::OrgCodeFormat))
}

/// What `dispatchRequests` can be ordered by.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DispatchOrderField {
    /// By submission.
    #[default]
    CreatedAt,
    /// By last change.
    UpdatedAt,
}

/// Ordering of `dispatchRequests`.
#[derive(InputObject, Default)]
pub struct DispatchOrder {
    /// What to order by.
    field: DispatchOrderField,
    #[graphql(default)]
    /// Ascending (default) or descending.
    direction: OrderDirection,
}

/// Filter of `dispatchRequests`.
#[derive(InputObject, Default)]
pub struct DispatchFilterInput {
    /// Requests in any of these states.
    status: Option<Vec<DispatchStatus>>,
    /// Requests of this organisation.
    requester_code: Option<String>,
    /// Requests to this pool.
    pool_id: Option<ID>,
    /// Requests this advisor is assigned to.
    advisor_id: Option<ID>,
    /// 年度 (2026 = April 2026 to March 2027).
    fiscal_year: Option<i32>,
    /// Only requests whose report is (true) or is not (false) overdue.
    report_overdue: Option<bool>,
}

impl DispatchFilterInput {
    fn parse(self) -> AppResult<DispatchFilter> {
        Ok(DispatchFilter {
            statuses: self.status.unwrap_or_default(),
            requester_code: self
                .requester_code
                .as_deref()
                .map(|c| OrgCode::parse("filter.requesterCode", c))
                .transpose()?,
            pool_id: decode_opt("filter.poolId", "AdvisorPool", self.pool_id.as_ref())?,
            advisor_id: decode_opt("filter.advisorId", "Advisor", self.advisor_id.as_ref())?,
            fiscal_year: self
                .fiscal_year
                .map(|y| super::in_range("filter.fiscalYear", y, 2000, 2100))
                .transpose()?,
            report_overdue: self.report_overdue,
        })
    }
}

/// `suggestAdvisors`'s input.
#[derive(InputObject)]
pub struct SuggestAdvisorsInput {
    /// The pool to choose from.
    pool_id: ID,
    /// The themes the request is about (at least one).
    themes: Vec<AdvisorTheme>,
    /// The requester's prefecture (or any of its municipalities' codes).
    prefecture_code: Option<String>,
    /// The days wanted (Tokyo dates, both included; at most 92 days).
    from: Option<Date>,
    /// See `from`.
    to: Option<Date>,
    /// Only advisors working this way (`HYBRID`: either).
    mode: Option<DispatchMode>,
}

/// `createAdvisorPool`'s input. Defaults follow the Ministry's scheme.
#[derive(InputObject)]
pub struct CreateAdvisorPoolInput {
    /// The pool's name.
    name: String,
    /// What the pool offers and to whom.
    description: Option<String>,
    /// Default `PREFECTURE`.
    audience: Option<Audience>,
    /// The council of a `COUNCIL` audience.
    council_id: Option<ID>,
    /// Default 3.
    quota_per_organization_per_year: Option<i32>,
    /// Default 3.
    max_onsite_days: Option<i32>,
    /// Default 10.
    max_online_hours: Option<i32>,
    /// Default true.
    requesters_may_name_advisors: Option<bool>,
    /// Day of the month requests are taken from (needs a deadline day).
    application_opens_day: Option<i32>,
    /// Day of the month requests are taken until; none: any day.
    application_deadline_day: Option<i32>,
}

/// `updateAdvisorPool`'s input: fields left out stay as they are; null clears.
#[derive(InputObject)]
pub struct UpdateAdvisorPoolInput {
    /// The pool.
    id: ID,
    /// The pool's name.
    name: Option<String>,
    /// What the pool offers and to whom.
    description: MaybeUndefined<String>,
    /// Who sees the pool and its advisors.
    audience: Option<Audience>,
    /// The council of a `COUNCIL` audience.
    council_id: MaybeUndefined<ID>,
    /// Dispatches per requesting organisation per fiscal year.
    quota_per_organization_per_year: Option<i32>,
    /// Most on-site days per request.
    max_onsite_days: Option<i32>,
    /// Most online hours per request.
    max_online_hours: Option<i32>,
    /// Whether requesters may name advisors.
    requesters_may_name_advisors: Option<bool>,
    /// Day of the month requests are taken from.
    application_opens_day: MaybeUndefined<i32>,
    /// Day of the month requests are taken until; null: any day.
    application_deadline_day: MaybeUndefined<i32>,
    /// Archive (true) or restore (false).
    archived: Option<bool>,
}

/// Contact details.
#[derive(InputObject)]
pub struct AdvisorContactInput {
    /// Email address.
    email: Option<String>,
    /// Telephone number (digits, spaces and + - ( ) only).
    phone: Option<String>,
    /// When and how best to reach the advisor.
    note: Option<String>,
}

impl From<AdvisorContactInput> for ContactInput {
    fn from(c: AdvisorContactInput) -> Self {
        Self {
            email: c.email,
            phone: c.phone,
            note: c.note,
        }
    }
}

/// `createAdvisor`'s input.
#[derive(InputObject)]
pub struct CreateAdvisorInput {
    /// The pool to register the advisor in.
    pool_id: ID,
    /// Name as written.
    name: String,
    /// Reading (hiragana or katakana; stored as full-width katakana).
    name_kana: String,
    /// Where the advisor comes from.
    kind: AdvisorKind,
    /// Employer or background.
    affiliation: Option<String>,
    /// At least one.
    themes: Vec<AdvisorTheme>,
    /// Prefecture codes served; empty: every prefecture.
    #[graphql(default)]
    prefecture_codes: Vec<String>,
    /// At least one.
    modes: Vec<VisitMode>,
    /// A short introduction.
    bio: Option<String>,
    /// How to reach the advisor (shown only as the sharing rules allow).
    contact: Option<AdvisorContactInput>,
    /// Default: the pool's audience.
    audience: Option<Audience>,
    /// The council of a `COUNCIL` audience.
    council_id: Option<ID>,
    /// The advisor's own account (of the pool's organisation, with the ADVISOR role).
    user_id: Option<ID>,
}

/// `updateAdvisor`'s input: fields left out stay as they are; null clears. An advisor
/// signed in as themself may change only `bio`.
#[derive(InputObject)]
pub struct UpdateAdvisorInput {
    /// The advisor.
    id: ID,
    /// Name as written.
    name: Option<String>,
    /// Reading.
    name_kana: Option<String>,
    /// Where the advisor comes from.
    kind: Option<AdvisorKind>,
    /// Employer or background.
    affiliation: MaybeUndefined<String>,
    /// What the advisor helps with (at least one).
    themes: Option<Vec<AdvisorTheme>>,
    /// Prefecture codes served; empty: every prefecture.
    prefecture_codes: Option<Vec<String>>,
    /// How the advisor works (at least one).
    modes: Option<Vec<VisitMode>>,
    /// A short introduction (the advisor may change this).
    bio: MaybeUndefined<String>,
    /// How to reach the advisor.
    contact: MaybeUndefined<AdvisorContactInput>,
    /// Who sees the advisor.
    audience: Option<Audience>,
    /// The council of a `COUNCIL` audience.
    council_id: MaybeUndefined<ID>,
    /// The advisor's own account (of the pool's organisation, with the ADVISOR role).
    user_id: MaybeUndefined<ID>,
    /// Archive (true) or restore (false).
    archived: Option<bool>,
}

/// `addUnavailablePeriod`'s input.
#[derive(InputObject)]
pub struct AddUnavailablePeriodInput {
    /// The advisor.
    advisor_id: ID,
    /// Start of the period.
    starts_at: DateTime,
    /// End of the period (in the future, at most a year after the start).
    ends_at: DateTime,
    /// Seen only by the pool's staff and the advisor.
    note: Option<String>,
}

/// `withdrawUnavailablePeriod`'s input.
#[derive(InputObject)]
pub struct WithdrawUnavailablePeriodInput {
    /// The period.
    id: ID,
}

/// A range of days, both included.
#[derive(InputObject)]
pub struct WishedDateRangeInput {
    /// First day (today or later).
    from: Date,
    /// Last day (included; on or after `from`).
    to: Date,
}

/// `submitDispatchRequest`'s input.
#[derive(InputObject)]
pub struct SubmitDispatchRequestInput {
    /// The pool to ask.
    pool_id: ID,
    /// At least one.
    themes: Vec<AdvisorTheme>,
    /// The problem the organisation wants help with.
    problem: String,
    /// What the organisation hopes to achieve.
    desired_outcome: Option<String>,
    /// One to five ranges, none starting before today.
    wished_dates: Vec<WishedDateRangeInput>,
    /// On site, online, or both.
    mode: DispatchMode,
    /// Default 1.
    visits_requested: Option<i32>,
    /// On-site days asked for (at most the pool's limit).
    onsite_days_requested: Option<i32>,
    /// Online hours asked for (at most the pool's limit).
    online_hours_requested: Option<i32>,
    /// Advisors wanted, in preference order; empty: the pool chooses.
    #[graphql(default)]
    preferred_advisor_ids: Vec<ID>,
}

/// Input naming a request and advisors (propose, rank).
#[derive(InputObject)]
pub struct DispatchRequestAdvisorsInput {
    /// The request.
    request_id: ID,
    /// In order (for a ranking: first choice first).
    advisor_ids: Vec<ID>,
}

/// One visit of an approval.
#[derive(InputObject)]
pub struct VisitPlanInput {
    /// Start (in the future).
    starts_at: DateTime,
    /// End (at most 12 hours after the start).
    ends_at: DateTime,
    /// On site or online (within the request's mode).
    mode: VisitMode,
    /// The advisors at this visit (of the team); default: the whole team.
    advisor_ids: Option<Vec<ID>>,
}

/// `approveDispatchRequest`'s input.
#[derive(InputObject)]
pub struct ApproveDispatchRequestInput {
    /// The request.
    request_id: ID,
    /// The advisors sent (several for a team dispatch).
    advisor_ids: Vec<ID>,
    /// The visits, each with its start, end and mode.
    visits: Vec<VisitPlanInput>,
    /// A note to the requester.
    note: Option<String>,
}

/// Input naming a request and a reason.
#[derive(InputObject)]
pub struct DispatchRequestReasonInput {
    /// The request.
    request_id: ID,
    /// Why (shown to the other parties).
    reason: String,
}

/// `cancelDispatchRequest`'s input.
#[derive(InputObject)]
pub struct CancelDispatchRequestInput {
    /// The request.
    request_id: ID,
    /// Why (shown to the pool).
    reason: Option<String>,
}

/// Input naming a request.
#[derive(InputObject)]
pub struct DispatchRequestIdInput {
    /// The request.
    request_id: ID,
}

/// `reportDispatchRequest`'s input.
#[derive(InputObject)]
pub struct ReportDispatchRequestInput {
    /// The request.
    request_id: ID,
    /// What was done and what comes next.
    report: String,
}

/// `closeDispatchRequest`'s input.
#[derive(InputObject)]
pub struct CloseDispatchRequestInput {
    /// The request.
    request_id: ID,
    /// 1 (poor) to 5 (excellent).
    rating: i32,
    /// What went well or could be better.
    comment: Option<String>,
}

/// A changed pool.
#[derive(SimpleObject)]
pub struct AdvisorPoolPayload {
    /// The pool as changed.
    advisor_pool: AdvisorPool,
}

/// A changed advisor.
#[derive(SimpleObject)]
pub struct AdvisorPayload {
    /// The advisor as changed.
    advisor: Advisor,
}

/// A changed unavailable period.
#[derive(SimpleObject)]
pub struct UnavailablePeriodPayload {
    /// The period as changed.
    unavailable_period: UnavailablePeriod,
}

/// A changed dispatch request.
#[derive(SimpleObject)]
pub struct DispatchRequestPayload {
    /// The request as changed.
    dispatch_request: DispatchRequest,
}

fn request_payload(model: dispatch_request::Model) -> DispatchRequestPayload {
    DispatchRequestPayload {
        dispatch_request: DispatchRequest(model),
    }
}

impl DispatchRequestAdvisorsInput {
    fn decode(&self) -> AppResult<(Uuid, Vec<Uuid>)> {
        Ok((
            request_id(&self.request_id)?,
            decode_all("input.advisorIds", "Advisor", &self.advisor_ids)?,
        ))
    }
}

fn request_id(id: &ID) -> AppResult<Uuid> {
    ids::decode("input.requestId", "DispatchRequest", id)
}

fn double<T, U>(
    value: MaybeUndefined<T>,
    f: impl FnOnce(T) -> AppResult<U>,
) -> AppResult<Option<Option<U>>> {
    match Option::<Option<T>>::from(value) {
        None => Ok(None),
        Some(None) => Ok(Some(None)),
        Some(Some(v)) => Ok(Some(Some(f(v)?))),
    }
}

// ---------------------------------------------------------------------------------------
// Node
// ---------------------------------------------------------------------------------------

/// Loads a record of this area by global id for `node(id:)`: null when it does not exist or
/// the viewer may not see it, exactly as the area's own queries.
pub async fn load_node(
    ctx: &Context<'_>,
    type_name: &str,
    id: Uuid,
) -> AppResult<Option<crate::graphql::Node>> {
    use crate::graphql::Node;
    let s = state(ctx);
    let loader = &s.advisors;
    Ok(match type_name {
        "AdvisorPool" => loader
            .load_one(PoolKey(id))
            .await?
            .map(|m| Node::AdvisorPool(AdvisorPool(m))),
        "Advisor" => loader
            .load_one(AdvisorKey(id))
            .await?
            .map(|m| Node::Advisor(Advisor(m))),
        "DispatchRequest" => loader
            .load_one(DispatchKey(id))
            .await?
            .map(|m| Node::DispatchRequest(DispatchRequest(m))),
        "DispatchAssignment" => loader.load_one(AssignmentKey(id)).await?.map(|m| {
            Node::DispatchAssignment(DispatchAssignment {
                assignment: m,
                advisor: None,
            })
        }),
        "DispatchVisit" => loader.load_one(VisitKey(id)).await?.map(|m| {
            Node::DispatchVisit(DispatchVisit {
                visit: m,
                advisor: None,
            })
        }),
        "UnavailablePeriod" => {
            let Some(period) = loader.load_one(PeriodKey(id)).await? else {
                return Ok(None);
            };
            let advisor = loader.load_one(AdvisorKey(period.advisor_id)).await?;
            let note_visible = advisor.is_some_and(|a| {
                access::can_edit_advisor_profile(&s.viewer, a.owner_organization_id, a.user_id)
            });
            Some(Node::UnavailablePeriod(UnavailablePeriod {
                period,
                note_visible,
            }))
        }
        _ => return Err(AppError::invalid("id", Invalid::Id)),
    })
}

/// The GraphQL type names this area resolves in `node(id:)`.
pub const NODE_TYPES: [&str; 6] = [
    "AdvisorPool",
    "Advisor",
    "DispatchRequest",
    "DispatchAssignment",
    "DispatchVisit",
    "UnavailablePeriod",
];

// ---------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------

/// One page of a sorted list as a connection.
async fn sorted_connection<E, V, N>(
    s: &RequestState,
    args: PageArgs,
    select: Select<E>,
    sort: Sort<E>,
    key_of: impl Fn(&E::Model) -> Sorted<V>,
    node: impl Fn(E::Model) -> N,
) -> GqlResult<Connection<String, N, TotalCount>>
where
    E: EntityTrait,
    E::Model: sea_orm::FromQueryResult + Send + Sync,
    V: CursorKey + Into<sea_orm::Value>,
    N: async_graphql::OutputType,
{
    let request = args.parse::<Sorted<V>>()?;
    let page =
        pagination::fetch_sorted_page(&s.db, select.clone(), &sort, key_of, &request).await?;
    Ok(pagination::into_connection(
        page,
        TotalCount::of(select),
        node,
    ))
}

#[derive(Default)]
pub struct AdvisorsQuery;

#[Object]
impl AdvisorsQuery {
    /// One pool by id; null when it does not exist or is not shared with you.
    async fn advisor_pool(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<AdvisorPool>> {
        let id = ids::decode("id", "AdvisorPool", &id)?;
        visible_pool(state(ctx), id).await
    }

    /// Pools shared with you, oldest first.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn advisor_pools(
        &self,
        ctx: &Context<'_>,
        filter: Option<AdvisorPoolFilterInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> GqlResult<Connection<String, AdvisorPool, TotalCount>> {
        let s = state(ctx);
        let f = filter.unwrap_or_default();
        let filter = PoolFilter {
            owner_code: f
                .owner_code
                .as_deref()
                .map(|c| OrgCode::parse("filter.ownerCode", c))
                .transpose()?,
            include_archived: f.include_archived.unwrap_or(false),
        };
        let request = PageArgs {
            first,
            after,
            last,
            before,
        }
        .parse::<Uuid>()?;
        let select = pools::visible(&s.viewer, &filter);
        let page = pagination::fetch_page(
            &s.db,
            select.clone(),
            advisor_pool::Column::Id,
            |p| p.id,
            &request,
        )
        .await?;
        Ok(pagination::into_connection(
            page,
            TotalCount::of(select),
            AdvisorPool,
        ))
    }

    /// One advisor by id; null when not found or not shared with you.
    async fn advisor(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Advisor>> {
        let id = ids::decode("id", "Advisor", &id)?;
        visible_advisor(state(ctx), id).await
    }

    /// Advisors shared with you (through both their pool's audience and their own).
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity + 1")]
    #[expect(
        clippy::too_many_arguments,
        reason = "a Relay connection's four arguments, a filter and an order"
    )]
    async fn advisors(
        &self,
        ctx: &Context<'_>,
        filter: Option<AdvisorFilterInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        order_by: Option<AdvisorOrder>,
    ) -> GqlResult<Connection<String, Advisor, TotalCount>> {
        let s = state(ctx);
        let filter = filter.unwrap_or_default().parse(s).await?;
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let order = order_by.unwrap_or_default();
        let select = profiles::visible(&s.viewer, &filter);
        let descending = order.direction.descending();
        match order.field {
            AdvisorOrderField::Name => {
                let sort = Sort {
                    value: Expr::expr(Func::coalesce([
                        Expr::col((advisor::Entity, advisor::Column::NameKana)),
                        Expr::col((advisor::Entity, advisor::Column::Name)),
                    ])),
                    id: advisor::Column::Id,
                    descending,
                };
                let key = |a: &advisor::Model| Sorted {
                    value: a.name_kana.clone().unwrap_or_else(|| a.name.clone()),
                    id: a.id,
                };
                sorted_connection(s, args, select, sort, key, Advisor).await
            }
            AdvisorOrderField::CreatedAt => {
                let sort = Sort::by(advisor::Column::CreatedAt, advisor::Column::Id, descending);
                let key = |a: &advisor::Model| Sorted {
                    value: a.created_at,
                    id: a.id,
                };
                sorted_connection(s, args, select, sort, key, Advisor).await
            }
        }
    }

    /// One dispatch request by id; null when not found or you are not a party to it.
    async fn dispatch_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> GqlResult<Option<DispatchRequest>> {
        let id = ids::decode("id", "DispatchRequest", &id)?;
        visible_request(state(ctx), id).await
    }

    /// Dispatch requests you are a party to: your organisation's, those to pools your
    /// organisation runs (editors and admins), and those you are assigned to (advisors).
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity + 1")]
    #[expect(
        clippy::too_many_arguments,
        reason = "a Relay connection's four arguments, a filter and an order"
    )]
    async fn dispatch_requests(
        &self,
        ctx: &Context<'_>,
        filter: Option<DispatchFilterInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        order_by: Option<DispatchOrder>,
    ) -> GqlResult<Connection<String, DispatchRequest, TotalCount>> {
        let s = state(ctx);
        access::ensure_signed_in(&s.viewer)?;
        let filter = filter.unwrap_or_default().parse()?;
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let order = order_by.unwrap_or_default();
        let select = dispatch::visible(&s.viewer, &filter, Utc::now());
        let descending = order.direction.descending();
        match order.field {
            DispatchOrderField::CreatedAt => {
                // Ids are UUIDv7: their order is the order of creation.
                let sort = Sort::by(
                    dispatch_request::Column::Id,
                    dispatch_request::Column::Id,
                    descending,
                );
                let key = |r: &dispatch_request::Model| Sorted {
                    value: r.id,
                    id: r.id,
                };
                sorted_connection(s, args, select, sort, key, DispatchRequest).await
            }
            DispatchOrderField::UpdatedAt => {
                let sort = Sort::by(
                    dispatch_request::Column::UpdatedAt,
                    dispatch_request::Column::Id,
                    descending,
                );
                let key = |r: &dispatch_request::Model| Sorted {
                    value: r.updated_at,
                    id: r.id,
                };
                sorted_connection(s, args, select, sort, key, DispatchRequest).await
            }
        }
    }

    /// How much of each pool's quota an organisation has used in a fiscal year (default:
    /// the current one): for the organisation's own members, every pool shared with them;
    /// for a pool's staff, their pools.
    #[graphql(complexity = "10 * child_complexity + 1")]
    async fn quota_usage(
        &self,
        ctx: &Context<'_>,
        organization_code: String,
        fiscal_year: Option<i32>,
    ) -> GqlResult<Vec<QuotaUsage>> {
        let s = state(ctx);
        let code = OrgCode::parse("organizationCode", &organization_code)?;
        let year = match fiscal_year {
            Some(y) => super::in_range("fiscalYear", y, 2000, 2100)?,
            None => crate::fiscal::of_instant(Utc::now()),
        };
        let usage = quota::usage(&s.db, &s.viewer, &code, year).await?;
        Ok(usage.into_iter().map(QuotaUsage::from).collect())
    }

    /// Advisors of a pool ranked for a request, best first, each with the reasons.
    #[graphql(complexity = "first.unwrap_or(10).max(0) as usize * child_complexity + 1")]
    async fn suggest_advisors(
        &self,
        ctx: &Context<'_>,
        input: SuggestAdvisorsInput,
        #[graphql(desc = "How many to return (default 10, at most 50).")] first: Option<i32>,
    ) -> GqlResult<Vec<AdvisorSuggestion>> {
        let s = state(ctx);
        let first = super::in_range("first", first.unwrap_or(10), 0, 50)?;
        let input = SuggestInput {
            pool_id: ids::decode("input.poolId", "AdvisorPool", &input.pool_id)?,
            themes: input.themes,
            prefecture_code: input.prefecture_code,
            from: input.from.map(|d| d.0),
            to: input.to.map(|d| d.0),
            mode: input.mode,
        };
        let found = matching::suggest(&s.db, &s.viewer, input, first as usize).await?;
        let lang = current_lang();
        Ok(found
            .into_iter()
            .map(|(advisor, s)| AdvisorSuggestion {
                advisor: Advisor(advisor),
                score: s.score,
                matching_themes: s.matching_themes,
                serves_prefecture: s.serves_prefecture,
                free_days: s.free_days.map(|(free, _)| free as i32),
                days_asked: s.free_days.map(|(_, total)| total as i32),
                reasons: s
                    .reasons
                    .iter()
                    .map(|r| SuggestionReason {
                        kind: r.kind,
                        points: r.points,
                        description: r.describe(lang),
                    })
                    .collect(),
            })
            .collect())
    }
}

// ---------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------

#[derive(Default)]
pub struct AdvisorsMutation;

#[Object]
impl AdvisorsMutation {
    /// Creates a pool owned by your organisation (admins of a prefecture or national body,
    /// or of a council's secretariat for a pool shared with that council).
    async fn create_advisor_pool(
        &self,
        ctx: &Context<'_>,
        input: CreateAdvisorPoolInput,
    ) -> GqlResult<AdvisorPoolPayload> {
        let s = state(ctx);
        let input = PoolInput {
            name: input.name,
            description: input.description,
            audience: input.audience,
            council_id: decode_opt("input.councilId", "Council", input.council_id.as_ref())?,
            quota: input.quota_per_organization_per_year,
            max_onsite_days: input.max_onsite_days,
            max_online_hours: input.max_online_hours,
            requesters_may_name_advisors: input.requesters_may_name_advisors,
            application_opens_day: input.application_opens_day,
            application_deadline_day: input.application_deadline_day,
        };
        let pool = pools::create(&s.db, &s.viewer, &s.actor(), input).await?;
        Ok(AdvisorPoolPayload {
            advisor_pool: AdvisorPool(pool),
        })
    }

    /// Changes a pool (its owner's admins).
    async fn update_advisor_pool(
        &self,
        ctx: &Context<'_>,
        input: UpdateAdvisorPoolInput,
    ) -> GqlResult<AdvisorPoolPayload> {
        let s = state(ctx);
        let id = ids::decode("input.id", "AdvisorPool", &input.id)?;
        let patch = PoolPatch {
            name: input.name,
            description: input.description.into(),
            audience: input.audience,
            council_id: double(input.council_id, |c| {
                ids::decode("input.councilId", "Council", &c)
            })?,
            quota: input.quota_per_organization_per_year,
            max_onsite_days: input.max_onsite_days,
            max_online_hours: input.max_online_hours,
            requesters_may_name_advisors: input.requesters_may_name_advisors,
            application_opens_day: input.application_opens_day.into(),
            application_deadline_day: input.application_deadline_day.into(),
            archived: input.archived,
        };
        let pool = pools::update(&s.db, &s.viewer, &s.actor(), id, patch).await?;
        Ok(AdvisorPoolPayload {
            advisor_pool: AdvisorPool(pool),
        })
    }

    /// Registers an advisor in a pool (the pool owner's editors and admins).
    async fn create_advisor(
        &self,
        ctx: &Context<'_>,
        input: CreateAdvisorInput,
    ) -> GqlResult<AdvisorPayload> {
        let s = state(ctx);
        let input = AdvisorInput {
            pool_id: ids::decode("input.poolId", "AdvisorPool", &input.pool_id)?,
            name: input.name,
            name_kana: input.name_kana,
            kind: input.kind,
            affiliation: input.affiliation,
            themes: input.themes,
            prefecture_codes: input.prefecture_codes,
            modes: input.modes,
            bio: input.bio,
            contact: input.contact.map(ContactInput::from),
            audience: input.audience,
            council_id: decode_opt("input.councilId", "Council", input.council_id.as_ref())?,
            user_id: decode_opt("input.userId", "User", input.user_id.as_ref())?,
        };
        let advisor = profiles::create(&s.db, &s.viewer, &s.actor(), input).await?;
        Ok(AdvisorPayload {
            advisor: Advisor(advisor),
        })
    }

    /// Changes an advisor (the pool owner's editors and admins; the advisor themself may
    /// change only `bio`).
    async fn update_advisor(
        &self,
        ctx: &Context<'_>,
        input: UpdateAdvisorInput,
    ) -> GqlResult<AdvisorPayload> {
        let s = state(ctx);
        let id = ids::decode("input.id", "Advisor", &input.id)?;
        let patch = AdvisorPatch {
            name: input.name,
            name_kana: input.name_kana,
            kind: input.kind,
            affiliation: input.affiliation.into(),
            themes: input.themes,
            prefecture_codes: input.prefecture_codes,
            modes: input.modes,
            bio: input.bio.into(),
            contact: double(input.contact, |c| Ok(ContactInput::from(c)))?,
            audience: input.audience,
            council_id: double(input.council_id, |c| {
                ids::decode("input.councilId", "Council", &c)
            })?,
            user_id: double(input.user_id, |u| ids::decode("input.userId", "User", &u))?,
            archived: input.archived,
        };
        let advisor = profiles::update(&s.db, &s.viewer, &s.actor(), id, patch).await?;
        Ok(AdvisorPayload {
            advisor: Advisor(advisor),
        })
    }

    /// Adds a period an advisor cannot be dispatched (the pool's editors and admins, or the
    /// advisor). `CONFLICT` when a scheduled visit falls in it.
    async fn add_unavailable_period(
        &self,
        ctx: &Context<'_>,
        input: AddUnavailablePeriodInput,
    ) -> GqlResult<UnavailablePeriodPayload> {
        let s = state(ctx);
        let advisor_id = ids::decode("input.advisorId", "Advisor", &input.advisor_id)?;
        let span = Span {
            starts_at: input.starts_at.0,
            ends_at: input.ends_at.0,
        };
        let period = profiles::add_unavailable_period(
            &s.db,
            &s.viewer,
            &s.actor(),
            advisor_id,
            span,
            input.note,
        )
        .await?;
        Ok(UnavailablePeriodPayload {
            unavailable_period: UnavailablePeriod {
                period,
                note_visible: true,
            },
        })
    }

    /// Withdraws an unavailable period (the pool's editors and admins, or the advisor).
    async fn withdraw_unavailable_period(
        &self,
        ctx: &Context<'_>,
        input: WithdrawUnavailablePeriodInput,
    ) -> GqlResult<UnavailablePeriodPayload> {
        let s = state(ctx);
        let id = ids::decode("input.id", "UnavailablePeriod", &input.id)?;
        let period =
            profiles::withdraw_unavailable_period(&s.db, &s.viewer, &s.actor(), id).await?;
        Ok(UnavailablePeriodPayload {
            unavailable_period: UnavailablePeriod {
                period,
                note_visible: true,
            },
        })
    }

    /// Asks a pool for advisors on behalf of your organisation (editors and admins).
    async fn submit_dispatch_request(
        &self,
        ctx: &Context<'_>,
        input: SubmitDispatchRequestInput,
    ) -> GqlResult<DispatchRequestPayload> {
        let s = state(ctx);
        let input = SubmitInput {
            pool_id: ids::decode("input.poolId", "AdvisorPool", &input.pool_id)?,
            themes: input.themes,
            problem: input.problem,
            desired_outcome: input.desired_outcome,
            wished_dates: input
                .wished_dates
                .iter()
                .map(|r| DateRange {
                    from: r.from.0,
                    to: r.to.0,
                })
                .collect(),
            mode: input.mode,
            visits_requested: input.visits_requested,
            onsite_days_requested: input.onsite_days_requested,
            online_hours_requested: input.online_hours_requested,
            preferred_advisor_ids: decode_all(
                "input.preferredAdvisorIds",
                "Advisor",
                &input.preferred_advisor_ids,
            )?,
        };
        let request = dispatch::submit(&s.db, &s.viewer, &s.actor(), input).await?;
        Ok(request_payload(request))
    }

    /// Proposes candidate advisors for the requester to rank (the pool owner's admins).
    async fn propose_advisors(
        &self,
        ctx: &Context<'_>,
        input: DispatchRequestAdvisorsInput,
    ) -> GqlResult<DispatchRequestPayload> {
        let s = state(ctx);
        let (id, advisors) = input.decode()?;
        let request = dispatch::propose(&s.db, &s.viewer, &s.actor(), id, &advisors).await?;
        Ok(request_payload(request))
    }

    /// Ranks the proposed candidates, first choice first (the requester's editors and admins).
    async fn rank_proposed_advisors(
        &self,
        ctx: &Context<'_>,
        input: DispatchRequestAdvisorsInput,
    ) -> GqlResult<DispatchRequestPayload> {
        let s = state(ctx);
        let (id, advisors) = input.decode()?;
        let request = dispatch::rank(&s.db, &s.viewer, &s.actor(), id, &advisors).await?;
        Ok(request_payload(request))
    }

    /// Approves a request with its advisors and visits (the pool owner's admins). Refused
    /// with `CONFLICT` (a clash of bookings), `DISPATCH_QUOTA_EXCEEDED` or
    /// `DISPATCH_LIMIT_EXCEEDED`, changing nothing.
    async fn approve_dispatch_request(
        &self,
        ctx: &Context<'_>,
        input: ApproveDispatchRequestInput,
    ) -> GqlResult<DispatchRequestPayload> {
        let s = state(ctx);
        let visits = input
            .visits
            .iter()
            .enumerate()
            .map(|(i, v)| {
                Ok(VisitInput {
                    starts_at: v.starts_at.0,
                    ends_at: v.ends_at.0,
                    mode: v.mode,
                    advisor_ids: v
                        .advisor_ids
                        .as_deref()
                        .map(|list| {
                            decode_all(&format!("input.visits[{i}].advisorIds"), "Advisor", list)
                        })
                        .transpose()?,
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        let input = ApproveInput {
            request_id: request_id(&input.request_id)?,
            advisor_ids: decode_all("input.advisorIds", "Advisor", &input.advisor_ids)?,
            visits,
            note: input.note,
        };
        let request = dispatch::approve(&s.db, &s.viewer, &s.actor(), input).await?;
        Ok(request_payload(request))
    }

    /// Declines a request with a reason (the pool owner's admins).
    async fn decline_dispatch_request(
        &self,
        ctx: &Context<'_>,
        input: DispatchRequestReasonInput,
    ) -> GqlResult<DispatchRequestPayload> {
        let s = state(ctx);
        let id = request_id(&input.request_id)?;
        let request = dispatch::decline(&s.db, &s.viewer, &s.actor(), id, &input.reason).await?;
        Ok(request_payload(request))
    }

    /// Cancels your organisation's request before its first visit (editors and admins).
    async fn cancel_dispatch_request(
        &self,
        ctx: &Context<'_>,
        input: CancelDispatchRequestInput,
    ) -> GqlResult<DispatchRequestPayload> {
        let s = state(ctx);
        let id = request_id(&input.request_id)?;
        let request =
            dispatch::cancel(&s.db, &s.viewer, &s.actor(), id, input.reason.as_deref()).await?;
        Ok(request_payload(request))
    }

    /// Declines your assignment before the first visit (an assigned advisor); the request
    /// goes back to the pool's admins.
    async fn decline_assignment(
        &self,
        ctx: &Context<'_>,
        input: DispatchRequestReasonInput,
    ) -> GqlResult<DispatchRequestPayload> {
        let s = state(ctx);
        let id = request_id(&input.request_id)?;
        let request =
            dispatch::decline_assignment(&s.db, &s.viewer, &s.actor(), id, &input.reason).await?;
        Ok(request_payload(request))
    }

    /// Marks the visits held once they have all begun (an assigned advisor or the pool's
    /// admins).
    async fn complete_dispatch_request(
        &self,
        ctx: &Context<'_>,
        input: DispatchRequestIdInput,
    ) -> GqlResult<DispatchRequestPayload> {
        let s = state(ctx);
        let id = request_id(&input.request_id)?;
        let request = dispatch::complete(&s.db, &s.viewer, &s.actor(), id).await?;
        Ok(request_payload(request))
    }

    /// Files the report of a completed dispatch (an assigned advisor or the pool's admins);
    /// due within 7 days of the last visit.
    async fn report_dispatch_request(
        &self,
        ctx: &Context<'_>,
        input: ReportDispatchRequestInput,
    ) -> GqlResult<DispatchRequestPayload> {
        let s = state(ctx);
        let id = request_id(&input.request_id)?;
        let request = dispatch::report(&s.db, &s.viewer, &s.actor(), id, &input.report).await?;
        Ok(request_payload(request))
    }

    /// Closes a reported dispatch with your feedback (the requester's editors and admins).
    async fn close_dispatch_request(
        &self,
        ctx: &Context<'_>,
        input: CloseDispatchRequestInput,
    ) -> GqlResult<DispatchRequestPayload> {
        let s = state(ctx);
        let id = request_id(&input.request_id)?;
        let request = dispatch::close(
            &s.db,
            &s.viewer,
            &s.actor(),
            id,
            input.rating,
            input.comment.as_deref(),
        )
        .await?;
        Ok(request_payload(request))
    }
}
