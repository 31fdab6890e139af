//! 受講: enrolling, withdrawing, claiming an offered seat, attendance and completion.
//!
//! A participant is a user, or a staff member without an account whom a coordinator names
//! (name, department, job grade). Members enrol themselves where the course allows it;
//! coordinators (editors and admins) enrol their own organisation's staff. One person holds
//! at most one enrolment per course that is not cancelled: a user by their account, a named
//! staff member by their organisation and name (spaces and letter forms folded, so
//! "山田 太郎" and "山田太郎" are one person; namesakes in one organisation need a
//! distinguishing note in the name).

use chrono::{DateTime, Utc};
use entity::enums::{CancellationReason, CourseStatus, EnrollmentStatus, JobGrade};
use entity::{course, course_attendance, course_session, enrollment, organization, user};
use sea_orm::sea_query::{Expr, Func, OnConflict, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, Select, Set, TransactionTrait,
};
use tracing::instrument;
use uuid::Uuid;

use super::{CourseRule, MAX_NAME, Problem, catalogue, check_window, seats};
use crate::access::{self, EnrollmentFacts};
use crate::audit::{self, Actor};
use crate::auth::Viewer;
use crate::auth::viewer::SignedIn;
use crate::error::{AppError, AppResult, Invalid, on_unique_violation};
use crate::graphql::pagination::{self, Page, PageArgs, Sort, Sorted};
use crate::organizations::OrgCode;
use crate::text;

/// Who is to be enrolled, as the request gives it: a user (`user_id`), a named staff member
/// (`name`), or, with neither, the viewer.
#[derive(Clone, Debug, Default)]
pub struct ParticipantInput {
    pub user_id: Option<Uuid>,
    pub name: Option<String>,
    pub department: Option<String>,
    pub job_grade: Option<JobGrade>,
}

/// The participant, resolved and checked.
#[derive(Clone, Debug, PartialEq)]
struct Participant {
    user_id: Option<Uuid>,
    key: String,
    name: String,
    department: Option<String>,
    job_grade: Option<JobGrade>,
}

/// What an enrolment came to.
#[derive(Clone, Debug)]
pub struct Enrolment {
    pub enrollment: enrollment::Model,
    pub course: course::Model,
    /// The place in line when waitlisted, as accepted.
    pub waitlist_position: Option<i64>,
}

/// The key that makes one person one: a user's id, or a named staff member's organisation
/// and folded name without spaces.
pub fn staff_key(organization_id: Uuid, name: &str) -> String {
    let folded: String = text::fold(name).chars().filter(|c| *c != ' ').collect();
    format!("staff:{organization_id}:{folded}")
}

fn user_key(user_id: Uuid) -> String {
    format!("user:{user_id}")
}

/// The facts the sharing rules read about an enrolment.
pub fn facts(enrollment: &enrollment::Model, course: &course::Model) -> EnrollmentFacts {
    EnrollmentFacts {
        participant_user_id: enrollment.user_id,
        organization_id: enrollment.organization_id,
        host_organization_id: course.host_organization_id,
    }
}

fn optional_line(field: &str, value: Option<String>) -> AppResult<Option<String>> {
    let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    if let Some(v) = &value {
        text::check_line(field, v, MAX_NAME)?;
    }
    Ok(value)
}

async fn resolve_participant(
    db: &DatabaseConnection,
    viewer: &Viewer,
    user: &SignedIn,
    course: &course::Model,
    input: ParticipantInput,
) -> AppResult<Participant> {
    let coordinator = access::can_coordinate(viewer, user.organization_id);
    // A blank name is a mistake, not a request to enrol oneself.
    if input.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
        return Err(AppError::invalid("participant.name", Invalid::Empty));
    }
    let department = optional_line("participant.department", input.department)?;
    let name = optional_line("participant.name", input.name)?;
    let account = match (input.user_id, name) {
        (Some(_), Some(_)) => {
            return Err(CourseRule::invalid(
                "participant.name",
                Problem::OneParticipant,
            ));
        }
        (None, Some(name)) => {
            if !coordinator {
                return Err(AppError::rule(CourseRule::OnlyCoordinatorsEnrolOthers));
            }
            return Ok(Participant {
                user_id: None,
                key: staff_key(user.organization_id, &name),
                name,
                department,
                job_grade: input.job_grade,
            });
        }
        (Some(id), None) if id != user.user_id => {
            if !coordinator {
                return Err(AppError::rule(CourseRule::OnlyCoordinatorsEnrolOthers));
            }
            id
        }
        _ => {
            if !course.self_enrolment && !coordinator {
                return Err(AppError::rule(CourseRule::SelfEnrolmentNotAllowed));
            }
            user.user_id
        }
    };
    // Only colleagues: a coordinator enrols their own organisation's staff.
    let found = user::Entity::find_by_id(account)
        .filter(user::Column::OrganizationId.eq(user.organization_id))
        .filter(user::Column::DisabledAt.is_null())
        .one(db)
        .await?
        .ok_or(AppError::not_found("User"))?;
    Ok(Participant {
        user_id: Some(found.id),
        key: user_key(found.id),
        name: found.display_name,
        department,
        job_grade: input.job_grade,
    })
}

/// The error for a course that is no longer open when its lock is taken.
async fn closed<C: ConnectionTrait>(db: &C, course_id: Uuid) -> AppError {
    match course::Entity::find_by_id(course_id).one(db).await {
        Ok(Some(course)) => {
            match check_window(
                course.status,
                course.enrolment_opens_at,
                course.enrolment_closes_at,
                Utc::now(),
            ) {
                Err(rule) => AppError::rule(rule),
                Ok(()) => AppError::not_found("Course"),
            }
        }
        Ok(None) => AppError::not_found("Course"),
        Err(error) => error.into(),
    }
}

/// Enrols a participant in a course. A full course (or an organisation at its cap) puts
/// them on the waitlist: that is an answer, not an error, and says the position.
#[instrument(skip_all, fields(course = %course_id))]
pub async fn enroll(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    course_id: Uuid,
    input: ParticipantInput,
) -> AppResult<Enrolment> {
    let user = access::ensure_signed_in(viewer)?;
    if !access::is_member_of_organization(user) {
        return Err(AppError::Forbidden);
    }
    let course = catalogue::find_visible(db, viewer, course_id).await?;
    let participant = resolve_participant(db, viewer, user, &course, input).await?;
    check_window(
        course.status,
        course.enrolment_opens_at,
        course.enrolment_closes_at,
        Utc::now(),
    )
    .map_err(AppError::rule)?;

    let txn = db.begin().await?;
    let Some(mut course) = seats::lock(&txn, course_id, &[CourseStatus::Published]).await? else {
        return Err(closed(&txn, course_id).await);
    };
    let now = Utc::now();
    check_window(
        course.status,
        course.enrolment_opens_at,
        course.enrolment_closes_at,
        now,
    )
    .map_err(AppError::rule)?;
    // Lapsed offers go first: a person whose offer lapsed may enrol again, and their seat
    // belongs to the people already in line, who come before the newcomer.
    seats::expire_offers(&txn, &mut course, now, actor).await?;
    let duplicate = enrollment::Entity::find()
        .filter(enrollment::Column::CourseId.eq(course_id))
        .filter(enrollment::Column::ParticipantKey.eq(&participant.key))
        .filter(enrollment::Column::Status.ne(EnrollmentStatus::Cancelled))
        .one(&txn)
        .await?;
    if duplicate.is_some() {
        return Err(AppError::Conflict {
            field: "participant".into(),
        });
    }
    seats::fill_free_seats(&txn, &mut course, now, actor).await?;
    let organization_id = user.organization_id;
    let seat = if course.seats_taken < course.capacity {
        seats::take(&txn, &mut course, organization_id).await?
    } else {
        seats::Seat::CourseFull
    };
    let (status, waitlist_seq) = match seat {
        seats::Seat::Taken => (EnrollmentStatus::Enrolled, None),
        _ => (EnrollmentStatus::Waitlisted, Some(course.revision)),
    };
    let created = enrollment::Entity::insert(enrollment::ActiveModel {
        id: Set(Uuid::now_v7()),
        course_id: Set(course_id),
        organization_id: Set(organization_id),
        user_id: Set(participant.user_id),
        participant_key: Set(participant.key),
        participant_name: Set(participant.name),
        participant_department: Set(participant.department),
        participant_job_grade: Set(participant.job_grade),
        status: Set(status),
        waitlist_seq: Set(waitlist_seq),
        offer_expires_at: Set(None),
        completed_hours: Set(None),
        completed_on: Set(None),
        enrolled_by_user_id: Set(Some(user.user_id)),
        created_at: Set(now),
        updated_at: Set(now),
        cancellation_reason: Set(None),
    })
    .exec_with_returning(&txn)
    .await
    .map_err(|e| on_unique_violation(e, "participant"))?;
    let waitlist_position = match waitlist_seq {
        Some(seq) => Some(seats::waitlist_position(&txn, course_id, seq).await?),
        None => None,
    };
    seats::audit_enrollment(&txn, actor, "enrollment.create", None, &created).await?;
    txn.commit().await?;
    Ok(Enrolment {
        enrollment: created,
        course,
        waitlist_position,
    })
}

/// One enrolment the viewer may read, with its course; `NOT_FOUND` otherwise.
pub async fn find_visible<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<(enrollment::Model, course::Model)> {
    let not_found = || AppError::not_found("Enrollment");
    let (found, course) = enrollment::Entity::find_by_id(id)
        .filter(access::enrollment_readable(viewer))
        .find_also_related(course::Entity)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    Ok((found, course.ok_or_else(not_found)?))
}

/// Re-reads the enrolment inside the transaction, after the lock.
async fn current<C: ConnectionTrait>(txn: &C, id: Uuid) -> AppResult<enrollment::Model> {
    enrollment::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(AppError::not_found("Enrollment"))
}

fn enrollment_status_name(status: EnrollmentStatus) -> &'static str {
    match status {
        EnrollmentStatus::Enrolled => "ENROLLED",
        EnrollmentStatus::Waitlisted => "WAITLISTED",
        EnrollmentStatus::Offered => "OFFERED",
        EnrollmentStatus::Cancelled => "CANCELLED",
        EnrollmentStatus::Completed => "COMPLETED",
        EnrollmentStatus::NoShow => "NO_SHOW",
    }
}

fn invalid_transition(action: &'static str, status: EnrollmentStatus) -> AppError {
    AppError::transition("Enrollment", action, enrollment_status_name(status))
}

/// One kind of change to an existing enrolment: who may make it, from which statuses of the
/// enrolment and of its course, and how a refusal is worded.
struct Step {
    /// What `INVALID_TRANSITION` says of the enrolment ("cannot cancel …").
    action: &'static str,
    /// What it says of the course ("cannot cancel an enrolment in …").
    course_action: &'static str,
    may: fn(&Viewer, &EnrollmentFacts) -> bool,
    from: &'static [EnrollmentStatus],
    course: &'static [CourseStatus],
}

/// Statuses for which the host records attendance and completion: those who held a seat.
const ATTENDED: [EnrollmentStatus; 3] = [
    EnrollmentStatus::Enrolled,
    EnrollmentStatus::Completed,
    EnrollmentStatus::NoShow,
];

const WITHDRAW: Step = Step {
    action: "cancel",
    course_action: "cancel an enrolment in",
    may: access::can_cancel_enrollment,
    from: &seats::OPEN,
    course: &[CourseStatus::Published],
};

const CLAIM: Step = Step {
    action: "claim",
    course_action: "claim a seat in",
    may: access::can_act_for_participant,
    from: &[EnrollmentStatus::Offered],
    course: &[CourseStatus::Published],
};

const ATTENDANCE: Step = Step {
    action: "record attendance of",
    course_action: "record attendance in",
    may: access::can_record_outcome,
    from: &ATTENDED,
    course: &[CourseStatus::Published, CourseStatus::Completed],
};

const COMPLETION: Step = Step {
    action: "record completion of",
    course_action: "record completion in",
    may: access::can_record_outcome,
    from: &ATTENDED,
    course: &[CourseStatus::Published, CourseStatus::Completed],
};

/// Begins a change of an enrolment: it must be visible to the viewer (`NOT_FOUND`), the
/// step allowed to them (`FORBIDDEN`), and the enrolment in one of the step's statuses both
/// before and after the course's lock is taken (`INVALID_TRANSITION`). Returns the
/// transaction, the enrolment as it now is, and its course.
async fn begin(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
    step: &Step,
) -> AppResult<(DatabaseTransaction, enrollment::Model, course::Model)> {
    access::ensure_signed_in(viewer)?;
    let (found, course) = find_visible(db, viewer, id).await?;
    if !(step.may)(viewer, &facts(&found, &course)) {
        return Err(AppError::Forbidden);
    }
    if !step.from.contains(&found.status) {
        return Err(invalid_transition(step.action, found.status));
    }
    let (txn, course) = seats::begin(db, course.id, step.course, step.course_action).await?;
    let now = current(&txn, id).await?;
    if !step.from.contains(&now.status) {
        return Err(invalid_transition(step.action, now.status));
    }
    Ok((txn, now, course))
}

/// Moves an enrolment from `from` to a new state in one guarded statement; none when it was
/// no longer in `from`.
async fn set_status<C: ConnectionTrait>(
    txn: &C,
    id: Uuid,
    from: EnrollmentStatus,
    changes: Vec<(enrollment::Column, sea_orm::Value)>,
) -> AppResult<Option<enrollment::Model>> {
    let mut update = enrollment::Entity::update_many()
        .filter(enrollment::Column::Id.eq(id))
        .filter(enrollment::Column::Status.eq(from));
    for (column, value) in changes {
        update = update.col_expr(column, Expr::value(value));
    }
    Ok(update.exec_with_returning(txn).await?.into_iter().next())
}

/// Withdraws an enrolment (enrolled, waitlisted or offered). A seat it held goes to the
/// first eligible person in line. The participant, their coordinators and the host may.
#[instrument(skip_all, fields(enrollment = %id))]
pub async fn cancel(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    id: Uuid,
) -> AppResult<enrollment::Model> {
    let (txn, before, mut course) = begin(db, viewer, id, &WITHDRAW).await?;
    let now = Utc::now();
    let after = seats::cancel_one(&txn, id, before.status, CancellationReason::Withdrawn, now)
        .await?
        .ok_or_else(|| invalid_transition("cancel", before.status))?;
    if seats::HOLDS_SEAT.contains(&before.status) {
        seats::release(&txn, &mut course, before.organization_id).await?;
    }
    seats::audit_enrollment(&txn, actor, "enrollment.cancel", Some(&before), &after).await?;
    seats::expire_offers(&txn, &mut course, now, actor).await?;
    seats::fill_free_seats(&txn, &mut course, now, actor).await?;
    txn.commit().await?;
    Ok(after)
}

/// Claims an offered seat before its deadline: the participant becomes enrolled.
#[instrument(skip_all, fields(enrollment = %id))]
pub async fn claim_offer(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    id: Uuid,
) -> AppResult<enrollment::Model> {
    let (txn, before, mut course) = begin(db, viewer, id, &CLAIM).await?;
    let now = Utc::now();
    if let Some(deadline) = before.offer_expires_at
        && deadline <= now
    {
        // Rolled back with the rest: the sweep (or the course's next enrolment) passes the
        // seat on.
        return Err(AppError::rule(CourseRule::OfferExpired {
            expired_at: deadline,
        }));
    }
    let after = set_status(
        &txn,
        id,
        EnrollmentStatus::Offered,
        vec![
            (
                enrollment::Column::Status,
                EnrollmentStatus::Enrolled.into(),
            ),
            (
                enrollment::Column::OfferExpiresAt,
                Option::<DateTime<Utc>>::None.into(),
            ),
            (enrollment::Column::UpdatedAt, now.into()),
        ],
    )
    .await?
    .ok_or_else(|| invalid_transition("claim", before.status))?;
    seats::audit_enrollment(&txn, actor, "enrollment.claim", Some(&before), &after).await?;
    seats::expire_offers(&txn, &mut course, now, actor).await?;
    seats::fill_free_seats(&txn, &mut course, now, actor).await?;
    txn.commit().await?;
    Ok(after)
}

/// Records whether an enrolled participant attended one session of the course. The host's
/// editors and admins only; recording again corrects the record.
#[instrument(skip_all, fields(enrollment = %enrollment_id, session = %session_id))]
pub async fn record_attendance(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    enrollment_id: Uuid,
    session_id: Uuid,
    attended: bool,
) -> AppResult<(course_attendance::Model, enrollment::Model)> {
    let (txn, enrolment, course) = begin(db, viewer, enrollment_id, &ATTENDANCE).await?;
    course_session::Entity::find_by_id(session_id)
        .filter(course_session::Column::CourseId.eq(course.id))
        .one(&txn)
        .await?
        .ok_or(AppError::not_found("CourseSession"))?;
    let before = course_attendance::Entity::find_by_id((enrollment_id, session_id))
        .one(&txn)
        .await?;
    let after = course_attendance::Model {
        enrollment_id,
        session_id,
        attended,
        recorded_by_user_id: viewer.signed_in().map(|u| u.user_id),
        recorded_at: Utc::now(),
    };
    course_attendance::Entity::insert(course_attendance::ActiveModel {
        enrollment_id: Set(after.enrollment_id),
        session_id: Set(after.session_id),
        attended: Set(after.attended),
        recorded_by_user_id: Set(after.recorded_by_user_id),
        recorded_at: Set(after.recorded_at),
    })
    .on_conflict(
        OnConflict::columns([
            course_attendance::Column::EnrollmentId,
            course_attendance::Column::SessionId,
        ])
        .update_columns([
            course_attendance::Column::Attended,
            course_attendance::Column::RecordedByUserId,
            course_attendance::Column::RecordedAt,
        ])
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    let owner = (enrollment_id, enrolment.organization_id);
    let change = super::change(
        "enrollment.attendance",
        "Enrollment",
        owner,
        before.as_ref(),
        &after,
    );
    audit::record(&txn, actor, change).await?;
    txn.commit().await?;
    Ok((after, enrolment))
}

/// How an enrolled participant's course ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Completed,
    NoShow,
}

/// Completion as the host records it.
#[derive(Clone, Debug)]
pub struct CompletionInput {
    pub outcome: Outcome,
    /// Hours completed; the course's total hours when not given.
    pub hours: Option<f64>,
    /// The day of completion; today (Japan time) when not given.
    pub completed_on: Option<chrono::NaiveDate>,
}

/// The completion to store: hours and date for `COMPLETED`, neither for `NO_SHOW`.
pub fn completion_values(
    input: &CompletionInput,
    course_hours: Option<f64>,
    today: chrono::NaiveDate,
) -> AppResult<(EnrollmentStatus, Option<f64>, Option<chrono::NaiveDate>)> {
    match input.outcome {
        Outcome::NoShow => {
            if input.hours.is_some() {
                return Err(CourseRule::invalid("hours", Problem::NotForNoShow));
            }
            if input.completed_on.is_some() {
                return Err(CourseRule::invalid("completedOn", Problem::NotForNoShow));
            }
            Ok((EnrollmentStatus::NoShow, None, None))
        }
        Outcome::Completed => {
            let hours = input
                .hours
                .or(course_hours)
                .ok_or_else(|| AppError::invalid("hours", Invalid::Empty))?;
            if !(hours.is_finite() && hours > 0.0 && hours <= super::MAX_HOURS) {
                return Err(AppError::invalid(
                    "hours",
                    Invalid::Range {
                        min: 0,
                        max: super::MAX_HOURS as i64,
                    },
                ));
            }
            let on = input.completed_on.unwrap_or(today);
            if on > today {
                return Err(CourseRule::invalid("completedOn", Problem::InFuture));
            }
            Ok((EnrollmentStatus::Completed, Some(hours), Some(on)))
        }
    }
}

/// Records that an enrolled participant completed the course (with hours and date) or did
/// not attend. The host's editors and admins only; recording again corrects the record.
#[instrument(skip_all, fields(enrollment = %enrollment_id))]
pub async fn record_completion(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    enrollment_id: Uuid,
    input: CompletionInput,
) -> AppResult<enrollment::Model> {
    let (txn, before, course) = begin(db, viewer, enrollment_id, &COMPLETION).await?;
    let today = Utc::now()
        .with_timezone(&crate::fiscal::tokyo())
        .date_naive();
    let (status, hours, on) = completion_values(&input, course.total_hours, today)?;
    let after = set_status(
        &txn,
        enrollment_id,
        before.status,
        vec![
            (enrollment::Column::Status, status.into()),
            (enrollment::Column::CompletedHours, hours.into()),
            (enrollment::Column::CompletedOn, on.into()),
            (enrollment::Column::UpdatedAt, Utc::now().into()),
        ],
    )
    .await?
    .ok_or_else(|| invalid_transition("record completion of", before.status))?;
    let action = if status == EnrollmentStatus::Completed {
        "enrollment.complete"
    } else {
        "enrollment.no_show"
    };
    seats::audit_enrollment(&txn, actor, action, Some(&before), &after).await?;
    txn.commit().await?;
    Ok(after)
}

/// The filter of `enrollments(filter:)`, checked.
#[derive(Clone, Debug, Default)]
pub struct EnrollmentFilter {
    pub course_id: Option<Uuid>,
    pub organization: Option<OrgCode>,
    pub status: Option<EnrollmentStatus>,
}

impl EnrollmentFilter {
    /// Checks the raw filter.
    pub fn parse(
        course_id: Option<Uuid>,
        organization_code: Option<&str>,
        status: Option<EnrollmentStatus>,
    ) -> AppResult<Self> {
        Ok(Self {
            course_id,
            organization: organization_code
                .map(|c| OrgCode::parse("filter.organizationCode", c))
                .transpose()?,
            status,
        })
    }

    /// The enrolments the viewer may read that match, as a query.
    pub fn select(&self, viewer: &Viewer) -> Select<enrollment::Entity> {
        let mut condition = Condition::all().add(access::enrollment_readable(viewer));
        if let Some(course_id) = self.course_id {
            condition = condition.add(enrollment::Column::CourseId.eq(course_id));
        }
        if let Some(code) = &self.organization {
            let organization = Query::select()
                .column(organization::Column::Id)
                .from(organization::Entity)
                .and_where(organization::Column::Code.eq(code.as_str()))
                .to_owned();
            condition = condition.add(enrollment::Column::OrganizationId.in_subquery(organization));
        }
        if let Some(status) = self.status {
            condition = condition.add(enrollment::Column::Status.eq(status));
        }
        enrollment::Entity::find().filter(condition)
    }
}

/// What enrolments can be ordered by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnrollmentOrder {
    CreatedAt,
    /// Place in line; those not waiting come last.
    WaitlistPosition,
    ParticipantName,
}

/// One page of the enrolments the viewer may read that match `filter`, and the query they
/// come from (for `totalCount`).
pub async fn page(
    db: &DatabaseConnection,
    viewer: &Viewer,
    filter: &EnrollmentFilter,
    order: EnrollmentOrder,
    descending: bool,
    args: &PageArgs,
) -> AppResult<(Page<enrollment::Model, String>, Select<enrollment::Entity>)> {
    use enrollment::Column;
    let request = args.parse::<String>()?;
    let select = filter.select(viewer);
    let page = match order {
        EnrollmentOrder::CreatedAt => {
            let sort = Sort::by(Column::CreatedAt, Column::Id, descending);
            let key = |e: &enrollment::Model| Sorted {
                value: e.created_at,
                id: e.id,
            };
            pagination::fetch_ordered_page(db, select.clone(), &sort, key, &request).await?
        }
        EnrollmentOrder::WaitlistPosition => {
            // Only waitlisted enrolments carry an acceptance order.
            let sort = Sort {
                value: Func::coalesce([Expr::col(Column::WaitlistSeq), Expr::value(i64::MAX)])
                    .into(),
                id: Column::Id,
                descending,
            };
            let key = |e: &enrollment::Model| Sorted {
                value: e.waitlist_seq.unwrap_or(i64::MAX),
                id: e.id,
            };
            pagination::fetch_ordered_page(db, select.clone(), &sort, key, &request).await?
        }
        EnrollmentOrder::ParticipantName => {
            let sort = Sort::by(Column::ParticipantName, Column::Id, descending);
            let key = |e: &enrollment::Model| Sorted {
                value: e.participant_name.clone(),
                id: e.id,
            };
            pagination::fetch_ordered_page(db, select.clone(), &sort, key, &request).await?
        }
    };
    Ok((page, select))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).expect("date")
    }

    #[test]
    fn one_named_person_is_one_key_however_the_name_is_typed() {
        let org = Uuid::from_u128(7);
        assert_eq!(staff_key(org, "山田 太郎"), staff_key(org, "山田太郎"));
        assert_eq!(staff_key(org, "ﾔﾏﾀﾞ ﾀﾛｳ"), staff_key(org, "やまだたろう"));
        assert_ne!(
            staff_key(org, "山田太郎"),
            staff_key(Uuid::from_u128(8), "山田太郎")
        );
        assert_ne!(staff_key(org, "山田太郎"), user_key(org));
    }

    #[test]
    fn completion_takes_the_course_hours_and_today_unless_given() {
        let completed = CompletionInput {
            outcome: Outcome::Completed,
            hours: None,
            completed_on: None,
        };
        let values = completion_values(&completed, Some(12.5), day(20)).ok();
        assert_eq!(
            values,
            Some((EnrollmentStatus::Completed, Some(12.5), Some(day(20))))
        );
        let given = CompletionInput {
            hours: Some(3.0),
            completed_on: Some(day(2)),
            ..completed.clone()
        };
        assert_eq!(
            completion_values(&given, Some(12.5), day(20)).ok(),
            Some((EnrollmentStatus::Completed, Some(3.0), Some(day(2))))
        );
        // Hours are needed from somewhere; they are positive and bounded; no future dates.
        assert!(completion_values(&completed, None, day(20)).is_err());
        for bad in [0.0, -1.0, f64::INFINITY, 5000.0] {
            let input = CompletionInput {
                hours: Some(bad),
                ..completed.clone()
            };
            assert!(completion_values(&input, None, day(20)).is_err(), "{bad}");
        }
        let future = CompletionInput {
            completed_on: Some(day(21)),
            ..completed
        };
        assert!(completion_values(&future, Some(1.0), day(20)).is_err());
    }

    #[test]
    fn a_no_show_has_neither_hours_nor_date() {
        let no_show = CompletionInput {
            outcome: Outcome::NoShow,
            hours: None,
            completed_on: None,
        };
        assert_eq!(
            completion_values(&no_show, Some(3.0), day(20)).ok(),
            Some((EnrollmentStatus::NoShow, None, None))
        );
        let with_hours = CompletionInput {
            hours: Some(1.0),
            ..no_show
        };
        assert!(completion_values(&with_hours, Some(3.0), day(20)).is_err());
    }
}
