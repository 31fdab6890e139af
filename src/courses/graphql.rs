//! GraphQL types, queries and mutations of courses and enrolment. Resolvers stay thin: they
//! decode ids, call the area's rules, and load nested fields through the dataloaders.

use async_graphql::connection::Connection;
use async_graphql::dataloader::Loader;
use async_graphql::{
    ComplexObject, Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject,
};
use entity::enums::{
    Audience, CancellationReason, CourseFormat, CourseStatus, EnrollmentStatus, FeeRule, JobGrade,
    SkillArea,
};
use entity::{course, course_attendance, course_session, enrollment};
use uuid::Uuid;

use super::catalogue::{
    self, CourseFilter, CourseFilterInput as RawCourseFilter, CoursePatch, CourseSettings,
    SessionPatch, SessionSettings, StatusChange,
};
use super::costs::{self, Share};
use super::enrolment::{self, CompletionInput, EnrollmentFilter, Outcome, ParticipantInput};
use super::loaders::{
    AttendanceOf, CoHostsOf, CourseId, CourseLoader, EnrollmentId, SessionId, SessionsOf,
    ViewerEnrollmentsIn, WaitlistLengthOf, WaitlistPosition,
};
use super::summary::{self, Tally};
use crate::access;
use crate::error::AppError;
use crate::graphql::pagination::{self, OrderDirection, PageArgs, TotalCount};
use crate::graphql::scalars::{Date, DateTime};
use crate::graphql::{ids, state};
use crate::organizations::graphql::{Council, Organization, council_by_id, organization_by_id};
use crate::organizations::loaders::LoadError;

fn decode(field: &str, type_name: &str, id: &ID) -> Result<Uuid, AppError> {
    ids::decode(field, type_name, id)
}

/// One key of the request's course loader (which applies the viewer's sharing rules).
async fn load<K>(
    ctx: &Context<'_>,
    key: K,
) -> Result<Option<<CourseLoader as Loader<K>>::Value>, AppError>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    CourseLoader: Loader<K, Error = LoadError>,
{
    Ok(state(ctx).courses.load_one(key).await?)
}

/// A list-valued key of the course loader, each item wrapped for the schema.
async fn load_list<K, M, T>(
    ctx: &Context<'_>,
    key: K,
    wrap: impl Fn(M) -> T,
) -> async_graphql::Result<Vec<T>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    CourseLoader: Loader<K, Value = Vec<M>, Error = LoadError>,
{
    let found = load(ctx, key).await?;
    Ok(found.unwrap_or_default().into_iter().map(wrap).collect())
}

/// Loads a course through the viewer's sharing rules (null when not visible).
pub async fn visible_course(ctx: &Context<'_>, id: Uuid) -> Result<Option<Course>, AppError> {
    Ok(load(ctx, CourseId(id)).await?.map(Course))
}

/// Loads a session through its course's sharing rules.
pub async fn visible_session(
    ctx: &Context<'_>,
    id: Uuid,
) -> Result<Option<CourseSession>, AppError> {
    Ok(load(ctx, SessionId(id)).await?.map(CourseSession))
}

/// Loads an enrolment through the viewer's sharing rules.
pub async fn visible_enrollment(
    ctx: &Context<'_>,
    id: Uuid,
) -> Result<Option<Enrollment>, AppError> {
    Ok(load(ctx, EnrollmentId(id)).await?.map(Enrollment))
}

/// 共同研修: a course one organisation hosts and shares with an audience.
#[derive(Clone, Debug)]
pub struct Course(pub course::Model);

/// 共同研修: a course one organisation hosts and shares with an audience; its staff and
/// the staff of the organisations that see it enrol in it.
#[Object]
impl Course {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode("Course", self.0.id)
    }
    /// The course's name, as the host writes it.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// What the course covers, in the host's words.
    async fn summary(&self) -> Option<&str> {
        self.0.summary.as_deref()
    }
    /// The organisation that runs the course (主催).
    async fn host(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organization>> {
        organization_by_id(ctx, Some(self.0.host_organization_id)).await
    }
    /// Organisations that co-host it (共催), by code.
    #[graphql(complexity = "3 * child_complexity + 1")]
    async fn co_hosts(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Organization>> {
        load_list(ctx, CoHostsOf(self.0.id), Organization).await
    }
    /// A council that co-hosts it (e.g. the council whose secretariat runs it).
    async fn co_host_council(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Council>> {
        council_by_id(ctx, self.0.co_host_council_id).await
    }
    /// The job grades it is for.
    async fn job_grades(&self) -> &[JobGrade] {
        &self.0.job_grades.0
    }
    /// What it teaches.
    async fn skill_areas(&self) -> &[SkillArea] {
        &self.0.skill_areas.0
    }
    /// 1 (introductory) to 5 (expert).
    async fn level(&self) -> i32 {
        self.0.level
    }
    /// How it is taught.
    async fn format(&self) -> CourseFormat {
        self.0.format
    }
    /// Hours of the whole course.
    async fn total_hours(&self) -> Option<f64> {
        self.0.total_hours
    }
    /// Who may take part, in the host's words (受講要件).
    async fn entry_conditions(&self) -> Option<&str> {
        self.0.entry_conditions.as_deref()
    }
    /// Seats (定員).
    async fn capacity(&self) -> i32 {
        self.0.capacity
    }
    /// The most seats one organisation may hold; null for no limit.
    async fn seats_per_organization(&self) -> Option<i32> {
        self.0.seats_per_organization
    }
    /// Seats held: enrolled, offered, completed and no-show participants.
    async fn seats_taken(&self) -> i32 {
        self.0.seats_taken
    }
    /// Seats free now. Enrolling when none are free puts you on the waitlist.
    async fn seats_left(&self) -> i32 {
        (self.0.capacity - self.0.seats_taken).max(0)
    }
    /// How many wait for a seat.
    async fn waitlist_length(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        Ok(load(ctx, WaitlistLengthOf(self.0.id)).await?.unwrap_or(0))
    }
    /// When enrolment opens; null: as soon as the course is published.
    async fn enrolment_opens_at(&self) -> Option<DateTime> {
        self.0.enrolment_opens_at.map(DateTime)
    }
    /// When enrolment closes; null: open until the course is completed or cancelled.
    async fn enrolment_closes_at(&self) -> Option<DateTime> {
        self.0.enrolment_closes_at.map(DateTime)
    }
    /// Published, with the enrolment window open now.
    async fn open_for_enrolment(&self) -> bool {
        super::check_window(
            self.0.status,
            self.0.enrolment_opens_at,
            self.0.enrolment_closes_at,
            chrono::Utc::now(),
        )
        .is_ok()
    }
    /// Whether members may enrol themselves; otherwise their coordinator (EDITOR or ADMIN)
    /// enrols them.
    async fn self_enrolment(&self) -> bool {
        self.0.self_enrolment
    }
    /// How the cost is shared (see `costShares`).
    async fn fee_rule(&self) -> FeeRule {
        self.0.fee_rule
    }
    /// Yen: per participant, or the total to split, as the fee rule says.
    async fn fee_amount(&self) -> Option<i64> {
        self.0.fee_amount
    }
    /// Hours a freed seat is held for the first in line before it passes on; 0: the first
    /// in line is enrolled at once.
    async fn offer_claim_hours(&self) -> i32 {
        self.0.offer_claim_hours
    }
    /// Who may see the course and enrol in it.
    async fn audience(&self) -> Audience {
        self.0.audience
    }
    /// The council of a `COUNCIL` audience.
    async fn council(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Council>> {
        council_by_id(ctx, self.0.council_id).await
    }
    /// Where the course is in its life: `DRAFT` → `PUBLISHED` → `COMPLETED`, or `CANCELLED`.
    async fn status(&self) -> CourseStatus {
        self.0.status
    }
    /// Start of the first session.
    async fn starts_at(&self) -> Option<DateTime> {
        self.0.starts_at.map(DateTime)
    }
    /// Sessions, first first.
    #[graphql(complexity = "5 * child_complexity + 1")]
    async fn sessions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CourseSession>> {
        load_list(ctx, SessionsOf(self.0.id), CourseSession).await
    }
    /// Your enrolments in this course: your own, and as a coordinator your organisation's.
    #[graphql(complexity = "5 * child_complexity + 1")]
    async fn viewer_enrollments(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<Enrollment>> {
        load_list(ctx, ViewerEnrollmentsIn(self.0.id), Enrollment).await
    }
    /// Whether you may edit the course, its sessions, and record attendance and completion.
    async fn viewer_can_manage(&self, ctx: &Context<'_>) -> bool {
        access::can_coordinate(&state(ctx).viewer, self.0.host_organization_id)
    }
    /// When the record was created.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// When the record last changed.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

/// One dated session of a course.
#[derive(Clone, Debug)]
pub struct CourseSession(pub course_session::Model);

/// One dated session of a course, at a venue or online.
#[Object]
impl CourseSession {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode("CourseSession", self.0.id)
    }
    /// The course this belongs to (null if it is no longer shared with you).
    async fn course(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Course>> {
        Ok(visible_course(ctx, self.0.course_id).await?)
    }
    /// Start of the session.
    async fn starts_at(&self) -> DateTime {
        DateTime(self.0.starts_at)
    }
    /// End of the session.
    async fn ends_at(&self) -> DateTime {
        DateTime(self.0.ends_at)
    }
    /// Length in hours.
    async fn hours(&self) -> f64 {
        (self.0.ends_at - self.0.starts_at).num_minutes() as f64 / 60.0
    }
    /// Where it is held (null for an online-only session).
    async fn venue(&self) -> Option<&str> {
        self.0.venue.as_deref()
    }
    /// Whether it can be joined online.
    async fn online(&self) -> bool {
        self.0.online
    }
    /// A note from the host (what to bring, recordings, …).
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
}

/// 受講: one participant's place in a course. Seen by the participant, their
/// organisation's coordinators and the host.
#[derive(Clone, Debug)]
pub struct Enrollment(pub enrollment::Model);

/// 受講: one participant's place in a course. Seen by the participant, their
/// organisation's coordinators and the host's editors and admins.
#[Object]
impl Enrollment {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode("Enrollment", self.0.id)
    }
    /// The course (null if it is no longer shared with you).
    async fn course(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Course>> {
        Ok(visible_course(ctx, self.0.course_id).await?)
    }
    /// The participant's organisation.
    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organization>> {
        organization_by_id(ctx, Some(self.0.organization_id)).await
    }
    /// The participant's name: a user's display name, or the name their coordinator gave.
    async fn participant_name(&self) -> &str {
        &self.0.participant_name
    }
    /// The participant's department (所属).
    async fn participant_department(&self) -> Option<&str> {
        self.0.participant_department.as_deref()
    }
    /// The participant's job grade (職層), as given when enrolling.
    async fn participant_job_grade(&self) -> Option<JobGrade> {
        self.0.participant_job_grade
    }
    /// Whether the participant has an account (false for staff named by a coordinator).
    async fn participant_has_account(&self) -> bool {
        self.0.user_id.is_some()
    }
    /// Whether you are the participant.
    async fn viewer_is_participant(&self, ctx: &Context<'_>) -> bool {
        let viewer = &state(ctx).viewer;
        viewer
            .signed_in()
            .is_some_and(|u| self.0.user_id == Some(u.user_id))
    }
    /// Where the participant stands: enrolled, waitlisted, offered a seat, cancelled, completed, or no-show.
    async fn status(&self) -> EnrollmentStatus {
        self.0.status
    }
    /// Place in line, from 1, while `WAITLISTED`.
    async fn waitlist_position(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<i64>> {
        let (EnrollmentStatus::Waitlisted, Some(seq)) = (self.0.status, self.0.waitlist_seq) else {
            return Ok(None);
        };
        let key = WaitlistPosition {
            course_id: self.0.course_id,
            seq,
        };
        Ok(load(ctx, key).await?)
    }
    /// While `OFFERED`: claim the seat (`claimOffer`) before this, or it passes on.
    async fn offer_expires_at(&self) -> Option<DateTime> {
        (self.0.status == EnrollmentStatus::Offered)
            .then_some(self.0.offer_expires_at.map(DateTime))
            .flatten()
    }
    /// Why it was cancelled.
    async fn cancellation_reason(&self) -> Option<CancellationReason> {
        self.0.cancellation_reason
    }
    /// Hours completed (when `COMPLETED`).
    async fn completed_hours(&self) -> Option<f64> {
        self.0.completed_hours
    }
    /// Day of completion (when `COMPLETED`).
    async fn completed_on(&self) -> Option<Date> {
        self.0.completed_on.map(Date)
    }
    /// Attendance the host recorded, by session.
    #[graphql(complexity = "5 * child_complexity + 1")]
    async fn attendance(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Attendance>> {
        load_list(ctx, AttendanceOf(self.0.id), Attendance).await
    }
    /// When the enrolment was made.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// When the record last changed.
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

/// 出欠: whether a participant attended one session.
#[derive(Clone, Debug)]
pub struct Attendance(pub course_attendance::Model);

/// 出欠: whether a participant attended one session.
#[Object]
impl Attendance {
    /// The session.
    async fn session(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<CourseSession>> {
        Ok(visible_session(ctx, self.0.session_id).await?)
    }
    /// Whether the participant was there.
    async fn attended(&self) -> bool {
        self.0.attended
    }
    /// When the host recorded it.
    async fn recorded_at(&self) -> DateTime {
        DateTime(self.0.recorded_at)
    }
}

/// What one organisation pays for a course.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct CostShare {
    #[graphql(skip)]
    organization_id: Uuid,
    /// Participants counted (enrolled, completed, no-show).
    participants: i64,
    /// Yen to pay.
    amount_yen: i64,
}

#[ComplexObject]
impl CostShare {
    /// The participating organisation.
    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organization>> {
        organization_by_id(ctx, Some(self.organization_id)).await
    }
}

impl From<Share> for CostShare {
    fn from(share: Share) -> Self {
        Self {
            organization_id: share.organization_id,
            participants: share.participants,
            amount_yen: share.yen,
        }
    }
}

/// 費用負担: a course's cost split among the participating organisations. Within an even
/// split the leftover yen go one each to the first organisations by code; within a
/// head-count split, to the largest fractions (ties by code), so shares add up exactly.
#[derive(SimpleObject)]
pub struct CostShares {
    fee_rule: FeeRule,
    /// Yen: per participant, or the total to split.
    fee_amount: Option<i64>,
    /// What the participating organisations pay together.
    total_yen: i64,
    /// Whether `shares` lists every participating organisation (for the host's members);
    /// others see their own organisation's share only.
    complete: bool,
    /// By organisation code.
    shares: Vec<CostShare>,
}

/// Completions and hours of one job grade.
#[derive(SimpleObject)]
pub struct JobGradeTally {
    /// Null: the participants' grade was not recorded.
    job_grade: Option<JobGrade>,
    completions: i64,
    /// Different people.
    participants: i64,
    hours: f64,
}

/// Completions and hours of one skill area.
#[derive(SimpleObject)]
pub struct SkillAreaTally {
    skill_area: SkillArea,
    completions: i64,
    participants: i64,
    hours: f64,
}

/// 研修実績: an organisation's training figures for one fiscal year.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct TrainingSummary {
    #[graphql(skip)]
    organization_id: Uuid,
    /// 年度 (April to March), named by the year it starts in.
    fiscal_year: i32,
    /// Whether a prefecture's figures include its municipalities' staff.
    includes_municipalities: bool,
    /// Courses completed.
    completions: i64,
    /// Different people who completed at least one course.
    participants: i64,
    /// Hours completed.
    hours: f64,
    /// Digital promotion leaders trained: people who completed a leader course or were
    /// enrolled at the leader grade, each counted once.
    leaders_trained: i64,
    /// By the participant's job grade.
    by_job_grade: Vec<JobGradeTally>,
    /// By skill area; a course teaching several areas counts under each.
    by_skill_area: Vec<SkillAreaTally>,
}

#[ComplexObject]
impl TrainingSummary {
    /// The organisation the figures are for.
    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organization>> {
        organization_by_id(ctx, Some(self.organization_id)).await
    }
}

impl From<summary::TrainingSummary> for TrainingSummary {
    fn from(s: summary::TrainingSummary) -> Self {
        let Tally {
            completions,
            participants,
            hours,
        } = s.figures.total;
        Self {
            organization_id: s.organization.id,
            fiscal_year: s.fiscal_year,
            includes_municipalities: s.includes_municipalities,
            completions,
            participants,
            hours,
            leaders_trained: s.figures.leaders_trained,
            by_job_grade: s
                .figures
                .by_job_grade
                .into_iter()
                .map(|(job_grade, t)| JobGradeTally {
                    job_grade,
                    completions: t.completions,
                    participants: t.participants,
                    hours: t.hours,
                })
                .collect(),
            by_skill_area: s
                .figures
                .by_skill_area
                .into_iter()
                .map(|(skill_area, t)| SkillAreaTally {
                    skill_area,
                    completions: t.completions,
                    participants: t.participants,
                    hours: t.hours,
                })
                .collect(),
        }
    }
}

/// Filter of `courses`. Lists combine with OR inside a field and AND across fields.
#[derive(InputObject, Default)]
pub struct CourseFilterInput {
    /// Words of the title or summary, in any kana or width.
    search: Option<String>,
    /// Courses teaching any of these.
    skill_areas: Option<Vec<SkillArea>>,
    /// Courses for any of these job grades.
    job_grades: Option<Vec<JobGrade>>,
    formats: Option<Vec<CourseFormat>>,
    /// Levels 1–5.
    levels: Option<Vec<i32>>,
    /// Courses hosted in this prefecture (by the prefecture or one of its municipalities);
    /// a municipality's code selects its prefecture.
    host_prefecture_code: Option<String>,
    /// Courses hosted by this organisation.
    host_organization_code: Option<String>,
    /// True: published with the enrolment window open now. False: the others.
    open_for_enrolment: Option<bool>,
    /// First session at or after this instant.
    starts_after: Option<DateTime>,
    /// First session before this instant.
    starts_before: Option<DateTime>,
    /// Only these statuses (drafts are only ever listed to their host's editors).
    statuses: Option<Vec<CourseStatus>>,
}

impl From<CourseFilterInput> for RawCourseFilter {
    fn from(f: CourseFilterInput) -> Self {
        Self {
            search: f.search,
            skill_areas: f.skill_areas,
            job_grades: f.job_grades,
            formats: f.formats,
            levels: f.levels,
            host_prefecture_code: f.host_prefecture_code,
            host_organization_code: f.host_organization_code,
            open_for_enrolment: f.open_for_enrolment,
            starts_after: f.starts_after.map(|t| t.0),
            starts_before: f.starts_before.map(|t| t.0),
            statuses: f.statuses,
        }
    }
}

/// What `courses` can be ordered by.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CourseOrderField {
    /// First session (courses without sessions last).
    #[default]
    StartsAt,
    Title,
    CreatedAt,
}

/// Order of `courses`.
#[derive(InputObject)]
pub struct CourseOrder {
    field: CourseOrderField,
    /// Default `ASC`.
    #[graphql(default_with = "OrderDirection::Asc")]
    direction: OrderDirection,
}

/// Filter of `enrollments`.
#[derive(InputObject, Default)]
pub struct EnrollmentFilterInput {
    course_id: Option<ID>,
    /// The participants' organisation.
    organization_code: Option<String>,
    status: Option<EnrollmentStatus>,
}

/// What `enrollments` can be ordered by.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum EnrollmentOrderField {
    /// When the enrolment was made.
    #[default]
    CreatedAt,
    /// Place in line (those not waiting come after).
    WaitlistPosition,
    ParticipantName,
}

/// Order of `enrollments`.
#[derive(InputObject)]
pub struct EnrollmentOrder {
    field: EnrollmentOrderField,
    /// Default `ASC`.
    #[graphql(default_with = "OrderDirection::Asc")]
    direction: OrderDirection,
}

/// The queries of courses and enrolment.
#[derive(Default)]
pub struct CoursesQuery;

#[Object]
impl CoursesQuery {
    /// One course by id; null when it does not exist or is not shared with you.
    async fn course(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Course>> {
        let id = decode("id", "Course", &id)?;
        Ok(visible_course(ctx, id).await?)
    }

    /// Courses shared with you, by first session unless ordered otherwise.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity + 1")]
    #[expect(clippy::too_many_arguments, reason = "Relay connection arguments")]
    async fn courses(
        &self,
        ctx: &Context<'_>,
        filter: Option<CourseFilterInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        order_by: Option<CourseOrder>,
    ) -> async_graphql::Result<Connection<String, Course, TotalCount>> {
        let s = state(ctx);
        let filter = CourseFilter::parse(filter.unwrap_or_default().into())?;
        let (field, direction) = order_by.map_or((Default::default(), OrderDirection::Asc), |o| {
            (o.field, o.direction)
        });
        let order = match field {
            CourseOrderField::StartsAt => catalogue::CourseOrder::StartsAt,
            CourseOrderField::Title => catalogue::CourseOrder::Title,
            CourseOrderField::CreatedAt => catalogue::CourseOrder::CreatedAt,
        };
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let (page, select) = catalogue::page(
            &s.db,
            &s.viewer,
            &filter,
            order,
            direction == OrderDirection::Desc,
            &args,
        )
        .await?;
        Ok(pagination::into_connection(
            page,
            TotalCount::of(select),
            Course,
        ))
    }

    /// Enrolments you may see: your own, your organisation's as a coordinator, and those of
    /// courses your organisation hosts as its editor or admin. Oldest first unless ordered
    /// otherwise.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity + 1")]
    #[expect(clippy::too_many_arguments, reason = "Relay connection arguments")]
    async fn enrollments(
        &self,
        ctx: &Context<'_>,
        filter: Option<EnrollmentFilterInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        order_by: Option<EnrollmentOrder>,
    ) -> async_graphql::Result<Connection<String, Enrollment, TotalCount>> {
        let s = state(ctx);
        let f = filter.unwrap_or_default();
        let course_id = f
            .course_id
            .as_ref()
            .map(|id| decode("filter.courseId", "Course", id))
            .transpose()?;
        let filter = EnrollmentFilter::parse(course_id, f.organization_code.as_deref(), f.status)?;
        let (field, direction) = order_by.map_or((Default::default(), OrderDirection::Asc), |o| {
            (o.field, o.direction)
        });
        let order = match field {
            EnrollmentOrderField::CreatedAt => enrolment::EnrollmentOrder::CreatedAt,
            EnrollmentOrderField::WaitlistPosition => enrolment::EnrollmentOrder::WaitlistPosition,
            EnrollmentOrderField::ParticipantName => enrolment::EnrollmentOrder::ParticipantName,
        };
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let (page, select) = enrolment::page(
            &s.db,
            &s.viewer,
            &filter,
            order,
            direction == OrderDirection::Desc,
            &args,
        )
        .await?;
        Ok(pagination::into_connection(
            page,
            TotalCount::of(select),
            Enrollment,
        ))
    }

    /// What each participating organisation pays for a course under its fee rule.
    async fn cost_shares(
        &self,
        ctx: &Context<'_>,
        course_id: ID,
    ) -> async_graphql::Result<CostShares> {
        let s = state(ctx);
        let id = decode("courseId", "Course", &course_id)?;
        let found = costs::cost_shares(&s.db, &s.viewer, id).await?;
        Ok(CostShares {
            fee_rule: found.rule,
            fee_amount: found.fee_amount,
            total_yen: found.total_yen,
            complete: found.complete,
            shares: found.shares.into_iter().map(CostShare::from).collect(),
        })
    }

    /// An organisation's training figures for a fiscal year (年度): completions and hours by
    /// job grade and skill area, and leaders trained. For its own members and, for a
    /// municipality, its prefecture's staff.
    async fn training_summary(
        &self,
        ctx: &Context<'_>,
        organization_code: String,
        fiscal_year: i32,
        #[graphql(
            desc = "For a prefecture: count its municipalities' staff with its own \
                          (default false)."
        )]
        include_municipalities: Option<bool>,
    ) -> async_graphql::Result<TrainingSummary> {
        let s = state(ctx);
        let found = summary::training_summary(
            &s.db,
            &s.viewer,
            &organization_code,
            fiscal_year,
            include_municipalities.unwrap_or(false),
        )
        .await?;
        Ok(found.into())
    }
}

/// A session as `createCourse` and `addCourseSession` take it.
#[derive(InputObject)]
pub struct SessionInput {
    /// Start of the session.
    starts_at: DateTime,
    /// Must be later than `startsAt`.
    ends_at: DateTime,
    /// Required unless `online` (up to 200 characters).
    venue: Option<String>,
    /// Whether it can be joined online (default false).
    #[graphql(default)]
    online: bool,
    /// A note for participants (up to 1,000 characters).
    note: Option<String>,
}

impl From<SessionInput> for SessionSettings {
    fn from(s: SessionInput) -> Self {
        Self {
            starts_at: s.starts_at.0,
            ends_at: s.ends_at.0,
            venue: s.venue,
            online: s.online,
            note: s.note,
        }
    }
}

/// A new course, created as a `DRAFT` hosted by your organisation.
#[derive(InputObject)]
pub struct CreateCourseInput {
    /// Up to 200 characters, one line.
    title: String,
    /// What the course covers (up to 4,000 characters).
    summary: Option<String>,
    /// The job grades it is for (at least one).
    job_grades: Vec<JobGrade>,
    /// What it teaches (at least one).
    skill_areas: Vec<SkillArea>,
    /// 1 (introductory) to 5 (expert).
    level: i32,
    /// How it is taught.
    format: CourseFormat,
    /// Hours of the whole course; completions default to them.
    total_hours: Option<f64>,
    /// Who may take part, in your words (up to 2,000 characters).
    entry_conditions: Option<String>,
    /// Seats, 1 to 10,000.
    capacity: i32,
    /// At most this many seats per organisation (1 to the capacity); null for no limit.
    seats_per_organization: Option<i32>,
    /// When enrolment opens (default: on publishing).
    enrolment_opens_at: Option<DateTime>,
    /// Must be later than `enrolmentOpensAt`.
    enrolment_closes_at: Option<DateTime>,
    /// Whether members may enrol themselves (default: only coordinators enrol).
    #[graphql(default)]
    self_enrolment: bool,
    #[graphql(default_with = "FeeRule::Free")]
    /// How the cost is shared (default `FREE`).
    fee_rule: FeeRule,
    /// Yen; required unless the course is free.
    fee_amount: Option<i64>,
    /// Hours a freed seat is held for the first in line (0 to 720; 0 enrols them at once).
    #[graphql(default)]
    offer_claim_hours: i32,
    /// Who may see the course and enrol in it.
    audience: Audience,
    /// Required when the audience is `COUNCIL`: a council your organisation belongs to.
    council_id: Option<ID>,
    /// A council co-hosting the course (one your organisation belongs to).
    co_host_council_id: Option<ID>,
    /// Co-hosting organisations, by code.
    co_host_codes: Option<Vec<String>>,
    /// The sessions, if already known (up to 100).
    sessions: Option<Vec<SessionInput>>,
}

/// Changes to a course: fields left out keep their value; `null` clears an optional one.
#[derive(InputObject)]
pub struct UpdateCourseInput {
    /// The course to change.
    id: ID,
    title: Option<String>,
    summary: MaybeUndefined<String>,
    job_grades: Option<Vec<JobGrade>>,
    skill_areas: Option<Vec<SkillArea>>,
    level: Option<i32>,
    format: Option<CourseFormat>,
    total_hours: MaybeUndefined<f64>,
    entry_conditions: MaybeUndefined<String>,
    /// Not below the seats already taken; more seats go to the people in line.
    capacity: Option<i32>,
    seats_per_organization: MaybeUndefined<i32>,
    enrolment_opens_at: MaybeUndefined<DateTime>,
    enrolment_closes_at: MaybeUndefined<DateTime>,
    self_enrolment: Option<bool>,
    fee_rule: Option<FeeRule>,
    fee_amount: MaybeUndefined<i64>,
    offer_claim_hours: Option<i32>,
    audience: Option<Audience>,
    council_id: MaybeUndefined<ID>,
    co_host_council_id: MaybeUndefined<ID>,
    /// Replaces the co-hosting organisations.
    co_host_codes: Option<Vec<String>>,
}

fn optional_id(field: &str, type_name: &str, id: Option<&ID>) -> Result<Option<Uuid>, AppError> {
    id.map(|id| decode(field, type_name, id)).transpose()
}

fn patch_id(
    field: &str,
    type_name: &str,
    id: MaybeUndefined<ID>,
) -> Result<Option<Option<Uuid>>, AppError> {
    Option::<Option<ID>>::from(id)
        .map(|inner| optional_id(field, type_name, inner.as_ref()))
        .transpose()
}

fn patch_time(value: MaybeUndefined<DateTime>) -> Option<Option<chrono::DateTime<chrono::Utc>>> {
    Option::<Option<DateTime>>::from(value).map(|inner| inner.map(|t| t.0))
}

/// Names a course.
#[derive(InputObject)]
pub struct CourseIdInput {
    /// The course.
    id: ID,
}

/// The course a mutation changed.
#[derive(SimpleObject)]
pub struct CoursePayload {
    /// The course as it now is.
    course: Course,
}

/// A session to add to a course.
#[derive(InputObject)]
pub struct AddCourseSessionInput {
    /// The course.
    course_id: ID,
    session: SessionInput,
}

/// Changes to a session: fields left out keep their value; `null` clears an optional one.
#[derive(InputObject)]
pub struct UpdateCourseSessionInput {
    /// The session to change.
    id: ID,
    starts_at: Option<DateTime>,
    ends_at: Option<DateTime>,
    venue: MaybeUndefined<String>,
    online: Option<bool>,
    note: MaybeUndefined<String>,
}

/// The session a mutation changed, and its course.
#[derive(SimpleObject)]
pub struct CourseSessionPayload {
    /// The session as it now is.
    session: CourseSession,
    /// Its course (with `startsAt` updated).
    course: Course,
}

/// Who to enrol. Leave out `userId` and `name` to enrol yourself (where the course allows
/// members to enrol themselves). Coordinators give `userId` for a colleague with an
/// account, or `name` for a staff member without one.
#[derive(InputObject, Default)]
#[graphql(name = "ParticipantInput")]
pub struct ParticipantInputObject {
    /// A user of your organisation.
    user_id: Option<ID>,
    /// A staff member of your organisation without an account.
    name: Option<String>,
    department: Option<String>,
    job_grade: Option<JobGrade>,
}

/// An enrolment to make.
#[derive(InputObject)]
pub struct EnrollInput {
    /// The course.
    course_id: ID,
    /// Who to enrol (default: yourself).
    participant: Option<ParticipantInputObject>,
}

/// The result of `enroll`. A full course is not an error: the enrolment is `WAITLISTED`
/// and `waitlistPosition` says where in line it stands.
#[derive(SimpleObject)]
pub struct EnrollPayload {
    /// The new enrolment.
    enrollment: Enrollment,
    /// `ENROLLED` or `WAITLISTED`.
    status: EnrollmentStatus,
    /// Place in line when waitlisted, from 1.
    waitlist_position: Option<i64>,
    /// The course with its seats after this enrolment.
    course: Course,
}

/// Names an enrolment.
#[derive(InputObject)]
pub struct EnrollmentIdInput {
    /// The enrolment.
    id: ID,
}

/// The enrolment a mutation changed.
#[derive(SimpleObject)]
pub struct EnrollmentPayload {
    /// The enrolment as it now is.
    enrollment: Enrollment,
}

/// Attendance of one participant at one session.
#[derive(InputObject)]
pub struct RecordAttendanceInput {
    /// An enrolment that holds or held a seat.
    enrollment_id: ID,
    /// A session of its course.
    session_id: ID,
    /// Whether the participant was there.
    attended: bool,
}

/// The attendance recorded and its enrolment.
#[derive(SimpleObject)]
pub struct AttendancePayload {
    /// The attendance recorded.
    attendance: Attendance,
    /// Its enrolment.
    enrollment: Enrollment,
}

/// How an enrolled participant's course ended.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CompletionOutcome {
    #[default]
    Completed,
    NoShow,
}

/// Completion of one participant, as the host records it.
#[derive(InputObject)]
pub struct RecordCompletionInput {
    /// An enrolment that holds or held a seat.
    enrollment_id: ID,
    /// Completed (default) or did not attend.
    #[graphql(default)]
    outcome: CompletionOutcome,
    /// Hours completed (default: the course's total hours). Not for `NO_SHOW`.
    hours: Option<f64>,
    /// Day of completion (default: today, Japan time; not in the future). Not for `NO_SHOW`.
    completed_on: Option<Date>,
}

/// A step of the course status machine, as a mutation.
async fn change_status(
    ctx: &Context<'_>,
    input: CourseIdInput,
    step: StatusChange,
) -> async_graphql::Result<CoursePayload> {
    let s = state(ctx);
    let id = decode("id", "Course", &input.id)?;
    let course = catalogue::change_status(&s.db, &s.viewer, &s.actor(), id, step).await?;
    Ok(CoursePayload {
        course: Course(course),
    })
}

/// The mutations of courses and enrolment.
#[derive(Default)]
pub struct CoursesMutation;

#[Object]
impl CoursesMutation {
    /// Creates a course as a `DRAFT` hosted by your organisation (editors and admins).
    async fn create_course(
        &self,
        ctx: &Context<'_>,
        input: CreateCourseInput,
    ) -> async_graphql::Result<CoursePayload> {
        let s = state(ctx);
        let settings = CourseSettings {
            title: input.title,
            summary: input.summary,
            job_grades: input.job_grades,
            skill_areas: input.skill_areas,
            level: input.level,
            format: input.format,
            total_hours: input.total_hours,
            entry_conditions: input.entry_conditions,
            capacity: input.capacity,
            seats_per_organization: input.seats_per_organization,
            enrolment_opens_at: input.enrolment_opens_at.map(|t| t.0),
            enrolment_closes_at: input.enrolment_closes_at.map(|t| t.0),
            self_enrolment: input.self_enrolment,
            fee_rule: input.fee_rule,
            fee_amount: input.fee_amount,
            offer_claim_hours: input.offer_claim_hours,
            audience: input.audience,
            council_id: optional_id("councilId", "Council", input.council_id.as_ref())?,
            co_host_council_id: optional_id(
                "coHostCouncilId",
                "Council",
                input.co_host_council_id.as_ref(),
            )?,
        };
        let sessions = input
            .sessions
            .unwrap_or_default()
            .into_iter()
            .map(SessionSettings::from)
            .collect();
        let course = catalogue::create(
            &s.db,
            &s.viewer,
            &s.actor(),
            settings,
            &input.co_host_codes.unwrap_or_default(),
            sessions,
        )
        .await?;
        Ok(CoursePayload {
            course: Course(course),
        })
    }

    /// Changes a draft or published course (the host's editors and admins).
    async fn update_course(
        &self,
        ctx: &Context<'_>,
        input: UpdateCourseInput,
    ) -> async_graphql::Result<CoursePayload> {
        let s = state(ctx);
        let id = decode("id", "Course", &input.id)?;
        let patch = CoursePatch {
            title: input.title,
            summary: input.summary.into(),
            job_grades: input.job_grades,
            skill_areas: input.skill_areas,
            level: input.level,
            format: input.format,
            total_hours: input.total_hours.into(),
            entry_conditions: input.entry_conditions.into(),
            capacity: input.capacity,
            seats_per_organization: input.seats_per_organization.into(),
            enrolment_opens_at: patch_time(input.enrolment_opens_at),
            enrolment_closes_at: patch_time(input.enrolment_closes_at),
            self_enrolment: input.self_enrolment,
            fee_rule: input.fee_rule,
            fee_amount: input.fee_amount.into(),
            offer_claim_hours: input.offer_claim_hours,
            audience: input.audience,
            council_id: patch_id("councilId", "Council", input.council_id)?,
            co_host_council_id: patch_id("coHostCouncilId", "Council", input.co_host_council_id)?,
            co_host_codes: input.co_host_codes,
        };
        let course = catalogue::update(&s.db, &s.viewer, &s.actor(), id, patch).await?;
        Ok(CoursePayload {
            course: Course(course),
        })
    }

    /// `DRAFT` → `PUBLISHED`: shares the course with its audience and opens enrolment
    /// within its window.
    async fn publish_course(
        &self,
        ctx: &Context<'_>,
        input: CourseIdInput,
    ) -> async_graphql::Result<CoursePayload> {
        change_status(ctx, input, StatusChange::Publish).await
    }

    /// `DRAFT` or `PUBLISHED` → `CANCELLED`: every open enrolment is cancelled
    /// (`cancellationReason: COURSE_CANCELLED`).
    async fn cancel_course(
        &self,
        ctx: &Context<'_>,
        input: CourseIdInput,
    ) -> async_graphql::Result<CoursePayload> {
        change_status(ctx, input, StatusChange::Cancel).await
    }

    /// `PUBLISHED` → `COMPLETED`: the waitlist and unclaimed offers are cancelled; enrolled
    /// participants wait for the host to record their completion.
    async fn complete_course(
        &self,
        ctx: &Context<'_>,
        input: CourseIdInput,
    ) -> async_graphql::Result<CoursePayload> {
        change_status(ctx, input, StatusChange::Complete).await
    }

    /// Adds a session to a draft or published course.
    async fn add_course_session(
        &self,
        ctx: &Context<'_>,
        input: AddCourseSessionInput,
    ) -> async_graphql::Result<CourseSessionPayload> {
        let s = state(ctx);
        let id = decode("courseId", "Course", &input.course_id)?;
        let (session, course) =
            catalogue::add_session(&s.db, &s.viewer, &s.actor(), id, input.session.into()).await?;
        Ok(CourseSessionPayload {
            session: CourseSession(session),
            course: Course(course),
        })
    }

    /// Changes a session of a draft or published course.
    async fn update_course_session(
        &self,
        ctx: &Context<'_>,
        input: UpdateCourseSessionInput,
    ) -> async_graphql::Result<CourseSessionPayload> {
        let s = state(ctx);
        let id = decode("id", "CourseSession", &input.id)?;
        let patch = SessionPatch {
            starts_at: input.starts_at.map(|t| t.0),
            ends_at: input.ends_at.map(|t| t.0),
            venue: input.venue.into(),
            online: input.online,
            note: input.note.into(),
        };
        let (session, course) =
            catalogue::update_session(&s.db, &s.viewer, &s.actor(), id, patch).await?;
        Ok(CourseSessionPayload {
            session: CourseSession(session),
            course: Course(course),
        })
    }

    /// Enrols yourself or, as a coordinator, a colleague or named staff member. A full
    /// course waitlists (see the payload); outside the window: `ENROLMENT_CLOSED`; the same
    /// person twice: `CONFLICT`; a member enrolling someone else: `FORBIDDEN`.
    async fn enroll(
        &self,
        ctx: &Context<'_>,
        input: EnrollInput,
    ) -> async_graphql::Result<EnrollPayload> {
        let s = state(ctx);
        let course_id = decode("courseId", "Course", &input.course_id)?;
        let p = input.participant.unwrap_or_default();
        let participant = ParticipantInput {
            user_id: optional_id("participant.userId", "User", p.user_id.as_ref())?,
            name: p.name,
            department: p.department,
            job_grade: p.job_grade,
        };
        let done = enrolment::enroll(&s.db, &s.viewer, &s.actor(), course_id, participant).await?;
        Ok(EnrollPayload {
            status: done.enrollment.status,
            waitlist_position: done.waitlist_position,
            enrollment: Enrollment(done.enrollment),
            course: Course(done.course),
        })
    }

    /// Withdraws an enrolment; a seat it held goes to the first eligible person in line.
    async fn cancel_enrollment(
        &self,
        ctx: &Context<'_>,
        input: EnrollmentIdInput,
    ) -> async_graphql::Result<EnrollmentPayload> {
        let s = state(ctx);
        let id = decode("id", "Enrollment", &input.id)?;
        let enrollment = enrolment::cancel(&s.db, &s.viewer, &s.actor(), id).await?;
        Ok(EnrollmentPayload {
            enrollment: Enrollment(enrollment),
        })
    }

    /// Claims an offered seat before `offerExpiresAt` (`OFFER_EXPIRED` after it).
    async fn claim_offer(
        &self,
        ctx: &Context<'_>,
        input: EnrollmentIdInput,
    ) -> async_graphql::Result<EnrollmentPayload> {
        let s = state(ctx);
        let id = decode("id", "Enrollment", &input.id)?;
        let enrollment = enrolment::claim_offer(&s.db, &s.viewer, &s.actor(), id).await?;
        Ok(EnrollmentPayload {
            enrollment: Enrollment(enrollment),
        })
    }

    /// Records whether a participant attended a session (the host's editors and admins).
    async fn record_attendance(
        &self,
        ctx: &Context<'_>,
        input: RecordAttendanceInput,
    ) -> async_graphql::Result<AttendancePayload> {
        let s = state(ctx);
        let enrollment_id = decode("enrollmentId", "Enrollment", &input.enrollment_id)?;
        let session_id = decode("sessionId", "CourseSession", &input.session_id)?;
        let (attendance, enrollment) = enrolment::record_attendance(
            &s.db,
            &s.viewer,
            &s.actor(),
            enrollment_id,
            session_id,
            input.attended,
        )
        .await?;
        Ok(AttendancePayload {
            attendance: Attendance(attendance),
            enrollment: Enrollment(enrollment),
        })
    }

    /// Records that a participant completed the course, or did not attend (the host's
    /// editors and admins). Completions count in `trainingSummary`.
    async fn record_completion(
        &self,
        ctx: &Context<'_>,
        input: RecordCompletionInput,
    ) -> async_graphql::Result<EnrollmentPayload> {
        let s = state(ctx);
        let id = decode("enrollmentId", "Enrollment", &input.enrollment_id)?;
        let completion = CompletionInput {
            outcome: match input.outcome {
                CompletionOutcome::Completed => Outcome::Completed,
                CompletionOutcome::NoShow => Outcome::NoShow,
            },
            hours: input.hours,
            completed_on: input.completed_on.map(|d| d.0),
        };
        let enrollment =
            enrolment::record_completion(&s.db, &s.viewer, &s.actor(), id, completion).await?;
        Ok(EnrollmentPayload {
            enrollment: Enrollment(enrollment),
        })
    }
}
