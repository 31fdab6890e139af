//! The seat ledger of a course: the course lock, seats taken and released, offers that
//! lapse, and the waitlist moving up.
//!
//! Every function here runs inside a transaction that began with [`lock`], so the course's
//! write transactions are serialised and what they read is current. The counters are still
//! moved by guarded updates (`… WHERE seats_taken < capacity`), so that even a mistake in the
//! logic above could not oversell a course.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::enums::{CancellationReason, CourseStatus, EnrollmentStatus};
use entity::{course, course_organization_seat, enrollment};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use tracing::instrument;
use uuid::Uuid;

use super::status_name;
use crate::audit::{self, Actor};
use crate::error::{AppError, AppResult};

/// How often the sweep looks for offers past their claim deadline.
pub const SWEEP_PERIOD: Duration = Duration::from_secs(60);

/// Statuses that hold a seat of the course (and of the participant's organisation).
/// Completed and no-show participants used their seat: it is not given out again.
pub const HOLDS_SEAT: [EnrollmentStatus; 4] = [
    EnrollmentStatus::Enrolled,
    EnrollmentStatus::Offered,
    EnrollmentStatus::Completed,
    EnrollmentStatus::NoShow,
];

/// Statuses a participant may still withdraw from.
pub const OPEN: [EnrollmentStatus; 3] = [
    EnrollmentStatus::Enrolled,
    EnrollmentStatus::Waitlisted,
    EnrollmentStatus::Offered,
];

/// Takes the course's lock: bumps its revision where its status is one of `allowed`, and
/// returns the course as it now is. This must be the first statement of the transaction
/// (see the module docs of `courses`). None when no course has that id in those states.
pub async fn lock<C: ConnectionTrait>(
    txn: &C,
    course_id: Uuid,
    allowed: &[CourseStatus],
) -> AppResult<Option<course::Model>> {
    let rows = course::Entity::update_many()
        .col_expr(
            course::Column::Revision,
            Expr::col(course::Column::Revision).add(1),
        )
        .filter(course::Column::Id.eq(course_id))
        .filter(course::Column::Status.is_in(allowed.iter().copied()))
        .exec_with_returning(txn)
        .await?;
    Ok(rows.into_iter().next())
}

/// Begins a write transaction of a course with its lock ([`lock`]). When the course is in
/// none of the `allowed` states: `INVALID_TRANSITION`, saying that `action` is not possible
/// in the state it is in (`NOT_FOUND` when there is no such course).
pub async fn begin(
    db: &DatabaseConnection,
    course_id: Uuid,
    allowed: &[CourseStatus],
    action: &'static str,
) -> AppResult<(DatabaseTransaction, course::Model)> {
    let txn = db.begin().await?;
    if let Some(course) = lock(&txn, course_id, allowed).await? {
        return Ok((txn, course));
    }
    Err(
        match course::Entity::find_by_id(course_id).one(&txn).await? {
            Some(course) => AppError::transition("Course", action, status_name(course.status)),
            None => AppError::not_found("Course"),
        },
    )
}

/// The outcome of trying to take a seat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seat {
    Taken,
    CourseFull,
    OrganizationFull,
}

/// Takes one seat of the course for `organization_id`, if the course and the organisation's
/// cap allow; updates `course` in memory to match.
pub async fn take<C: ConnectionTrait>(
    txn: &C,
    course: &mut course::Model,
    organization_id: Uuid,
) -> AppResult<Seat> {
    let taken = course::Entity::update_many()
        .col_expr(
            course::Column::SeatsTaken,
            Expr::col(course::Column::SeatsTaken).add(1),
        )
        .filter(course::Column::Id.eq(course.id))
        .filter(Expr::col(course::Column::SeatsTaken).lt(Expr::col(course::Column::Capacity)))
        .exec(txn)
        .await?;
    if taken.rows_affected != 1 {
        return Ok(Seat::CourseFull);
    }
    course_organization_seat::Entity::insert(course_organization_seat::ActiveModel {
        course_id: Set(course.id),
        organization_id: Set(organization_id),
        seats_taken: Set(0),
    })
    .on_conflict_do_nothing_on([
        course_organization_seat::Column::CourseId,
        course_organization_seat::Column::OrganizationId,
    ])
    .exec_without_returning(txn)
    .await?;
    let mut update = course_organization_seat::Entity::update_many()
        .col_expr(
            course_organization_seat::Column::SeatsTaken,
            Expr::col(course_organization_seat::Column::SeatsTaken).add(1),
        )
        .filter(course_organization_seat::Column::CourseId.eq(course.id))
        .filter(course_organization_seat::Column::OrganizationId.eq(organization_id));
    if let Some(cap) = course.seats_per_organization {
        update = update.filter(course_organization_seat::Column::SeatsTaken.lt(cap));
    }
    if update.exec(txn).await?.rows_affected != 1 {
        // Give the course seat back: the organisation is at its cap.
        release_course_seat(txn, course.id).await?;
        return Ok(Seat::OrganizationFull);
    }
    course.seats_taken += 1;
    Ok(Seat::Taken)
}

async fn release_course_seat<C: ConnectionTrait>(txn: &C, course_id: Uuid) -> AppResult<()> {
    course::Entity::update_many()
        .col_expr(
            course::Column::SeatsTaken,
            Expr::col(course::Column::SeatsTaken).sub(1),
        )
        .filter(course::Column::Id.eq(course_id))
        .filter(course::Column::SeatsTaken.gt(0))
        .exec(txn)
        .await?;
    Ok(())
}

/// Gives back one seat of the course held by `organization_id`.
pub async fn release<C: ConnectionTrait>(
    txn: &C,
    course: &mut course::Model,
    organization_id: Uuid,
) -> AppResult<()> {
    release_course_seat(txn, course.id).await?;
    course_organization_seat::Entity::update_many()
        .col_expr(
            course_organization_seat::Column::SeatsTaken,
            Expr::col(course_organization_seat::Column::SeatsTaken).sub(1),
        )
        .filter(course_organization_seat::Column::CourseId.eq(course.id))
        .filter(course_organization_seat::Column::OrganizationId.eq(organization_id))
        .filter(course_organization_seat::Column::SeatsTaken.gt(0))
        .exec(txn)
        .await?;
    course.seats_taken = std::cmp::max(course.seats_taken - 1, 0);
    Ok(())
}

/// Seats each organisation holds in the course.
pub async fn organization_seats<C: ConnectionTrait>(
    txn: &C,
    course_id: Uuid,
) -> AppResult<HashMap<Uuid, i32>> {
    Ok(course_organization_seat::Entity::find()
        .filter(course_organization_seat::Column::CourseId.eq(course_id))
        .all(txn)
        .await?
        .into_iter()
        .map(|row| (row.organization_id, row.seats_taken))
        .collect())
}

/// Records one change to an enrolment in the audit trail.
pub async fn audit_enrollment<C: ConnectionTrait>(
    txn: &C,
    actor: &Actor,
    action: &'static str,
    before: Option<&enrollment::Model>,
    after: &enrollment::Model,
) -> AppResult<()> {
    let change = super::change(
        action,
        "Enrollment",
        (after.id, after.organization_id),
        before,
        after,
    );
    audit::record(txn, actor, change).await
}

/// Cancels one enrolment that is still `from`, for `reason`: it leaves the line and lets go
/// of any offer. None when it was no longer `from`. (The caller gives back a seat it held.)
pub async fn cancel_one<C: ConnectionTrait>(
    txn: &C,
    id: Uuid,
    from: EnrollmentStatus,
    reason: CancellationReason,
    now: DateTime<Utc>,
) -> AppResult<Option<enrollment::Model>> {
    let rows = enrollment::Entity::update_many()
        .col_expr(
            enrollment::Column::Status,
            Expr::value(EnrollmentStatus::Cancelled),
        )
        .col_expr(enrollment::Column::CancellationReason, Expr::value(reason))
        .col_expr(
            enrollment::Column::WaitlistSeq,
            Expr::value(Option::<i64>::None),
        )
        .col_expr(enrollment::Column::UpdatedAt, Expr::value(now))
        .filter(enrollment::Column::Id.eq(id))
        .filter(enrollment::Column::Status.eq(from))
        .exec_with_returning(txn)
        .await?;
    Ok(rows.into_iter().next())
}

/// Cancels the course's offers whose claim deadline has passed and gives their seats back.
/// The caller then fills the freed seats ([`fill_free_seats`]).
pub async fn expire_offers<C: ConnectionTrait>(
    txn: &C,
    course: &mut course::Model,
    now: DateTime<Utc>,
    actor: &Actor,
) -> AppResult<Vec<enrollment::Model>> {
    let due = enrollment::Entity::find()
        .filter(enrollment::Column::CourseId.eq(course.id))
        .filter(enrollment::Column::Status.eq(EnrollmentStatus::Offered))
        .filter(enrollment::Column::OfferExpiresAt.lte(now))
        .all(txn)
        .await?;
    let mut expired = Vec::with_capacity(due.len());
    for offer in due {
        let cancelled = cancel_one(
            txn,
            offer.id,
            EnrollmentStatus::Offered,
            CancellationReason::OfferExpired,
            now,
        )
        .await?;
        let Some(after) = cancelled else {
            continue;
        };
        release(txn, course, offer.organization_id).await?;
        audit_enrollment(txn, actor, "enrollment.offer_expire", Some(&offer), &after).await?;
        expired.push(after);
    }
    Ok(expired)
}

/// Gives the course's free seats to the people in line, first come first served: each free
/// seat goes to the first waitlisted person whose organisation is below its cap (those whose
/// organisation is full keep their place and are skipped, never overtaken by a later
/// arrival who is eligible only because they came later). With a claim window the seat is
/// `OFFERED` until the deadline; without one the person is `ENROLLED` at once.
pub async fn fill_free_seats<C: ConnectionTrait>(
    txn: &C,
    course: &mut course::Model,
    now: DateTime<Utc>,
    actor: &Actor,
) -> AppResult<Vec<enrollment::Model>> {
    let mut free = course.capacity - course.seats_taken;
    if course.status != CourseStatus::Published || free <= 0 {
        return Ok(Vec::new());
    }
    let line = enrollment::Entity::find()
        .filter(enrollment::Column::CourseId.eq(course.id))
        .filter(enrollment::Column::Status.eq(EnrollmentStatus::Waitlisted))
        .order_by_asc(enrollment::Column::WaitlistSeq)
        .order_by_asc(enrollment::Column::Id)
        .all(txn)
        .await?;
    if line.is_empty() {
        return Ok(Vec::new());
    }
    let mut held = match course.seats_per_organization {
        Some(_) => organization_seats(txn, course.id).await?,
        None => HashMap::new(),
    };
    let (status, expires) = if course.offer_claim_hours > 0 {
        (
            EnrollmentStatus::Offered,
            Some(now + chrono::Duration::hours(i64::from(course.offer_claim_hours))),
        )
    } else {
        (EnrollmentStatus::Enrolled, None)
    };
    let mut promoted = Vec::new();
    for waiting in line {
        if free <= 0 {
            break;
        }
        let organization_held = held.get(&waiting.organization_id).copied().unwrap_or(0);
        if course
            .seats_per_organization
            .is_some_and(|cap| organization_held >= cap)
        {
            continue;
        }
        match take(txn, course, waiting.organization_id).await? {
            Seat::Taken => {}
            Seat::OrganizationFull => continue,
            Seat::CourseFull => break,
        }
        let rows = enrollment::Entity::update_many()
            .col_expr(enrollment::Column::Status, Expr::value(status))
            .col_expr(enrollment::Column::OfferExpiresAt, Expr::value(expires))
            .col_expr(
                enrollment::Column::WaitlistSeq,
                Expr::value(Option::<i64>::None),
            )
            .col_expr(enrollment::Column::UpdatedAt, Expr::value(now))
            .filter(enrollment::Column::Id.eq(waiting.id))
            .filter(enrollment::Column::Status.eq(EnrollmentStatus::Waitlisted))
            .exec_with_returning(txn)
            .await?;
        let Some(after) = rows.into_iter().next() else {
            // Not waiting any more after all: hand the seat back.
            release(txn, course, waiting.organization_id).await?;
            continue;
        };
        let action = if status == EnrollmentStatus::Offered {
            "enrollment.offer"
        } else {
            "enrollment.promote"
        };
        audit_enrollment(txn, actor, action, Some(&waiting), &after).await?;
        free -= 1;
        held.insert(waiting.organization_id, organization_held + 1);
        promoted.push(after);
    }
    Ok(promoted)
}

/// The waitlist position (from 1) of a waitlisted enrolment accepted at `seq`: how many of
/// the course's waitlisted enrolments were accepted at or before it.
pub async fn waitlist_position<C: ConnectionTrait>(
    db: &C,
    course_id: Uuid,
    seq: i64,
) -> AppResult<i64> {
    use sea_orm::PaginatorTrait;
    let count = enrollment::Entity::find()
        .filter(enrollment::Column::CourseId.eq(course_id))
        .filter(enrollment::Column::Status.eq(EnrollmentStatus::Waitlisted))
        .filter(enrollment::Column::WaitlistSeq.lte(seq))
        .count(db)
        .await?;
    Ok(i64::try_from(count).unwrap_or(i64::MAX))
}

/// Passes on the seats of every lapsed offer, course by course, each course in a
/// transaction of its own. Returns how many offers lapsed.
#[instrument(skip_all)]
pub async fn sweep_expired_offers(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<usize> {
    let course_ids: Vec<Uuid> = enrollment::Entity::find()
        .select_only()
        .column(enrollment::Column::CourseId)
        .distinct()
        .filter(enrollment::Column::Status.eq(EnrollmentStatus::Offered))
        .filter(enrollment::Column::OfferExpiresAt.lte(now))
        .into_tuple()
        .all(db)
        .await?;
    let actor = Actor::default();
    let mut lapsed = 0;
    for course_id in course_ids {
        let txn = db.begin().await?;
        let Some(mut course) = lock(&txn, course_id, &[CourseStatus::Published]).await? else {
            txn.rollback().await?;
            continue;
        };
        lapsed += expire_offers(&txn, &mut course, now, &actor).await?.len();
        fill_free_seats(&txn, &mut course, now, &actor).await?;
        txn.commit().await?;
    }
    if lapsed > 0 {
        tracing::info!(lapsed, "passed on the seats of lapsed offers");
    }
    Ok(lapsed)
}

/// Runs [`sweep_expired_offers`] every [`SWEEP_PERIOD`] until the task is dropped.
pub async fn sweep_forever(db: DatabaseConnection) {
    let mut ticks =
        tokio::time::interval_at(tokio::time::Instant::now() + SWEEP_PERIOD, SWEEP_PERIOD);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(error) = sweep_expired_offers(&db, Utc::now()).await {
            tracing::warn!(error = ?error, "sweeping lapsed offers failed; next sweep retries");
        }
    }
}
