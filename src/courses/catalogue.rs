//! The course catalogue: creating and editing courses and their sessions, the status machine
//! (`DRAFT` → `PUBLISHED` → `COMPLETED`, or `CANCELLED`), and finding courses.
//!
//! Only the host's editors and admins write a course. Every write transaction begins with
//! [`seats::lock`], so edits, enrolments and cancellations of one course never interleave.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use entity::course::{JobGradeList, SkillAreaList};
use entity::enums::{
    Audience, CancellationReason, CourseFormat, CourseStatus, EnrollmentStatus, FeeRule, JobGrade,
    SkillArea,
};
use entity::{council_member, course, course_co_host, course_session, enrollment, organization};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Query, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, Select, Set, TransactionTrait,
};
use tracing::instrument;
use uuid::Uuid;

use super::{
    CourseRule, MAX_CAPACITY, MAX_CLAIM_HOURS, MAX_CO_HOSTS, MAX_ENTRY_CONDITIONS, MAX_FEE,
    MAX_HOURS, MAX_NOTE, MAX_SEARCH, MAX_SESSIONS, MAX_SUMMARY, MAX_TITLE, MAX_VENUE, Problem,
    change, seats,
};
use crate::access;
use crate::audit::{self, Actor};
use crate::auth::Viewer;
use crate::error::{AppError, AppResult, Invalid};
use crate::graphql::pagination::{self, Page, PageArgs, Sort, Sorted};
use crate::organizations::OrgCode;
use crate::text;

/// The settings a host writes for a course. Creating and updating share them, and
/// [`CourseSettings::check`] checks them whole, so an update cannot leave a course in a
/// state creation would have refused.
#[derive(Clone, Debug, PartialEq)]
pub struct CourseSettings {
    pub title: String,
    pub summary: Option<String>,
    pub job_grades: Vec<JobGrade>,
    pub skill_areas: Vec<SkillArea>,
    /// 1 (introductory) to 5 (expert).
    pub level: i32,
    pub format: CourseFormat,
    pub total_hours: Option<f64>,
    pub entry_conditions: Option<String>,
    pub capacity: i32,
    pub seats_per_organization: Option<i32>,
    pub enrolment_opens_at: Option<DateTime<Utc>>,
    pub enrolment_closes_at: Option<DateTime<Utc>>,
    pub self_enrolment: bool,
    pub fee_rule: FeeRule,
    /// Yen: per participant, or the total to split.
    pub fee_amount: Option<i64>,
    /// Hours an offered seat is held; 0 enrols the next in line at once.
    pub offer_claim_hours: i32,
    pub audience: Audience,
    pub council_id: Option<Uuid>,
    pub co_host_council_id: Option<Uuid>,
}

fn range(field: &str, value: i64, min: i64, max: i64) -> AppResult<()> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(AppError::invalid(field, Invalid::Range { min, max }))
    }
}

fn hours(field: &str, value: f64) -> AppResult<()> {
    if value.is_finite() && value > 0.0 && value <= MAX_HOURS {
        Ok(())
    } else {
        Err(AppError::invalid(
            field,
            Invalid::Range {
                min: 0,
                max: MAX_HOURS as i64,
            },
        ))
    }
}

/// No value twice, and at least one.
fn distinct<T: Eq + std::hash::Hash + Copy>(field: &str, values: &[T]) -> AppResult<()> {
    let unique: HashSet<T> = values.iter().copied().collect();
    if values.is_empty() || unique.len() != values.len() {
        return Err(CourseRule::invalid(field, Problem::List));
    }
    Ok(())
}

/// Text that is empty after trimming counts as not given.
fn trimmed(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

impl CourseSettings {
    /// The settings of a stored course.
    pub fn of(course: &course::Model) -> Self {
        Self {
            title: course.title.clone(),
            summary: course.summary.clone(),
            job_grades: course.job_grades.0.clone(),
            skill_areas: course.skill_areas.0.clone(),
            level: course.level,
            format: course.format,
            total_hours: course.total_hours,
            entry_conditions: course.entry_conditions.clone(),
            capacity: course.capacity,
            seats_per_organization: course.seats_per_organization,
            enrolment_opens_at: course.enrolment_opens_at,
            enrolment_closes_at: course.enrolment_closes_at,
            self_enrolment: course.self_enrolment,
            fee_rule: course.fee_rule,
            fee_amount: course.fee_amount,
            offer_claim_hours: course.offer_claim_hours,
            audience: course.audience,
            council_id: course.council_id,
            co_host_council_id: course.co_host_council_id,
        }
    }

    /// Trims the texts (an empty optional text is no text).
    pub fn normalized(mut self) -> Self {
        self.title = self.title.trim().to_owned();
        self.summary = trimmed(self.summary);
        self.entry_conditions = trimmed(self.entry_conditions);
        self
    }

    /// Checks the settings on their own: texts, ranges, the window's order, the fee rule's
    /// amount, the council of a `COUNCIL` audience. What needs the database (the council's
    /// members, the seats already taken) is checked by the callers.
    pub fn check(&self) -> AppResult<()> {
        if self.title.is_empty() {
            return Err(AppError::invalid("title", Invalid::Empty));
        }
        text::check_line("title", &self.title, MAX_TITLE)?;
        if let Some(summary) = &self.summary {
            text::check_text("summary", summary, MAX_SUMMARY)?;
        }
        if let Some(conditions) = &self.entry_conditions {
            text::check_text("entryConditions", conditions, MAX_ENTRY_CONDITIONS)?;
        }
        distinct("jobGrades", &self.job_grades)?;
        distinct("skillAreas", &self.skill_areas)?;
        range("level", i64::from(self.level), 1, 5)?;
        if let Some(h) = self.total_hours {
            hours("totalHours", h)?;
        }
        range(
            "capacity",
            i64::from(self.capacity),
            1,
            i64::from(MAX_CAPACITY),
        )?;
        if let Some(cap) = self.seats_per_organization {
            range(
                "seatsPerOrganization",
                i64::from(cap),
                1,
                i64::from(self.capacity),
            )?;
        }
        if let (Some(opens), Some(closes)) = (self.enrolment_opens_at, self.enrolment_closes_at)
            && closes <= opens
        {
            return Err(CourseRule::invalid(
                "enrolmentClosesAt",
                Problem::NotAfter {
                    other: "enrolmentOpensAt",
                },
            ));
        }
        match (self.fee_rule, self.fee_amount) {
            (FeeRule::Free, Some(_)) => {
                return Err(CourseRule::invalid(
                    "feeAmount",
                    Problem::FeeAmount { required: false },
                ));
            }
            (FeeRule::Free, None) => {}
            (_, None) => {
                return Err(CourseRule::invalid(
                    "feeAmount",
                    Problem::FeeAmount { required: true },
                ));
            }
            (_, Some(amount)) => range("feeAmount", amount, 0, MAX_FEE)?,
        }
        range(
            "offerClaimHours",
            i64::from(self.offer_claim_hours),
            0,
            i64::from(MAX_CLAIM_HOURS),
        )?;
        if self.audience == Audience::Council && self.council_id.is_none() {
            return Err(CourseRule::invalid("councilId", Problem::CouncilRequired));
        }
        Ok(())
    }

    fn search_key(&self) -> String {
        format!(
            "{}|{}",
            text::fold(&self.title),
            text::fold(self.summary.as_deref().unwrap_or(""))
        )
    }

    /// Writes the settings into an active model.
    pub(crate) fn write(&self, model: &mut course::ActiveModel) {
        model.title = Set(self.title.clone());
        model.summary = Set(self.summary.clone());
        model.job_grades = Set(JobGradeList(self.job_grades.clone()));
        model.skill_areas = Set(SkillAreaList(self.skill_areas.clone()));
        model.level = Set(self.level);
        model.format = Set(self.format);
        model.total_hours = Set(self.total_hours);
        model.entry_conditions = Set(self.entry_conditions.clone());
        model.capacity = Set(self.capacity);
        model.seats_per_organization = Set(self.seats_per_organization);
        model.enrolment_opens_at = Set(self.enrolment_opens_at);
        model.enrolment_closes_at = Set(self.enrolment_closes_at);
        model.self_enrolment = Set(self.self_enrolment);
        model.fee_rule = Set(self.fee_rule);
        model.fee_amount = Set(self.fee_amount);
        model.offer_claim_hours = Set(self.offer_claim_hours);
        model.audience = Set(self.audience);
        model.council_id = Set(if self.audience == Audience::Council {
            self.council_id
        } else {
            None
        });
        model.co_host_council_id = Set(self.co_host_council_id);
        model.search_key = Set(self.search_key());
    }
}

/// A change to a course's settings: `None` keeps a value; for optional values `Some(None)`
/// clears it.
#[derive(Clone, Debug, Default)]
pub struct CoursePatch {
    pub title: Option<String>,
    pub summary: Option<Option<String>>,
    pub job_grades: Option<Vec<JobGrade>>,
    pub skill_areas: Option<Vec<SkillArea>>,
    pub level: Option<i32>,
    pub format: Option<CourseFormat>,
    pub total_hours: Option<Option<f64>>,
    pub entry_conditions: Option<Option<String>>,
    pub capacity: Option<i32>,
    pub seats_per_organization: Option<Option<i32>>,
    pub enrolment_opens_at: Option<Option<DateTime<Utc>>>,
    pub enrolment_closes_at: Option<Option<DateTime<Utc>>>,
    pub self_enrolment: Option<bool>,
    pub fee_rule: Option<FeeRule>,
    pub fee_amount: Option<Option<i64>>,
    pub offer_claim_hours: Option<i32>,
    pub audience: Option<Audience>,
    pub council_id: Option<Option<Uuid>>,
    pub co_host_council_id: Option<Option<Uuid>>,
    /// Replaces the co-hosting organisations (by code).
    pub co_host_codes: Option<Vec<String>>,
}

impl CoursePatch {
    /// The settings with this change applied.
    pub fn apply(&self, mut s: CourseSettings) -> CourseSettings {
        fn set<T: Clone>(target: &mut T, value: &Option<T>) {
            if let Some(v) = value {
                *target = v.clone();
            }
        }
        set(&mut s.title, &self.title);
        set(&mut s.summary, &self.summary);
        set(&mut s.job_grades, &self.job_grades);
        set(&mut s.skill_areas, &self.skill_areas);
        set(&mut s.level, &self.level);
        set(&mut s.format, &self.format);
        set(&mut s.total_hours, &self.total_hours);
        set(&mut s.entry_conditions, &self.entry_conditions);
        set(&mut s.capacity, &self.capacity);
        set(&mut s.seats_per_organization, &self.seats_per_organization);
        set(&mut s.enrolment_opens_at, &self.enrolment_opens_at);
        set(&mut s.enrolment_closes_at, &self.enrolment_closes_at);
        set(&mut s.self_enrolment, &self.self_enrolment);
        set(&mut s.fee_rule, &self.fee_rule);
        set(&mut s.fee_amount, &self.fee_amount);
        set(&mut s.offer_claim_hours, &self.offer_claim_hours);
        set(&mut s.audience, &self.audience);
        set(&mut s.council_id, &self.council_id);
        set(&mut s.co_host_council_id, &self.co_host_council_id);
        s.normalized()
    }
}

/// One dated session, as the host writes it.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionSettings {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue: Option<String>,
    pub online: bool,
    pub note: Option<String>,
}

impl SessionSettings {
    fn of(session: &course_session::Model) -> Self {
        Self {
            starts_at: session.starts_at,
            ends_at: session.ends_at,
            venue: session.venue.clone(),
            online: session.online,
            note: session.note.clone(),
        }
    }

    /// Checks one session; `prefix` names where it sits in the input (`sessions.0.`).
    pub fn check(&self, prefix: &str) -> AppResult<()> {
        if self.ends_at <= self.starts_at {
            return Err(CourseRule::invalid(
                format!("{prefix}endsAt"),
                Problem::NotAfter { other: "startsAt" },
            ));
        }
        match &self.venue {
            Some(venue) => text::check_line(&format!("{prefix}venue"), venue, MAX_VENUE)?,
            None if !self.online => {
                return Err(CourseRule::invalid(
                    format!("{prefix}venue"),
                    Problem::VenueOrOnline,
                ));
            }
            None => {}
        }
        if let Some(note) = &self.note {
            text::check_text(&format!("{prefix}note"), note, MAX_NOTE)?;
        }
        Ok(())
    }

    fn normalized(mut self) -> Self {
        self.venue = trimmed(self.venue);
        self.note = trimmed(self.note);
        self
    }
}

/// A change to a session: `None` keeps a value; `Some(None)` clears an optional one.
#[derive(Clone, Debug, Default)]
pub struct SessionPatch {
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub venue: Option<Option<String>>,
    pub online: Option<bool>,
    pub note: Option<Option<String>>,
}

impl SessionPatch {
    fn apply(&self, mut s: SessionSettings) -> SessionSettings {
        if let Some(v) = self.starts_at {
            s.starts_at = v;
        }
        if let Some(v) = self.ends_at {
            s.ends_at = v;
        }
        if let Some(v) = &self.venue {
            s.venue = v.clone();
        }
        if let Some(v) = self.online {
            s.online = v;
        }
        if let Some(v) = &self.note {
            s.note = v.clone();
        }
        s.normalized()
    }
}

/// One course the viewer may read, or `NOT_FOUND`.
pub async fn find_visible<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<course::Model> {
    course::Entity::find_by_id(id)
        .filter(access::course_readable(viewer))
        .one(db)
        .await?
        .ok_or(AppError::not_found("Course"))
}

/// A course the viewer may read and must be able to manage (`FORBIDDEN` otherwise).
async fn find_managed(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<course::Model> {
    access::ensure_signed_in(viewer)?;
    let course = find_visible(db, viewer, id).await?;
    access::ensure_can_edit(viewer, course.host_organization_id)?;
    Ok(course)
}

/// The council must exist and the host must be a member of it.
async fn check_council<C: ConnectionTrait>(
    db: &C,
    field: &str,
    council_id: Option<Uuid>,
    host_id: Uuid,
) -> AppResult<()> {
    let Some(council_id) = council_id else {
        return Ok(());
    };
    let member = council_member::Entity::find()
        .filter(council_member::Column::CouncilId.eq(council_id))
        .filter(council_member::Column::OrganizationId.eq(host_id))
        .count(db)
        .await?;
    if member == 0 {
        return Err(CourseRule::invalid(field, Problem::NotACouncilMember));
    }
    Ok(())
}

/// The co-hosting organisations named by code: known, not the host, each once.
async fn resolve_co_hosts<C: ConnectionTrait>(
    db: &C,
    codes: &[String],
    host_id: Uuid,
) -> AppResult<Vec<Uuid>> {
    if codes.len() > MAX_CO_HOSTS {
        return Err(CourseRule::invalid(
            "coHostCodes",
            Problem::TooMany { max: MAX_CO_HOSTS },
        ));
    }
    let mut parsed = Vec::with_capacity(codes.len());
    for (i, raw) in codes.iter().enumerate() {
        parsed.push(OrgCode::parse(&format!("coHostCodes.{i}"), raw)?);
    }
    let wanted: Vec<&str> = parsed.iter().map(OrgCode::as_str).collect();
    if wanted.iter().collect::<HashSet<_>>().len() != wanted.len() {
        return Err(CourseRule::invalid("coHostCodes", Problem::List));
    }
    let found = organization::Entity::find()
        .filter(organization::Column::Code.is_in(wanted.iter().copied()))
        .filter(organization::Column::ArchivedAt.is_null())
        .all(db)
        .await?;
    let mut ids = Vec::with_capacity(wanted.len());
    for (i, code) in wanted.iter().enumerate() {
        let organization = found.iter().find(|o| o.code == *code).ok_or_else(|| {
            CourseRule::invalid(format!("coHostCodes.{i}"), Problem::UnknownOrganization)
        })?;
        if organization.id == host_id {
            return Err(CourseRule::invalid(
                format!("coHostCodes.{i}"),
                Problem::HostAsCoHost,
            ));
        }
        ids.push(organization.id);
    }
    Ok(ids)
}

async fn replace_co_hosts<C: ConnectionTrait>(
    txn: &C,
    course_id: Uuid,
    organization_ids: &[Uuid],
) -> AppResult<()> {
    course_co_host::Entity::delete_many()
        .filter(course_co_host::Column::CourseId.eq(course_id))
        .exec(txn)
        .await?;
    if !organization_ids.is_empty() {
        course_co_host::Entity::insert_many(organization_ids.iter().map(|id| {
            course_co_host::ActiveModel {
                course_id: Set(course_id),
                organization_id: Set(*id),
            }
        }))
        .exec_without_returning(txn)
        .await?;
    }
    Ok(())
}

/// Sets the course's `starts_at` to its first session's start (none without sessions).
async fn refresh_starts_at<C: ConnectionTrait>(
    txn: &C,
    course: &mut course::Model,
) -> AppResult<()> {
    let first = course_session::Entity::find()
        .filter(course_session::Column::CourseId.eq(course.id))
        .order_by_asc(course_session::Column::StartsAt)
        .one(txn)
        .await?
        .map(|s| s.starts_at);
    if first != course.starts_at {
        course::Entity::update_many()
            .col_expr(course::Column::StartsAt, Expr::value(first))
            .filter(course::Column::Id.eq(course.id))
            .exec(txn)
            .await?;
        course.starts_at = first;
    }
    Ok(())
}

async fn audit_course<C: ConnectionTrait>(
    txn: &C,
    actor: &Actor,
    action: &'static str,
    before: Option<&course::Model>,
    after: &course::Model,
) -> AppResult<()> {
    let owner = (after.id, after.host_organization_id);
    audit::record(txn, actor, change(action, "Course", owner, before, after)).await
}

/// Creates a `DRAFT` course hosted by the viewer's organisation, with its co-hosts and
/// sessions. Editors and admins only.
#[instrument(skip_all, fields(title = %settings.title))]
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    settings: CourseSettings,
    co_host_codes: &[String],
    sessions: Vec<SessionSettings>,
) -> AppResult<course::Model> {
    let user = access::ensure_signed_in(viewer)?;
    let host_id = user.organization_id;
    access::ensure_can_edit(viewer, host_id)?;
    let settings = settings.normalized();
    settings.check()?;
    if sessions.len() > MAX_SESSIONS {
        return Err(CourseRule::invalid(
            "sessions",
            Problem::TooMany { max: MAX_SESSIONS },
        ));
    }
    let sessions: Vec<SessionSettings> = sessions.into_iter().map(|s| s.normalized()).collect();
    for (i, session) in sessions.iter().enumerate() {
        session.check(&format!("sessions.{i}."))?;
    }
    check_council(db, "councilId", settings.council_id, host_id).await?;
    check_council(db, "coHostCouncilId", settings.co_host_council_id, host_id).await?;
    let co_hosts = resolve_co_hosts(db, co_host_codes, host_id).await?;

    let now = Utc::now();
    let id = Uuid::now_v7();
    let mut model = course::ActiveModel {
        id: Set(id),
        host_organization_id: Set(host_id),
        seats_taken: Set(0),
        status: Set(CourseStatus::Draft),
        starts_at: Set(sessions.iter().map(|s| s.starts_at).min()),
        created_by_user_id: Set(Some(user.user_id)),
        created_at: Set(now),
        updated_at: Set(now),
        revision: Set(0),
        ..Default::default()
    };
    settings.write(&mut model);
    let txn = db.begin().await?;
    let course = model.insert(&txn).await?;
    replace_co_hosts(&txn, id, &co_hosts).await?;
    if !sessions.is_empty() {
        course_session::Entity::insert_many(sessions.iter().map(|s| course_session::ActiveModel {
            id: Set(Uuid::now_v7()),
            course_id: Set(id),
            starts_at: Set(s.starts_at),
            ends_at: Set(s.ends_at),
            venue: Set(s.venue.clone()),
            online: Set(s.online),
            note: Set(s.note.clone()),
            created_at: Set(now),
            updated_at: Set(now),
        }))
        .exec_without_returning(&txn)
        .await?;
    }
    audit_course(&txn, actor, "course.create", None, &course).await?;
    txn.commit().await?;
    Ok(course)
}

/// Changes a course's settings. Drafts and published courses only; a published course
/// keeps its enrolments, so its capacity may not drop below the seats taken, nor its seats
/// per organisation below what an organisation holds. Raising either gives the new seats
/// to the people in line.
#[instrument(skip_all, fields(course = %id))]
pub async fn update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    id: Uuid,
    patch: CoursePatch,
) -> AppResult<course::Model> {
    find_managed(db, viewer, id).await?;
    let editable = [CourseStatus::Draft, CourseStatus::Published];
    let (txn, mut current) = seats::begin(db, id, &editable, "update").await?;
    let before = current.clone();
    let settings = patch.apply(CourseSettings::of(&current));
    settings.check()?;
    if settings.capacity < current.seats_taken {
        return Err(CourseRule::invalid(
            "capacity",
            Problem::BelowTaken {
                taken: i64::from(current.seats_taken),
            },
        ));
    }
    if let Some(cap) = settings.seats_per_organization {
        let most = seats::organization_seats(&txn, id)
            .await?
            .into_values()
            .max()
            .unwrap_or(0);
        if cap < most {
            return Err(CourseRule::invalid(
                "seatsPerOrganization",
                Problem::BelowTaken {
                    taken: i64::from(most),
                },
            ));
        }
    }
    if settings.council_id != current.council_id {
        check_council(
            &txn,
            "councilId",
            settings.council_id,
            current.host_organization_id,
        )
        .await?;
    }
    if settings.co_host_council_id != current.co_host_council_id {
        check_council(
            &txn,
            "coHostCouncilId",
            settings.co_host_council_id,
            current.host_organization_id,
        )
        .await?;
    }
    if let Some(codes) = &patch.co_host_codes {
        let co_hosts = resolve_co_hosts(&txn, codes, current.host_organization_id).await?;
        replace_co_hosts(&txn, id, &co_hosts).await?;
    }
    let now = Utc::now();
    let mut model = current.clone().into_active_model();
    settings.write(&mut model);
    model.updated_at = Set(now);
    current = model.update(&txn).await?;
    if current.status == CourseStatus::Published {
        seats::expire_offers(&txn, &mut current, now, actor).await?;
        seats::fill_free_seats(&txn, &mut current, now, actor).await?;
    }
    audit_course(&txn, actor, "course.update", Some(&before), &current).await?;
    txn.commit().await?;
    Ok(current)
}

/// How a course closes: its new status, which enrolments are cancelled, and why.
struct Closing {
    to: CourseStatus,
    statuses: &'static [EnrollmentStatus],
    reason: CancellationReason,
    action: &'static str,
}

/// Closes the course: moves it to its new status and cancels its enrolments in the given
/// statuses, giving their seats back. The status change and every cancellation are audited.
async fn close<C: ConnectionTrait>(
    txn: &C,
    actor: &Actor,
    mut current: course::Model,
    closing: Closing,
) -> AppResult<course::Model> {
    let now = Utc::now();
    let before = current.clone();
    let affected = enrollment::Entity::find()
        .filter(enrollment::Column::CourseId.eq(current.id))
        .filter(enrollment::Column::Status.is_in(closing.statuses.iter().copied()))
        .all(txn)
        .await?;
    for enrolment in &affected {
        let cancelled =
            seats::cancel_one(txn, enrolment.id, enrolment.status, closing.reason, now).await?;
        if let Some(after) = &cancelled {
            if seats::HOLDS_SEAT.contains(&enrolment.status) {
                seats::release(txn, &mut current, enrolment.organization_id).await?;
            }
            seats::audit_enrollment(txn, actor, "enrollment.cancel", Some(enrolment), after)
                .await?;
        }
    }
    let mut model = current.clone().into_active_model();
    model.status = Set(closing.to);
    model.updated_at = Set(now);
    let after = model.update(txn).await?;
    audit_course(txn, actor, closing.action, Some(&before), &after).await?;
    Ok(after)
}

/// A step of a course's status machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusChange {
    /// `DRAFT` → `PUBLISHED`: shared with its audience, taking enrolments in its window.
    Publish,
    /// `DRAFT` or `PUBLISHED` → `CANCELLED`: every open enrolment (enrolled, waitlisted,
    /// offered) is cancelled, and participants see why in their enrolment.
    Cancel,
    /// `PUBLISHED` → `COMPLETED`: those still waiting or holding an unclaimed offer are
    /// cancelled; enrolled participants stay enrolled until the host records their
    /// completion.
    Complete,
}

/// Moves a course through its status machine (`INVALID_TRANSITION` from a state the step
/// does not start from). The host's editors and admins only.
#[instrument(skip_all, fields(course = %id, step = ?step))]
pub async fn change_status(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    id: Uuid,
    step: StatusChange,
) -> AppResult<course::Model> {
    use CourseStatus::{Draft, Published};
    find_managed(db, viewer, id).await?;
    let (from, action): (&[CourseStatus], _) = match step {
        StatusChange::Publish => (&[Draft], "publish"),
        StatusChange::Cancel => (&[Draft, Published], "cancel"),
        StatusChange::Complete => (&[Published], "complete"),
    };
    let (txn, current) = seats::begin(db, id, from, action).await?;
    let after = match step {
        StatusChange::Publish => {
            let mut model = current.clone().into_active_model();
            model.status = Set(Published);
            model.updated_at = Set(Utc::now());
            let after = model.update(&txn).await?;
            audit_course(&txn, actor, "course.publish", Some(&current), &after).await?;
            after
        }
        StatusChange::Cancel => {
            let closing = Closing {
                to: CourseStatus::Cancelled,
                statuses: &seats::OPEN,
                reason: CancellationReason::CourseCancelled,
                action: "course.cancel",
            };
            close(&txn, actor, current, closing).await?
        }
        StatusChange::Complete => {
            let closing = Closing {
                to: CourseStatus::Completed,
                statuses: &[EnrollmentStatus::Waitlisted, EnrollmentStatus::Offered],
                reason: CancellationReason::CourseCompleted,
                action: "course.complete",
            };
            close(&txn, actor, current, closing).await?
        }
    };
    txn.commit().await?;
    Ok(after)
}

async fn audit_session<C: ConnectionTrait>(
    txn: &C,
    actor: &Actor,
    action: &'static str,
    host_id: Uuid,
    before: Option<&course_session::Model>,
    after: &course_session::Model,
) -> AppResult<()> {
    let owner = (after.id, host_id);
    audit::record(
        txn,
        actor,
        change(action, "CourseSession", owner, before, after),
    )
    .await
}

/// Adds a session to a draft or published course.
#[instrument(skip_all, fields(course = %course_id))]
pub async fn add_session(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    course_id: Uuid,
    session: SessionSettings,
) -> AppResult<(course_session::Model, course::Model)> {
    find_managed(db, viewer, course_id).await?;
    let session = session.normalized();
    session.check("")?;
    let editable = [CourseStatus::Draft, CourseStatus::Published];
    let (txn, mut course) = seats::begin(db, course_id, &editable, "add a session to").await?;
    let existing = course_session::Entity::find()
        .filter(course_session::Column::CourseId.eq(course_id))
        .count(&txn)
        .await?;
    if existing >= MAX_SESSIONS as u64 {
        return Err(CourseRule::invalid(
            "courseId",
            Problem::TooMany { max: MAX_SESSIONS },
        ));
    }
    let now = Utc::now();
    let created = course_session::ActiveModel {
        id: Set(Uuid::now_v7()),
        course_id: Set(course_id),
        starts_at: Set(session.starts_at),
        ends_at: Set(session.ends_at),
        venue: Set(session.venue),
        online: Set(session.online),
        note: Set(session.note),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    refresh_starts_at(&txn, &mut course).await?;
    audit_session(
        &txn,
        actor,
        "course_session.create",
        course.host_organization_id,
        None,
        &created,
    )
    .await?;
    txn.commit().await?;
    Ok((created, course))
}

/// Changes a session of a draft or published course.
#[instrument(skip_all, fields(session = %session_id))]
pub async fn update_session(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    session_id: Uuid,
    patch: SessionPatch,
) -> AppResult<(course_session::Model, course::Model)> {
    access::ensure_signed_in(viewer)?;
    let found = course_session::Entity::find_by_id(session_id)
        .one(db)
        .await?
        .ok_or(AppError::not_found("CourseSession"))?;
    // A session is as visible as its course.
    let course_id = found.course_id;
    find_managed(db, viewer, course_id)
        .await
        .map_err(|error| match error {
            AppError::NotFound { .. } => AppError::not_found("CourseSession"),
            other => other,
        })?;
    let editable = [CourseStatus::Draft, CourseStatus::Published];
    let (txn, mut course) = seats::begin(db, course_id, &editable, "change a session of").await?;
    let before = course_session::Entity::find_by_id(session_id)
        .one(&txn)
        .await?
        .ok_or(AppError::not_found("CourseSession"))?;
    let settings = patch.apply(SessionSettings::of(&before));
    settings.check("")?;
    let mut model = before.clone().into_active_model();
    model.starts_at = Set(settings.starts_at);
    model.ends_at = Set(settings.ends_at);
    model.venue = Set(settings.venue);
    model.online = Set(settings.online);
    model.note = Set(settings.note);
    model.updated_at = Set(Utc::now());
    let after = model.update(&txn).await?;
    refresh_starts_at(&txn, &mut course).await?;
    audit_session(
        &txn,
        actor,
        "course_session.update",
        course.host_organization_id,
        Some(&before),
        &after,
    )
    .await?;
    txn.commit().await?;
    Ok((after, course))
}

/// The filter of `courses(filter:)`, checked.
#[derive(Clone, Debug, Default)]
pub struct CourseFilter {
    /// Folded search text, matched against title and summary.
    pub search: Option<String>,
    /// Courses teaching any of these.
    pub skill_areas: Vec<SkillArea>,
    /// Courses for any of these.
    pub job_grades: Vec<JobGrade>,
    pub formats: Vec<CourseFormat>,
    pub levels: Vec<i32>,
    /// Hosted by this prefecture or one of its municipalities.
    pub host_prefecture: Option<OrgCode>,
    /// Hosted by this organisation.
    pub host: Option<OrgCode>,
    /// Published with the window open now (true), or not (false).
    pub open_for_enrolment: Option<bool>,
    /// First session at or after.
    pub starts_after: Option<DateTime<Utc>>,
    /// First session before.
    pub starts_before: Option<DateTime<Utc>>,
    /// Only these statuses (default: every status the viewer may see).
    pub statuses: Vec<CourseStatus>,
}

/// The raw filter as the client sent it.
#[derive(Clone, Debug, Default)]
pub struct CourseFilterInput {
    pub search: Option<String>,
    pub skill_areas: Option<Vec<SkillArea>>,
    pub job_grades: Option<Vec<JobGrade>>,
    pub formats: Option<Vec<CourseFormat>>,
    pub levels: Option<Vec<i32>>,
    pub host_prefecture_code: Option<String>,
    pub host_organization_code: Option<String>,
    pub open_for_enrolment: Option<bool>,
    pub starts_after: Option<DateTime<Utc>>,
    pub starts_before: Option<DateTime<Utc>>,
    pub statuses: Option<Vec<CourseStatus>>,
}

/// `CAST(column AS TEXT) LIKE '%"VALUE"%'`: the JSON array of strings holds `value`. Both
/// databases print such an array with the strings in double quotes, and the quotes keep
/// one value from matching inside another.
fn json_array_holds(column: course::Column, value: &impl serde::Serialize) -> SimpleExpr {
    let quoted = serde_json::to_string(value).unwrap_or_default();
    let pattern = format!("%{}%", text::like_escape(&quoted));
    SimpleExpr::from(Func::cast_as(Expr::col(column), "TEXT"))
        .like(LikeExpr::new(pattern).escape('\\'))
}

impl CourseFilter {
    /// Checks the raw filter.
    pub fn parse(input: CourseFilterInput) -> AppResult<Self> {
        let search = match input.search {
            None => None,
            Some(raw) => {
                text::check_line("filter.search", &raw, MAX_SEARCH)?;
                Some(text::fold(&raw)).filter(|s| !s.is_empty())
            }
        };
        let levels = input.levels.unwrap_or_default();
        for (i, level) in levels.iter().enumerate() {
            range(&format!("filter.levels.{i}"), i64::from(*level), 1, 5)?;
        }
        let host_prefecture = match input.host_prefecture_code {
            None => None,
            Some(raw) => {
                let field = "filter.hostPrefectureCode";
                let code = OrgCode::parse(field, &raw)?;
                let prefecture = code
                    .prefecture_code()
                    .ok_or_else(|| AppError::invalid(field, Invalid::OrgCodeFormat))?;
                Some(OrgCode::parse(field, &prefecture)?)
            }
        };
        let host = input
            .host_organization_code
            .map(|raw| OrgCode::parse("filter.hostOrganizationCode", &raw))
            .transpose()?;
        if let (Some(after), Some(before)) = (input.starts_after, input.starts_before)
            && before <= after
        {
            return Err(CourseRule::invalid(
                "filter.startsBefore",
                Problem::NotAfter {
                    other: "startsAfter",
                },
            ));
        }
        Ok(Self {
            search,
            skill_areas: input.skill_areas.unwrap_or_default(),
            job_grades: input.job_grades.unwrap_or_default(),
            formats: input.formats.unwrap_or_default(),
            levels,
            host_prefecture,
            host,
            open_for_enrolment: input.open_for_enrolment,
            starts_after: input.starts_after,
            starts_before: input.starts_before,
            statuses: input.statuses.unwrap_or_default(),
        })
    }

    /// The courses the viewer may read that match, as a query (no order, no paging).
    pub fn select(&self, viewer: &Viewer, now: DateTime<Utc>) -> Select<course::Entity> {
        use course::Column;
        let mut condition = Condition::all().add(access::course_readable(viewer));
        if let Some(search) = &self.search {
            let pattern = format!("%{}%", text::like_escape(search));
            condition = condition.add(Column::SearchKey.like(LikeExpr::new(pattern).escape('\\')));
        }
        if !self.skill_areas.is_empty() {
            condition = condition.add(self.skill_areas.iter().fold(Condition::any(), |any, s| {
                any.add(json_array_holds(Column::SkillAreas, s))
            }));
        }
        if !self.job_grades.is_empty() {
            condition = condition.add(self.job_grades.iter().fold(Condition::any(), |any, g| {
                any.add(json_array_holds(Column::JobGrades, g))
            }));
        }
        if !self.formats.is_empty() {
            condition = condition.add(Column::Format.is_in(self.formats.iter().copied()));
        }
        if !self.levels.is_empty() {
            condition = condition.add(Column::Level.is_in(self.levels.iter().copied()));
        }
        if !self.statuses.is_empty() {
            condition = condition.add(Column::Status.is_in(self.statuses.iter().copied()));
        }
        if let Some(code) = &self.host_prefecture {
            let prefecture = Query::select()
                .column(organization::Column::Id)
                .from(organization::Entity)
                .and_where(organization::Column::Code.eq(code.as_str()))
                .to_owned();
            let hosts = Query::select()
                .column(organization::Column::Id)
                .from(organization::Entity)
                .cond_where(
                    Condition::any()
                        .add(organization::Column::Code.eq(code.as_str()))
                        .add(organization::Column::PrefectureId.in_subquery(prefecture)),
                )
                .to_owned();
            condition = condition.add(Column::HostOrganizationId.in_subquery(hosts));
        }
        if let Some(code) = &self.host {
            let host = Query::select()
                .column(organization::Column::Id)
                .from(organization::Entity)
                .and_where(organization::Column::Code.eq(code.as_str()))
                .to_owned();
            condition = condition.add(Column::HostOrganizationId.in_subquery(host));
        }
        if let Some(open) = self.open_for_enrolment {
            let window = Condition::all()
                .add(Column::Status.eq(CourseStatus::Published))
                .add(
                    Condition::any()
                        .add(Column::EnrolmentOpensAt.is_null())
                        .add(Column::EnrolmentOpensAt.lte(now)),
                )
                .add(
                    Condition::any()
                        .add(Column::EnrolmentClosesAt.is_null())
                        .add(Column::EnrolmentClosesAt.gt(now)),
                );
            condition = condition.add(if open { window } else { window.not() });
        }
        if let Some(after) = self.starts_after {
            condition = condition.add(Column::StartsAt.gte(after));
        }
        if let Some(before) = self.starts_before {
            condition = condition.add(Column::StartsAt.lt(before));
        }
        course::Entity::find().filter(condition)
    }
}

/// What courses can be ordered by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CourseOrder {
    /// First session; courses without sessions come last.
    StartsAt,
    Title,
    CreatedAt,
}

/// One page of the courses the viewer may read that match `filter`, and the query they come
/// from (for `totalCount`).
pub async fn page(
    db: &DatabaseConnection,
    viewer: &Viewer,
    filter: &CourseFilter,
    order: CourseOrder,
    descending: bool,
    args: &PageArgs,
) -> AppResult<(Page<course::Model, String>, Select<course::Entity>)> {
    use course::Column;
    let request = args.parse::<String>()?;
    let select = filter.select(viewer, Utc::now());
    let page = match order {
        CourseOrder::StartsAt => {
            let sort = Sort {
                value: Func::coalesce([Expr::col(Column::StartsAt), Expr::value(no_start())])
                    .into(),
                id: Column::Id,
                descending,
            };
            let key = |c: &course::Model| Sorted {
                value: c.starts_at.unwrap_or_else(no_start),
                id: c.id,
            };
            pagination::fetch_ordered_page(db, select.clone(), &sort, key, &request).await?
        }
        CourseOrder::Title => {
            let sort = Sort::by(Column::Title, Column::Id, descending);
            let key = |c: &course::Model| Sorted {
                value: c.title.clone(),
                id: c.id,
            };
            pagination::fetch_ordered_page(db, select.clone(), &sort, key, &request).await?
        }
        CourseOrder::CreatedAt => {
            let sort = Sort::by(Column::CreatedAt, Column::Id, descending);
            let key = |c: &course::Model| Sorted {
                value: c.created_at,
                id: c.id,
            };
            pagination::fetch_ordered_page(db, select.clone(), &sort, key, &request).await?
        }
    };
    Ok((page, select))
}

/// The instant courses without sessions sort at: after every real date. (Sorting needs a
/// value that is never NULL: the two databases place NULLs at opposite ends.)
pub fn no_start() -> DateTime<Utc> {
    use chrono::TimeZone;
    Utc.with_ymd_and_hms(9999, 12, 31, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn settings() -> CourseSettings {
        CourseSettings {
            title: "情報セキュリティ基礎研修".into(),
            summary: Some("新規採用職員向け".into()),
            job_grades: vec![JobGrade::NewHire],
            skill_areas: vec![SkillArea::Security],
            level: 1,
            format: CourseFormat::Lecture,
            total_hours: Some(3.0),
            entry_conditions: None,
            capacity: 40,
            seats_per_organization: Some(4),
            enrolment_opens_at: Some(at(1)),
            enrolment_closes_at: Some(at(20)),
            self_enrolment: false,
            fee_rule: FeeRule::Free,
            fee_amount: None,
            offer_claim_hours: 0,
            audience: Audience::Prefecture,
            council_id: None,
            co_host_council_id: None,
        }
    }

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 4, day, 0, 0, 0)
            .single()
            .expect("instant")
    }

    fn field_of(result: AppResult<()>) -> String {
        match result {
            Err(error) => {
                let gql = error.into_graphql(crate::i18n::Lang::En);
                gql.extensions
                    .and_then(|e| e.get("field").cloned())
                    .map(|v| v.to_string().trim_matches('"').to_owned())
                    .unwrap_or_else(|| "<no field>".into())
            }
            Ok(()) => "<accepted>".into(),
        }
    }

    #[test]
    fn good_settings_pass() {
        assert!(settings().check().is_ok());
    }

    #[test]
    fn bad_settings_name_the_field() {
        type Change = Box<dyn Fn(&mut CourseSettings)>;
        let cases: Vec<(&str, Change)> = vec![
            ("title", Box::new(|s| s.title = String::new())),
            ("title", Box::new(|s| s.title = "a\u{0}b".into())),
            ("title", Box::new(|s| s.title = "長".repeat(MAX_TITLE + 1))),
            ("summary", Box::new(|s| s.summary = Some("\u{7}".into()))),
            ("jobGrades", Box::new(|s| s.job_grades = vec![])),
            (
                "skillAreas",
                Box::new(|s| s.skill_areas = vec![SkillArea::Rpa, SkillArea::Rpa]),
            ),
            ("level", Box::new(|s| s.level = 6)),
            ("level", Box::new(|s| s.level = 0)),
            ("totalHours", Box::new(|s| s.total_hours = Some(-1.0))),
            ("totalHours", Box::new(|s| s.total_hours = Some(f64::NAN))),
            ("capacity", Box::new(|s| s.capacity = 0)),
            (
                "seatsPerOrganization",
                Box::new(|s| s.seats_per_organization = Some(41)),
            ),
            (
                "enrolmentClosesAt",
                Box::new(|s| s.enrolment_closes_at = Some(at(1))),
            ),
            ("feeAmount", Box::new(|s| s.fee_amount = Some(1000))),
            (
                "feeAmount",
                Box::new(|s| s.fee_rule = FeeRule::PerParticipant),
            ),
            (
                "feeAmount",
                Box::new(|s| {
                    s.fee_rule = FeeRule::SplitEvenly;
                    s.fee_amount = Some(-1);
                }),
            ),
            ("offerClaimHours", Box::new(|s| s.offer_claim_hours = -1)),
            (
                "offerClaimHours",
                Box::new(|s| s.offer_claim_hours = MAX_CLAIM_HOURS + 1),
            ),
            ("councilId", Box::new(|s| s.audience = Audience::Council)),
        ];
        for (field, change) in cases {
            let mut s = settings();
            change(&mut s);
            assert_eq!(field_of(s.check()), field, "{s:?}");
        }
    }

    #[test]
    fn patches_change_only_what_they_name_and_can_clear() {
        let patch = CoursePatch {
            title: Some("  改題  ".into()),
            summary: Some(None),
            capacity: Some(10),
            ..Default::default()
        };
        let after = patch.apply(settings());
        assert_eq!(after.title, "改題");
        assert_eq!(after.summary, None);
        assert_eq!(after.capacity, 10);
        assert_eq!(after.skill_areas, settings().skill_areas);
        assert_eq!(CoursePatch::default().apply(settings()), settings());
    }

    #[test]
    fn sessions_end_after_they_start_and_have_a_place() {
        let session = SessionSettings {
            starts_at: at(5),
            ends_at: at(6),
            venue: Some("奈良県庁".into()),
            online: false,
            note: None,
        };
        assert!(session.check("").is_ok());
        let backwards = SessionSettings {
            ends_at: at(5),
            ..session.clone()
        };
        assert_eq!(
            field_of(backwards.check("sessions.0.")),
            "sessions.0.endsAt"
        );
        let nowhere = SessionSettings {
            venue: None,
            ..session.clone()
        };
        assert_eq!(field_of(nowhere.check("")), "venue");
        let online = SessionSettings {
            venue: None,
            online: true,
            ..session
        };
        assert!(online.check("").is_ok());
    }

    #[test]
    fn courses_without_sessions_sort_last() {
        assert!(no_start() > at(1));
        assert_eq!(no_start().format("%Y-%m-%d").to_string(), "9999-12-31");
    }
}
