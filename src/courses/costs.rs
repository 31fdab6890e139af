//! 費用負担: what each participating organisation pays for a course, under its fee rule.
//!
//! Money is whole yen. Participants are those who hold or held a seat (`ENROLLED`,
//! `COMPLETED`, `NO_SHOW`: a seat left empty was still reserved); people waiting or holding
//! an unclaimed offer are not counted yet.

use entity::enums::{EnrollmentStatus, FeeRule};
use entity::{enrollment, organization};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use tracing::instrument;
use uuid::Uuid;

use super::catalogue;
use crate::access;
use crate::auth::Viewer;
use crate::error::AppResult;

/// Statuses that count as participating.
pub const PARTICIPATING: [EnrollmentStatus; 3] = [
    EnrollmentStatus::Enrolled,
    EnrollmentStatus::Completed,
    EnrollmentStatus::NoShow,
];

/// One organisation's head count in a course.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Headcount {
    pub organization_id: Uuid,
    /// The organisation's code: shares are listed, and leftover yen handed out, in code order.
    pub code: String,
    pub participants: i64,
}

/// What one organisation pays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Share {
    pub organization_id: Uuid,
    pub code: String,
    pub participants: i64,
    pub yen: i64,
}

/// Splits a course's cost among the participating organisations (those with at least one
/// participant), listed by organisation code:
///
/// - `FREE`: nothing to pay.
/// - `PER_PARTICIPANT`: `amount` × head count.
/// - `SPLIT_BY_HEADCOUNT`: the total `amount` in proportion to head counts. Each
///   organisation pays the whole yen of its exact share; the yen left over go one each to
///   the organisations with the largest fractions (ties by code), so the shares add up to
///   the total exactly.
/// - `SPLIT_EVENLY`: the total `amount` in equal parts. The remainder of the division goes
///   one yen each to the first organisations by code.
pub fn split(rule: FeeRule, amount: i64, counts: &[Headcount]) -> Vec<Share> {
    let mut counts: Vec<&Headcount> = counts.iter().filter(|c| c.participants > 0).collect();
    counts.sort_by(|a, b| a.code.cmp(&b.code));
    let share = |c: &Headcount, yen: i64| Share {
        organization_id: c.organization_id,
        code: c.code.clone(),
        participants: c.participants,
        yen,
    };
    match rule {
        FeeRule::Free => counts.into_iter().map(|c| share(c, 0)).collect(),
        FeeRule::PerParticipant => counts
            .into_iter()
            .map(|c| share(c, amount.saturating_mul(c.participants)))
            .collect(),
        FeeRule::SplitEvenly => {
            let n = counts.len() as i64;
            if n == 0 {
                return Vec::new();
            }
            let (each, left) = (amount / n, amount % n);
            counts
                .into_iter()
                .enumerate()
                .map(|(i, c)| share(c, each + i64::from((i as i64) < left)))
                .collect()
        }
        FeeRule::SplitByHeadcount => {
            let heads: i128 = counts.iter().map(|c| i128::from(c.participants)).sum();
            if heads == 0 {
                return Vec::new();
            }
            let total = i128::from(amount);
            let exact: Vec<(i64, i128)> = counts
                .iter()
                .map(|c| {
                    let numerator = total * i128::from(c.participants);
                    ((numerator / heads) as i64, numerator % heads)
                })
                .collect();
            let handed: i64 = exact.iter().map(|(yen, _)| yen).sum();
            let mut order: Vec<usize> = (0..counts.len()).collect();
            // Largest fraction first; `counts` is in code order, and the sort is stable.
            order.sort_by(|a, b| exact[*b].1.cmp(&exact[*a].1));
            let mut extra = vec![0_i64; counts.len()];
            for i in order
                .into_iter()
                .take(std::cmp::max(amount - handed, 0) as usize)
            {
                extra[i] = 1;
            }
            counts
                .into_iter()
                .enumerate()
                .map(|(i, c)| share(c, exact[i].0 + extra[i]))
                .collect()
        }
    }
}

/// A course's cost shares as the viewer may see them.
#[derive(Clone, Debug)]
pub struct CostShares {
    pub rule: FeeRule,
    pub fee_amount: Option<i64>,
    /// What all participating organisations pay together.
    pub total_yen: i64,
    /// Every organisation's share for the host's members; the viewer's own otherwise.
    pub shares: Vec<Share>,
    /// Whether `shares` lists every participating organisation.
    pub complete: bool,
}

/// The cost shares of a course the viewer may read (`NOT_FOUND` otherwise).
#[instrument(skip_all, fields(course = %course_id))]
pub async fn cost_shares(
    db: &DatabaseConnection,
    viewer: &Viewer,
    course_id: Uuid,
) -> AppResult<CostShares> {
    let course = catalogue::find_visible(db, viewer, course_id).await?;
    let rows: Vec<(Uuid, i64)> = enrollment::Entity::find()
        .select_only()
        .column(enrollment::Column::OrganizationId)
        .column_as(Expr::col(enrollment::Column::Id).count(), "participants")
        .filter(enrollment::Column::CourseId.eq(course_id))
        .filter(enrollment::Column::Status.is_in(PARTICIPATING))
        .group_by(enrollment::Column::OrganizationId)
        .into_tuple()
        .all(db)
        .await?;
    let codes = organization::Entity::find()
        .filter(organization::Column::Id.is_in(rows.iter().map(|(id, _)| *id)))
        .all(db)
        .await?;
    let counts: Vec<Headcount> = rows
        .into_iter()
        .map(|(organization_id, participants)| Headcount {
            organization_id,
            code: codes
                .iter()
                .find(|o| o.id == organization_id)
                .map(|o| o.code.clone())
                .unwrap_or_default(),
            participants,
        })
        .collect();
    let all = split(course.fee_rule, course.fee_amount.unwrap_or(0), &counts);
    let total_yen = all.iter().map(|s| s.yen).sum();
    let complete = access::can_read_all_cost_shares(viewer, course.host_organization_id);
    let shares = if complete {
        all
    } else {
        let mine = viewer.organization_id();
        all.into_iter()
            .filter(|s| Some(s.organization_id) == mine)
            .collect()
    };
    Ok(CostShares {
        rule: course.fee_rule,
        fee_amount: course.fee_amount,
        total_yen,
        shares,
        complete,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(heads: &[(&str, i64)]) -> Vec<Headcount> {
        heads
            .iter()
            .enumerate()
            .map(|(i, (code, n))| Headcount {
                organization_id: Uuid::from_u128(i as u128 + 1),
                code: (*code).to_owned(),
                participants: *n,
            })
            .collect()
    }

    fn yen(shares: &[Share]) -> Vec<(&str, i64)> {
        shares.iter().map(|s| (s.code.as_str(), s.yen)).collect()
    }

    #[test]
    fn free_courses_cost_nothing() {
        let shares = split(FeeRule::Free, 0, &counts(&[("292010", 3), ("292095", 1)]));
        assert_eq!(yen(&shares), [("292010", 0), ("292095", 0)]);
    }

    #[test]
    fn a_fee_per_participant_multiplies_by_head_count() {
        let shares = split(
            FeeRule::PerParticipant,
            5_500,
            &counts(&[("292095", 2), ("292010", 3), ("293423", 0)]),
        );
        // Listed by code; organisations without participants are not listed.
        assert_eq!(yen(&shares), [("292010", 16_500), ("292095", 11_000)]);
    }

    #[test]
    fn an_even_split_gives_the_remainder_to_the_first_codes() {
        // 100,000 yen among 3: 33,333 each and 1 yen over, to the first code.
        let shares = split(
            FeeRule::SplitEvenly,
            100_000,
            &counts(&[("292095", 1), ("292010", 7), ("293423", 2)]),
        );
        assert_eq!(
            yen(&shares),
            [("292010", 33_334), ("292095", 33_333), ("293423", 33_333)]
        );
        // 11 yen among 4: 2 each, 3 over.
        let shares = split(
            FeeRule::SplitEvenly,
            11,
            &counts(&[("a", 1), ("b", 1), ("c", 1), ("d", 1)]),
        );
        assert_eq!(yen(&shares), [("a", 3), ("b", 3), ("c", 3), ("d", 2)]);
        assert!(split(FeeRule::SplitEvenly, 1_000, &[]).is_empty());
    }

    #[test]
    fn a_head_count_split_hands_leftover_yen_to_the_largest_fractions() {
        // 100,000 yen for 3 + 2 + 2 = 7 people: exact shares 42,857.14 / 28,571.43 / 28,571.43;
        // whole yen 42,857 + 28,571 + 28,571 = 99,999; the one yen left goes to the largest
        // fraction (.43, a tie between the two smaller ones, broken by code).
        let shares = split(
            FeeRule::SplitByHeadcount,
            100_000,
            &counts(&[("292010", 3), ("293423", 2), ("292095", 2)]),
        );
        assert_eq!(
            yen(&shares),
            [("292010", 42_857), ("292095", 28_572), ("293423", 28_571)]
        );
        assert_eq!(shares.iter().map(|s| s.yen).sum::<i64>(), 100_000);
        // Divides exactly: no adjustment.
        let shares = split(
            FeeRule::SplitByHeadcount,
            90_000,
            &counts(&[("a", 1), ("b", 2)]),
        );
        assert_eq!(yen(&shares), [("a", 30_000), ("b", 60_000)]);
    }

    #[test]
    fn shares_always_add_up_to_the_total() {
        for total in [0_i64, 1, 7, 999, 100_000, 1_000_000_007] {
            for heads in [
                &[("a", 1)][..],
                &[("a", 1), ("b", 1), ("c", 1)],
                &[("a", 5), ("b", 3), ("c", 1), ("d", 11)],
                &[("x", 13), ("y", 17), ("z", 19)],
            ] {
                for rule in [FeeRule::SplitEvenly, FeeRule::SplitByHeadcount] {
                    let shares = split(rule, total, &counts(heads));
                    assert_eq!(
                        shares.iter().map(|s| s.yen).sum::<i64>(),
                        total,
                        "{rule:?} {total} {heads:?}"
                    );
                    let (low, high) = shares.iter().fold((i64::MAX, i64::MIN), |(l, h), s| {
                        (std::cmp::min(l, s.yen), std::cmp::max(h, s.yen))
                    });
                    if rule == FeeRule::SplitEvenly {
                        assert!(high - low <= 1, "{total} {heads:?}");
                    }
                }
            }
        }
    }
}
