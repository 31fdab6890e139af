//! アドバイザー: the advisors of a pool, their profile, contact details, unavailable periods
//! and track record.
//!
//! The pool owner's editors and admins register and edit advisors. An advisor who signs in
//! (a user with the `ADVISOR` role linked to the profile) edits only their own bio and
//! availability. Contact details are stored with the advisor and shown only as
//! `access::can_read_advisor_contact` allows.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use entity::advisor::{Contact, ModeList, PrefectureCodeList, ThemeList};
use entity::enums::{
    AdvisorKind, AdvisorTheme, AssignmentStatus, Audience, DispatchStatus, Role, VisitMode,
    VisitStatus,
};
use entity::{advisor, advisor_unavailable_period, dispatch_assignment};
use entity::{dispatch_request, dispatch_visit, user};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, IntoActiveModel,
    QueryFilter, QuerySelect, RelationTrait, Select, Set, TransactionTrait,
};
use tracing::instrument;
use uuid::Uuid;

use super::schedule::{self, Span};
use super::violations::{BookingConflict, ClashKind};
use super::{
    change, check_themes, commit_with_audit, mode_mask, optional_line, optional_text,
    prefecture_mask, required_line, theme_mask,
};
use crate::access;
use crate::audit::Actor;
use crate::auth::Viewer;
use crate::error::{AppError, AppResult, Invalid, on_unique_violation};
use crate::text;

/// Longest unavailable period.
pub const MAX_UNAVAILABLE_DAYS: i64 = 366;

/// Contact details as typed.
#[derive(Clone, Debug, Default)]
pub struct ContactInput {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub note: Option<String>,
}

/// An advisor as given to `createAdvisor`.
#[derive(Clone, Debug)]
pub struct AdvisorInput {
    pub pool_id: Uuid,
    pub name: String,
    pub name_kana: String,
    pub kind: AdvisorKind,
    pub affiliation: Option<String>,
    pub themes: Vec<AdvisorTheme>,
    pub prefecture_codes: Vec<String>,
    pub modes: Vec<VisitMode>,
    pub bio: Option<String>,
    pub contact: Option<ContactInput>,
    pub audience: Option<Audience>,
    pub council_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
}

/// Changes to an advisor (`None`: unchanged; `Some(None)`: cleared).
#[derive(Clone, Debug, Default)]
pub struct AdvisorPatch {
    pub name: Option<String>,
    pub name_kana: Option<String>,
    pub kind: Option<AdvisorKind>,
    pub affiliation: Option<Option<String>>,
    pub themes: Option<Vec<AdvisorTheme>>,
    pub prefecture_codes: Option<Vec<String>>,
    pub modes: Option<Vec<VisitMode>>,
    pub bio: Option<Option<String>>,
    pub contact: Option<Option<ContactInput>>,
    pub audience: Option<Audience>,
    pub council_id: Option<Option<Uuid>>,
    pub user_id: Option<Option<Uuid>>,
    pub archived: Option<bool>,
}

impl AdvisorPatch {
    /// True when the patch changes nothing but what an advisor may change themself.
    fn is_own_profile_only(&self) -> bool {
        let Self {
            name,
            name_kana,
            kind,
            affiliation,
            themes,
            prefecture_codes,
            modes,
            bio: _,
            contact,
            audience,
            council_id,
            user_id,
            archived,
        } = self;
        name.is_none()
            && name_kana.is_none()
            && kind.is_none()
            && affiliation.is_none()
            && themes.is_none()
            && prefecture_codes.is_none()
            && modes.is_none()
            && contact.is_none()
            && audience.is_none()
            && council_id.is_none()
            && user_id.is_none()
            && archived.is_none()
    }
}

/// The folded text advisor search matches: name, reading and affiliation.
pub fn search_key(name: &str, name_kana: Option<&str>, affiliation: Option<&str>) -> String {
    format!(
        "{}|{}|{}",
        text::fold(name),
        text::fold(name_kana.unwrap_or("")),
        text::fold(affiliation.unwrap_or(""))
    )
}

fn check_contact(contact: Option<ContactInput>) -> AppResult<Option<Contact>> {
    let Some(contact) = contact else {
        return Ok(None);
    };
    let email = match contact
        .email
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        Some(raw) => Some(crate::auth::sessions::normalize_email(
            "input.contact.email",
            raw,
        )?),
        None => None,
    };
    let phone = optional_line("input.contact.phone", contact.phone.as_deref(), 32)?;
    if phone.as_deref().is_some_and(|p| {
        !p.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '(' | ')' | ' '))
    }) {
        return Err(AppError::invalid(
            "input.contact.phone",
            Invalid::Value {
                expected: "digits, spaces and + - ( )",
            },
        ));
    }
    let note = optional_line("input.contact.note", contact.note.as_deref(), 200)?;
    if email.is_none() && phone.is_none() && note.is_none() {
        return Ok(None);
    }
    Ok(Some(Contact { email, phone, note }))
}

fn check_modes(modes: &[VisitMode]) -> AppResult<Vec<VisitMode>> {
    let mut out: Vec<VisitMode> = modes.to_vec();
    out.sort();
    out.dedup();
    if out.is_empty() {
        return Err(AppError::invalid("input.modes", Invalid::Empty));
    }
    Ok(out)
}

fn check_prefectures(codes: &[String]) -> AppResult<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(codes.len());
    for (i, raw) in codes.iter().enumerate() {
        let code = super::parse_prefecture_code(&format!("input.prefectureCodes[{i}]"), raw)?;
        if !out.contains(&code) {
            out.push(code);
        }
    }
    out.sort();
    Ok(out)
}

/// Checks the fields of a patch and writes them onto `model`.
fn apply(model: &mut advisor::Model, patch: AdvisorPatch) -> AppResult<()> {
    if let Some(name) = patch.name {
        model.name = required_line("input.name", &name, super::MAX_NAME)?;
    }
    if let Some(kana) = patch.name_kana {
        let kana = required_line("input.nameKana", &kana, super::MAX_NAME)?;
        model.name_kana = Some(text::fold(&kana));
    }
    if let Some(kind) = patch.kind {
        model.kind = kind;
    }
    if let Some(affiliation) = patch.affiliation {
        model.affiliation =
            optional_line("input.affiliation", affiliation.as_deref(), super::MAX_NAME)?;
    }
    if let Some(themes) = patch.themes {
        let themes = check_themes("input.themes", &themes)?;
        model.theme_mask = theme_mask(&themes);
        model.themes = ThemeList(themes);
    }
    if let Some(codes) = patch.prefecture_codes {
        let codes = check_prefectures(&codes)?;
        model.prefecture_mask = prefecture_mask(&codes);
        model.prefecture_codes = PrefectureCodeList(codes);
    }
    if let Some(modes) = patch.modes {
        let modes = check_modes(&modes)?;
        model.mode_mask = mode_mask(&modes);
        model.modes = ModeList(modes);
    }
    if let Some(bio) = patch.bio {
        model.bio = optional_text("input.bio", bio.as_deref(), super::MAX_TEXT)?;
    }
    if let Some(contact) = patch.contact {
        model.contact = check_contact(contact)?;
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
        (Audience::Council, Some(_)) | (_, None) => {}
        (_, Some(_)) => {
            return Err(AppError::invalid(
                "input.councilId",
                Invalid::Value {
                    expected: "empty unless the audience is COUNCIL",
                },
            ));
        }
    }
    if let Some(user_id) = patch.user_id {
        model.user_id = user_id;
    }
    if let Some(archived) = patch.archived {
        model.archived_at = match (archived, model.archived_at) {
            (true, None) => Some(Utc::now()),
            (true, at) => at,
            (false, _) => None,
        };
    }
    model.search_key = search_key(
        &model.name,
        model.name_kana.as_deref(),
        model.affiliation.as_deref(),
    );
    Ok(())
}

/// Checks that a user to link is one of the pool owner's accounts with the `ADVISOR` role.
async fn check_linked_user(
    db: &DatabaseConnection,
    user_id: Option<Uuid>,
    pool_owner_id: Uuid,
) -> AppResult<()> {
    let Some(user_id) = user_id else {
        return Ok(());
    };
    let found = user::Entity::find_by_id(user_id).one(db).await?;
    match found {
        Some(u) if u.organization_id == pool_owner_id && u.roles.contains(Role::Advisor) => Ok(()),
        _ => Err(AppError::invalid(
            "input.userId",
            Invalid::Value {
                expected: "an account of the pool's organisation with the ADVISOR role",
            },
        )),
    }
}

async fn check_council(db: &DatabaseConnection, council_id: Option<Uuid>) -> AppResult<()> {
    if let Some(id) = council_id {
        crate::organizations::find_council(db, id)
            .await?
            .ok_or_else(|| AppError::not_found("Council"))?;
    }
    Ok(())
}

/// Registers an advisor in a pool: the pool owner's editors and admins may.
#[instrument(skip_all, fields(pool_id = %input.pool_id))]
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    input: AdvisorInput,
) -> AppResult<advisor::Model> {
    access::ensure_signed_in(viewer)?;
    let pool = super::pools::find_visible(db, viewer, input.pool_id)
        .await?
        .ok_or_else(|| AppError::not_found("AdvisorPool"))?;
    if !access::can_manage_advisors(viewer, pool.owner_organization_id) {
        return Err(AppError::Forbidden);
    }
    if pool.archived_at.is_some() {
        return Err(AppError::transition(
            "AdvisorPool",
            "add advisors to",
            "ARCHIVED",
        ));
    }
    let now = Utc::now();
    let mut model = advisor::Model {
        id: Uuid::now_v7(),
        pool_id: pool.id,
        owner_organization_id: pool.owner_organization_id,
        user_id: None,
        name: String::new(),
        name_kana: None,
        kind: input.kind,
        affiliation: None,
        themes: ThemeList::default(),
        prefecture_codes: PrefectureCodeList::default(),
        modes: ModeList::default(),
        bio: None,
        contact: None,
        audience: pool.audience,
        council_id: pool.council_id,
        archived_at: None,
        created_at: now,
        updated_at: now,
        search_key: String::new(),
        theme_mask: 0,
        mode_mask: 0,
        prefecture_mask: 0,
        schedule_version: 0,
    };
    let own_audience = input.audience.is_some();
    apply(
        &mut model,
        AdvisorPatch {
            name: Some(input.name),
            name_kana: Some(input.name_kana),
            affiliation: Some(input.affiliation),
            themes: Some(input.themes),
            prefecture_codes: Some(input.prefecture_codes),
            modes: Some(input.modes),
            bio: Some(input.bio),
            contact: Some(input.contact),
            audience: input.audience,
            // An advisor given an audience of their own leaves the pool's council behind.
            council_id: own_audience.then_some(input.council_id),
            user_id: Some(input.user_id),
            ..Default::default()
        },
    )?;
    check_council(db, model.council_id).await?;
    check_linked_user(db, model.user_id, pool.owner_organization_id).await?;
    let txn = db.begin().await?;
    let saved = advisor::Entity::insert(model.into_active_model())
        .exec_with_returning(&txn)
        .await
        .map_err(|e| on_unique_violation(e, "input.userId"))?;
    commit_with_audit(
        txn,
        actor,
        change(
            "advisor.create",
            "Advisor",
            saved.id,
            saved.owner_organization_id,
            None,
            &saved,
        ),
    )
    .await?;
    Ok(saved)
}

/// One advisor the viewer may see, or none.
pub async fn find_visible<C: sea_orm::ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<Option<advisor::Model>> {
    Ok(advisor::Entity::find_by_id(id)
        .filter(access::advisor_readable(viewer))
        .one(db)
        .await?)
}

async fn find_for_edit(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<advisor::Model> {
    access::ensure_signed_in(viewer)?;
    let advisor = find_visible(db, viewer, id)
        .await?
        .ok_or_else(|| AppError::not_found("Advisor"))?;
    if !access::can_edit_advisor_profile(viewer, advisor.owner_organization_id, advisor.user_id) {
        return Err(AppError::Forbidden);
    }
    Ok(advisor)
}

/// Changes an advisor. The pool owner's editors and admins may change anything; the advisor
/// themself only their bio.
#[instrument(skip_all, fields(advisor_id = %id))]
pub async fn update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    id: Uuid,
    patch: AdvisorPatch,
) -> AppResult<advisor::Model> {
    let before = find_for_edit(db, viewer, id).await?;
    if !access::can_manage_advisors(viewer, before.owner_organization_id)
        && !patch.is_own_profile_only()
    {
        return Err(AppError::Forbidden);
    }
    let user_changes = patch.user_id.is_some();
    let council_changes = patch.council_id.is_some();
    let mut after = before.clone();
    apply(&mut after, patch)?;
    if council_changes {
        check_council(db, after.council_id).await?;
    }
    if user_changes {
        check_linked_user(db, after.user_id, after.owner_organization_id).await?;
    }
    after.updated_at = Utc::now();
    let txn = db.begin().await?;
    let mut active = after.into_active_model().reset_all();
    // The booking lock is not this change's to bump: keep whatever concurrent bookings made it.
    active.schedule_version = sea_orm::ActiveValue::NotSet;
    let saved = active
        .update(&txn)
        .await
        .map_err(|e| on_unique_violation(e, "input.userId"))?;
    commit_with_audit(
        txn,
        actor,
        change(
            "advisor.update",
            "Advisor",
            saved.id,
            saved.owner_organization_id,
            Some(&before),
            &saved,
        ),
    )
    .await?;
    Ok(saved)
}

/// Adds a period the advisor cannot be dispatched. Refused with `CONFLICT` when a scheduled
/// visit falls in it: the advisor declines that assignment first.
#[instrument(skip_all, fields(advisor_id = %advisor_id))]
pub async fn add_unavailable_period(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    advisor_id: Uuid,
    span: Span,
    note: Option<String>,
) -> AppResult<advisor_unavailable_period::Model> {
    let now = Utc::now();
    check_period(span, now)?;
    let note = optional_line("input.note", note.as_deref(), super::MAX_NAME)?;
    let advisor = find_for_edit(db, viewer, advisor_id).await?;
    let txn = db.begin().await?;
    // First write: serialises this advisor's bookings (see `schedule`).
    schedule::lock_advisors(&txn, &[advisor.id]).await?;
    if let Some(visit) = schedule::busy(&txn, &[advisor.id], span)
        .await?
        .into_iter()
        .find(|b| b.kind == ClashKind::Visit)
    {
        return Err(AppError::rule(BookingConflict {
            field: "input".into(),
            advisor_id: advisor.id,
            advisor_name: advisor.name,
            kind: ClashKind::Visit,
            starts_at: visit.span.starts_at,
            ends_at: visit.span.ends_at,
        }));
    }
    let saved =
        advisor_unavailable_period::Entity::insert(advisor_unavailable_period::ActiveModel {
            id: Set(Uuid::now_v7()),
            advisor_id: Set(advisor.id),
            starts_at: Set(span.starts_at),
            ends_at: Set(span.ends_at),
            note: Set(note),
            created_at: Set(now),
            cancelled_at: Set(None),
        })
        .exec_with_returning(&txn)
        .await?;
    commit_with_audit(
        txn,
        actor,
        change(
            "advisor.add_unavailable_period",
            "UnavailablePeriod",
            saved.id,
            advisor.owner_organization_id,
            None,
            &saved,
        ),
    )
    .await?;
    Ok(saved)
}

/// Checks a period as typed: ends after it starts, not over, at most a year long.
pub fn check_period(span: Span, now: DateTime<Utc>) -> AppResult<()> {
    if span.ends_at <= span.starts_at {
        return Err(AppError::invalid(
            "input.endsAt",
            Invalid::Value {
                expected: "after startsAt",
            },
        ));
    }
    if span.ends_at <= now {
        return Err(AppError::invalid(
            "input.endsAt",
            Invalid::Value {
                expected: "in the future",
            },
        ));
    }
    if span.ends_at - span.starts_at > Duration::days(MAX_UNAVAILABLE_DAYS) {
        return Err(AppError::invalid(
            "input.endsAt",
            Invalid::Value {
                expected: "at most 366 days after startsAt",
            },
        ));
    }
    Ok(())
}

/// Withdraws an unavailable period (it stays in the history).
#[instrument(skip_all, fields(period_id = %period_id))]
pub async fn withdraw_unavailable_period(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    period_id: Uuid,
) -> AppResult<advisor_unavailable_period::Model> {
    access::ensure_signed_in(viewer)?;
    let period = advisor_unavailable_period::Entity::find_by_id(period_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("UnavailablePeriod"))?;
    // The period is as visible as its advisor.
    let advisor = find_for_edit(db, viewer, period.advisor_id)
        .await
        .map_err(|e| match e {
            AppError::NotFound { .. } => AppError::not_found("UnavailablePeriod"),
            other => other,
        })?;
    if period.cancelled_at.is_some() {
        return Err(AppError::transition(
            "UnavailablePeriod",
            "withdraw",
            "WITHDRAWN",
        ));
    }
    let txn = db.begin().await?;
    schedule::lock_advisors(&txn, &[advisor.id]).await?;
    let mut active: advisor_unavailable_period::ActiveModel = period.clone().into();
    active.cancelled_at = Set(Some(Utc::now()));
    let saved = active.update(&txn).await?;
    commit_with_audit(
        txn,
        actor,
        change(
            "advisor.withdraw_unavailable_period",
            "UnavailablePeriod",
            saved.id,
            advisor.owner_organization_id,
            Some(&period),
            &saved,
        ),
    )
    .await?;
    Ok(saved)
}

/// The filter of `advisors`, checked.
#[derive(Clone, Debug, Default)]
pub struct AdvisorFilter {
    pub pool_id: Option<Uuid>,
    /// Any of these themes.
    pub themes: Vec<AdvisorTheme>,
    /// Any of these kinds.
    pub kinds: Vec<AdvisorKind>,
    /// Serves this prefecture (number 1–47).
    pub prefecture: Option<u32>,
    /// Works in any of these modes.
    pub modes: Vec<VisitMode>,
    /// Free for the whole span: no unavailable period and no visit overlaps it.
    pub available: Option<Span>,
    /// Folded search text.
    pub search: Option<String>,
    pub include_archived: bool,
}

/// "The advisor is free for the whole of `span`", as a query condition.
pub fn free_during(span: Span) -> Condition {
    let visits = Query::select()
        .column(dispatch_visit::Column::AdvisorId)
        .from(dispatch_visit::Entity)
        .and_where(dispatch_visit::Column::Status.ne(VisitStatus::Cancelled))
        .and_where(dispatch_visit::Column::StartsAt.lt(span.ends_at))
        .and_where(dispatch_visit::Column::EndsAt.gt(span.starts_at))
        .to_owned();
    let periods = Query::select()
        .column(advisor_unavailable_period::Column::AdvisorId)
        .from(advisor_unavailable_period::Entity)
        .and_where(advisor_unavailable_period::Column::CancelledAt.is_null())
        .and_where(advisor_unavailable_period::Column::StartsAt.lt(span.ends_at))
        .and_where(advisor_unavailable_period::Column::EndsAt.gt(span.starts_at))
        .to_owned();
    Condition::all()
        .add(advisor::Column::Id.not_in_subquery(visits))
        .add(advisor::Column::Id.not_in_subquery(periods))
}

/// "Any bit of `mask` is set in `column`".
fn any_bit(column: advisor::Column, mask: i64) -> sea_orm::sea_query::SimpleExpr {
    Expr::col((advisor::Entity, column)).bit_and(mask).ne(0)
}

/// The advisors the viewer may see that match the filter, as a query.
pub fn visible(viewer: &Viewer, filter: &AdvisorFilter) -> Select<advisor::Entity> {
    let mut condition = Condition::all().add(access::advisor_readable(viewer));
    if !filter.include_archived {
        condition = condition.add(advisor::Column::ArchivedAt.is_null());
    }
    if let Some(pool_id) = filter.pool_id {
        condition = condition.add(advisor::Column::PoolId.eq(pool_id));
    }
    if !filter.themes.is_empty() {
        condition = condition.add(any_bit(
            advisor::Column::ThemeMask,
            theme_mask(&filter.themes).into(),
        ));
    }
    if !filter.kinds.is_empty() {
        condition = condition.add(advisor::Column::Kind.is_in(filter.kinds.clone()));
    }
    if let Some(n) = filter.prefecture {
        condition = condition.add(any_bit(advisor::Column::PrefectureMask, 1_i64 << (n - 1)));
    }
    if !filter.modes.is_empty() {
        condition = condition.add(any_bit(
            advisor::Column::ModeMask,
            mode_mask(&filter.modes).into(),
        ));
    }
    if let Some(span) = filter.available {
        condition = condition.add(free_during(span));
    }
    if let Some(search) = &filter.search {
        let pattern = format!("%{}%", text::like_escape(search));
        condition =
            condition.add(advisor::Column::SearchKey.like(LikeExpr::new(pattern).escape('\\')));
    }
    advisor::Entity::find().filter(condition)
}

/// 実績: what an advisor's completed dispatches add up to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrackRecord {
    /// Dispatches whose visits were held (completed, reported or closed).
    pub completed_dispatches: i32,
    /// The themes of those dispatches, in `AdvisorTheme` order.
    pub themes: Vec<AdvisorTheme>,
    /// How many different organisations they were for.
    pub organizations_served: i32,
    /// The requesters' mean rating (1–5), when any gave one.
    pub average_feedback: Option<f64>,
}

impl TrackRecord {
    /// Adds up completed dispatches: (requester, themes, rating) each.
    pub fn of(dispatches: impl IntoIterator<Item = CompletedDispatch>) -> Self {
        let mut count = 0;
        let mut themes = HashSet::new();
        let mut organizations = HashSet::new();
        let (mut rating_sum, mut ratings) = (0_i64, 0_i64);
        for (requester, request_themes, rating) in dispatches {
            count += 1;
            organizations.insert(requester);
            themes.extend(request_themes);
            if let Some(r) = rating {
                rating_sum += i64::from(r);
                ratings += 1;
            }
        }
        let mut themes: Vec<AdvisorTheme> = themes.into_iter().collect();
        themes.sort();
        Self {
            completed_dispatches: count,
            themes,
            organizations_served: i32::try_from(organizations.len()).unwrap_or(i32::MAX),
            average_feedback: (ratings > 0).then(|| rating_sum as f64 / ratings as f64),
        }
    }
}

/// One completed dispatch as a track record counts it: requester, themes, rating.
type CompletedDispatch = (Uuid, Vec<AdvisorTheme>, Option<i32>);

/// The statuses of dispatches whose visits were held.
pub const HELD_STATUSES: [DispatchStatus; 3] = [
    DispatchStatus::Completed,
    DispatchStatus::Reported,
    DispatchStatus::Closed,
];

/// The track records of advisors, in one query; every advisor asked for gets one.
pub async fn track_records<C: sea_orm::ConnectionTrait>(
    db: &C,
    advisor_ids: &[Uuid],
) -> Result<HashMap<Uuid, TrackRecord>, sea_orm::DbErr> {
    let rows: Vec<(Uuid, Uuid, ThemeList, Option<i32>)> = dispatch_assignment::Entity::find()
        .select_only()
        .column(dispatch_assignment::Column::AdvisorId)
        .column(dispatch_request::Column::RequesterOrganizationId)
        .column(dispatch_request::Column::Themes)
        .column(dispatch_request::Column::FeedbackRating)
        .join(
            sea_orm::JoinType::InnerJoin,
            dispatch_assignment::Relation::DispatchRequest.def(),
        )
        .filter(dispatch_assignment::Column::AdvisorId.is_in(advisor_ids.to_vec()))
        .filter(dispatch_assignment::Column::Status.eq(AssignmentStatus::Assigned))
        .filter(dispatch_request::Column::Status.is_in(HELD_STATUSES))
        .into_tuple()
        .all(db)
        .await?;
    let mut by_advisor: HashMap<Uuid, Vec<CompletedDispatch>> =
        advisor_ids.iter().map(|id| (*id, Vec::new())).collect();
    for (advisor_id, requester, themes, rating) in rows {
        by_advisor
            .entry(advisor_id)
            .or_default()
            .push((requester, themes.0, rating));
    }
    Ok(by_advisor
        .into_iter()
        .map(|(id, dispatches)| (id, TrackRecord::of(dispatches)))
        .collect())
}

/// An advisor's contact details as `viewer` may see them; `advisor` must have been loaded
/// through `access::advisor_readable` (see `access::can_read_visible_advisor_contact`).
pub fn contact_for<'a>(viewer: &Viewer, advisor: &'a advisor::Model) -> Option<&'a Contact> {
    advisor.contact.as_ref().filter(|_| {
        access::can_read_visible_advisor_contact(
            viewer,
            advisor.owner_organization_id,
            advisor.user_id,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn track_records_add_up_dispatches_themes_organisations_and_ratings() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let record = TrackRecord::of([
            (
                a,
                vec![AdvisorTheme::Bpr, AdvisorTheme::DxStrategy],
                Some(5),
            ),
            (a, vec![AdvisorTheme::Bpr], None),
            (b, vec![AdvisorTheme::AiRpa], Some(4)),
        ]);
        assert_eq!(record.completed_dispatches, 3);
        assert_eq!(record.organizations_served, 2);
        assert_eq!(
            record.themes,
            [
                AdvisorTheme::DxStrategy,
                AdvisorTheme::AiRpa,
                AdvisorTheme::Bpr
            ]
        );
        assert_eq!(record.average_feedback, Some(4.5));
        assert_eq!(TrackRecord::of([]), TrackRecord::default());
    }

    #[test]
    fn an_advisor_may_change_only_their_bio() {
        let bio = AdvisorPatch {
            bio: Some(Some("新しい紹介".into())),
            ..Default::default()
        };
        assert!(bio.is_own_profile_only());
        let themes = AdvisorPatch {
            bio: Some(None),
            themes: Some(vec![AdvisorTheme::Bpr]),
            ..Default::default()
        };
        assert!(!themes.is_own_profile_only());
    }

    #[test]
    fn contact_details_are_checked() {
        let contact = |email: &str, phone: &str| ContactInput {
            email: Some(email.into()),
            phone: Some(phone.into()),
            note: None,
        };
        let ok = check_contact(Some(contact(" Taro@Example.JP ", "0742-00-0000")));
        assert_eq!(
            ok.ok().flatten().and_then(|c| c.email).as_deref(),
            Some("taro@example.jp")
        );
        assert!(check_contact(Some(contact("no-at-sign", ""))).is_err());
        assert!(check_contact(Some(contact("", "call me"))).is_err());
        assert_eq!(
            check_contact(Some(contact(" ", ""))).ok(),
            Some(None),
            "blank is none"
        );
    }

    #[test]
    fn periods_must_run_forward_end_in_the_future_and_last_at_most_a_year() {
        let now = Utc::now();
        let span = |from_h: i64, to_h: i64| Span {
            starts_at: now + Duration::hours(from_h),
            ends_at: now + Duration::hours(to_h),
        };
        assert!(check_period(span(1, 5), now).is_ok());
        assert!(check_period(span(-5, 5), now).is_ok(), "may have begun");
        assert!(check_period(span(5, 1), now).is_err());
        assert!(check_period(span(-5, -1), now).is_err());
        assert!(check_period(span(0, 24 * 367), now).is_err());
    }
}
