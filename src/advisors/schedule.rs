//! Bookings: an advisor is never booked for two overlapping visits, nor during a period they
//! are unavailable, also when many clients book at once.
//!
//! Every change to an advisor's bookings or availability starts by bumping the advisor's
//! `schedule_version` ([`lock_advisors`]), in advisor-id order, and only then reads what the
//! advisor is committed to. On PostgreSQL the `UPDATE` holds the advisor's row lock until
//! commit, so a second booking of the same advisor waits and then sees the first; on SQLite
//! a write takes the database's write lock, so transactions whose first write comes before
//! their reads are serialised outright (a read-then-write transaction there fails with
//! "database is locked" instead of waiting).

use chrono::{DateTime, Utc};
use entity::enums::VisitStatus;
use entity::{advisor, advisor_unavailable_period, dispatch_visit};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::violations::ClashKind;
use crate::error::AppResult;

/// A stretch of time, `[starts_at, ends_at)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl Span {
    /// True when the two share any instant (touching ends do not overlap: a visit may end
    /// at 12:00 and the next begin at 12:00).
    pub fn overlaps(&self, other: &Span) -> bool {
        self.starts_at < other.ends_at && other.starts_at < self.ends_at
    }
}

/// Something an advisor is already committed to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Busy {
    pub advisor_id: Uuid,
    pub span: Span,
    pub kind: ClashKind,
}

/// One advisor's part in a visit being planned; `slot` is the visit's place in the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Planned {
    pub slot: usize,
    pub advisor_id: Uuid,
    pub span: Span,
}

/// The first planned visit (in input order) that clashes with what its advisor is committed
/// to or with another planned visit of the same advisor, and what it clashes with.
pub fn first_clash(planned: &[Planned], busy: &[Busy]) -> Option<(Planned, Busy)> {
    for (i, p) in planned.iter().enumerate() {
        if let Some(b) = busy
            .iter()
            .find(|b| b.advisor_id == p.advisor_id && b.span.overlaps(&p.span))
        {
            return Some((*p, *b));
        }
        if let Some(other) = planned[..i]
            .iter()
            .find(|o| o.advisor_id == p.advisor_id && o.span.overlaps(&p.span))
        {
            let clash = Busy {
                advisor_id: other.advisor_id,
                span: other.span,
                kind: ClashKind::Visit,
            };
            return Some((*p, clash));
        }
    }
    None
}

/// Serialises changes to these advisors' bookings: bumps each one's schedule version, one
/// statement per advisor in id order (a consistent order, so two transactions never wait on
/// each other's locks in a cycle). On SQLite this must come before any read of the
/// transaction unless an earlier write already took the lock.
pub async fn lock_advisors<C: ConnectionTrait>(txn: &C, advisor_ids: &[Uuid]) -> AppResult<()> {
    let mut ids = advisor_ids.to_vec();
    ids.sort();
    ids.dedup();
    for id in ids {
        advisor::Entity::update_many()
            .col_expr(
                advisor::Column::ScheduleVersion,
                Expr::col(advisor::Column::ScheduleVersion).add(1),
            )
            .filter(advisor::Column::Id.eq(id))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// What the advisors are committed to within `within`: visits not cancelled and unavailable
/// periods not withdrawn.
pub async fn busy<C: ConnectionTrait>(
    db: &C,
    advisor_ids: &[Uuid],
    within: Span,
) -> AppResult<Vec<Busy>> {
    if advisor_ids.is_empty() {
        return Ok(Vec::new());
    }
    let visits = dispatch_visit::Entity::find()
        .filter(dispatch_visit::Column::AdvisorId.is_in(advisor_ids.to_vec()))
        .filter(dispatch_visit::Column::Status.ne(VisitStatus::Cancelled))
        .filter(dispatch_visit::Column::StartsAt.lt(within.ends_at))
        .filter(dispatch_visit::Column::EndsAt.gt(within.starts_at))
        .all(db)
        .await?;
    let periods = advisor_unavailable_period::Entity::find()
        .filter(advisor_unavailable_period::Column::AdvisorId.is_in(advisor_ids.to_vec()))
        .filter(advisor_unavailable_period::Column::CancelledAt.is_null())
        .filter(advisor_unavailable_period::Column::StartsAt.lt(within.ends_at))
        .filter(advisor_unavailable_period::Column::EndsAt.gt(within.starts_at))
        .all(db)
        .await?;
    let mut busy: Vec<Busy> = visits
        .into_iter()
        .map(|v| Busy {
            advisor_id: v.advisor_id,
            span: Span {
                starts_at: v.starts_at,
                ends_at: v.ends_at,
            },
            kind: ClashKind::Visit,
        })
        .chain(periods.into_iter().map(|p| Busy {
            advisor_id: p.advisor_id,
            span: Span {
                starts_at: p.starts_at,
                ends_at: p.ends_at,
            },
            kind: ClashKind::Unavailable,
        }))
        .collect();
    busy.sort_by_key(|b| (b.span.starts_at, b.span.ends_at));
    Ok(busy)
}

/// The smallest span covering all of `spans`.
pub fn covering(spans: impl IntoIterator<Item = Span>) -> Option<Span> {
    spans.into_iter().reduce(|a, b| Span {
        starts_at: std::cmp::min(a.starts_at, b.starts_at),
        ends_at: std::cmp::max(a.ends_at, b.ends_at),
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 6, 1, hour, 0, 0)
            .single()
            .expect("instant")
    }

    fn span(from: u32, to: u32) -> Span {
        Span {
            starts_at: at(from),
            ends_at: at(to),
        }
    }

    #[test]
    fn spans_overlap_when_they_share_an_instant_but_not_when_they_touch() {
        assert!(span(1, 3).overlaps(&span(2, 4)));
        assert!(span(1, 5).overlaps(&span(2, 3)));
        assert!(!span(1, 3).overlaps(&span(3, 4)));
        assert!(!span(3, 4).overlaps(&span(1, 3)));
    }

    #[test]
    fn the_first_clash_names_the_slot_and_what_it_meets() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let busy = [
            Busy {
                advisor_id: a,
                span: span(9, 12),
                kind: ClashKind::Unavailable,
            },
            Busy {
                advisor_id: b,
                span: span(13, 15),
                kind: ClashKind::Visit,
            },
        ];
        let plan = |slot, advisor_id, s| Planned {
            slot,
            advisor_id,
            span: s,
        };
        // Another advisor's busy time is no clash; touching is none either.
        assert_eq!(
            first_clash(&[plan(0, b, span(9, 12)), plan(1, a, span(12, 13))], &busy),
            None
        );
        let (p, with) = first_clash(&[plan(0, a, span(12, 13)), plan(1, b, span(14, 16))], &busy)
            .expect("clash");
        assert_eq!(
            (p.slot, with.kind, with.span),
            (1, ClashKind::Visit, span(13, 15))
        );
        // Two planned visits of one advisor at once clash with each other.
        let (p, with) = first_clash(&[plan(0, a, span(16, 18)), plan(1, a, span(17, 19))], &busy)
            .expect("clash");
        assert_eq!(
            (p.slot, with.kind, with.span),
            (1, ClashKind::Visit, span(16, 18))
        );
        assert_eq!(covering([span(3, 4), span(1, 2)]), Some(span(1, 4)));
    }
}
