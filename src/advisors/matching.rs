//! Suggesting advisors for a request: candidates from the pool, ranked by a pure scoring
//! function that gives its reasons (matching themes, serves the prefecture, free on the
//! dates, track record), so that a person can see why one advisor comes before another.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use entity::advisor;
use entity::enums::{AdvisorTheme, DispatchMode, VisitMode};
use sea_orm::{DatabaseConnection, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::profiles::{self, AdvisorFilter, TrackRecord};
use super::schedule::{self, Span};
use super::{check_themes, parse_prefecture_code, prefecture_number, start_of_day};
use crate::auth::Viewer;
use crate::error::{AppError, AppResult, Invalid};
use crate::i18n::Lang;

/// Points for matching every theme asked for (fewer for some).
pub const THEME_POINTS: i32 = 40;
/// Points for serving the requester's prefecture.
pub const PREFECTURE_POINTS: i32 = 20;
/// Points for being free on every day asked for (fewer for some).
pub const DATES_POINTS: i32 = 20;
/// Most points a track record earns.
pub const TRACK_POINTS: i32 = 15;
/// Longest date range a suggestion looks at.
pub const MAX_DAYS: i64 = 92;
/// Most candidates scored for one suggestion.
pub const MAX_CANDIDATES: u64 = 500;

/// What the requester wants.
#[derive(Clone, Debug, Default)]
pub struct Wanted {
    pub themes: Vec<AdvisorTheme>,
    /// The requester's prefecture (number 1–47).
    pub prefecture: Option<u32>,
    /// The days wanted, both ends included.
    pub days: Option<(NaiveDate, NaiveDate)>,
}

/// One advisor as the scoring sees them.
#[derive(Clone, Debug)]
pub struct Candidate<'a> {
    pub advisor_id: Uuid,
    pub themes: &'a [AdvisorTheme],
    pub prefecture_mask: i64,
    /// Visits and unavailable periods around the days wanted.
    pub busy: &'a [Span],
    pub track: &'a TrackRecord,
}

/// Why an advisor is suggested (or placed lower).
#[derive(Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum)]
#[graphql(name = "SuggestionReasonKind")]
pub enum ReasonKind {
    /// Works on themes the request asks about.
    MatchingThemes,
    /// Serves the requester's prefecture.
    ServesPrefecture,
    /// Free on every day asked for.
    FreeOnDates,
    /// Free on some of the days asked for.
    PartlyFreeOnDates,
    /// Booked or unavailable on every day asked for.
    BusyOnDates,
    /// Has completed dispatches (and how they were rated).
    TrackRecord,
}

/// One reason, with the points it adds and the facts behind it.
#[derive(Clone, Debug, PartialEq)]
pub struct Reason {
    pub kind: ReasonKind,
    pub points: i32,
    pub themes: Vec<AdvisorTheme>,
    pub free_days: u32,
    pub total_days: u32,
    pub completed_dispatches: i32,
    pub average_feedback: Option<f64>,
}

impl Reason {
    fn new(kind: ReasonKind, points: i32) -> Self {
        Self {
            kind,
            points,
            themes: Vec::new(),
            free_days: 0,
            total_days: 0,
            completed_dispatches: 0,
            average_feedback: None,
        }
    }

    /// The reason in words.
    pub fn describe(&self, lang: Lang) -> String {
        let themes = || {
            self.themes
                .iter()
                .map(|t| super::theme_label(*t, lang))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let rating = self
            .average_feedback
            .map(|a| format!("{a:.1}"))
            .unwrap_or_else(|| "-".into());
        let (free, total, done) = (self.free_days, self.total_days, self.completed_dispatches);
        match (self.kind, lang) {
            (ReasonKind::MatchingThemes, Lang::En) => format!("Works on {}.", themes()),
            (ReasonKind::MatchingThemes, Lang::Ja) => format!("テーマが一致: {}", themes()),
            (ReasonKind::ServesPrefecture, Lang::En) => "Serves your prefecture.".into(),
            (ReasonKind::ServesPrefecture, Lang::Ja) => "依頼団体の都道府県に対応".into(),
            (ReasonKind::FreeOnDates, Lang::En) => format!("Free on all {total} days asked for."),
            (ReasonKind::FreeOnDates, Lang::Ja) => format!("希望の{total}日すべて対応可能"),
            (ReasonKind::PartlyFreeOnDates, Lang::En) => {
                format!("Free on {free} of the {total} days asked for.")
            }
            (ReasonKind::PartlyFreeOnDates, Lang::Ja) => {
                format!("希望の{total}日のうち{free}日対応可能")
            }
            (ReasonKind::BusyOnDates, Lang::En) => {
                format!("Booked or unavailable on all {total} days asked for.")
            }
            (ReasonKind::BusyOnDates, Lang::Ja) => format!("希望の{total}日はすべて対応不可"),
            (ReasonKind::TrackRecord, Lang::En) => {
                format!("{done} completed dispatches, rated {rating} on average.")
            }
            (ReasonKind::TrackRecord, Lang::Ja) => {
                format!("派遣実績{done}件（平均評価{rating}）")
            }
        }
    }
}

/// An advisor's score and its reasons.
#[derive(Clone, Debug, PartialEq)]
pub struct Suggestion {
    pub advisor_id: Uuid,
    pub score: i32,
    pub matching_themes: Vec<AdvisorTheme>,
    /// Whether the advisor serves the prefecture (none when no prefecture was given).
    pub serves_prefecture: Option<bool>,
    /// Days free of the days wanted (none when no days were given).
    pub free_days: Option<(u32, u32)>,
    pub reasons: Vec<Reason>,
}

fn share(points: i32, part: usize, whole: usize) -> i32 {
    if whole == 0 {
        return 0;
    }
    ((f64::from(points) * part as f64 / whole as f64).round()) as i32
}

/// How many of the wanted days (Tokyo calendar) nothing in `busy` overlaps.
pub fn free_days(busy: &[Span], from: NaiveDate, to: NaiveDate) -> (u32, u32) {
    let (mut free, mut total) = (0, 0);
    let mut day = from;
    while day <= to {
        let Some(next) = day.succ_opt() else { break };
        let whole_day = Span {
            starts_at: start_of_day(day),
            ends_at: start_of_day(next),
        };
        total += 1;
        if !busy.iter().any(|b| b.overlaps(&whole_day)) {
            free += 1;
        }
        day = next;
    }
    (free, total)
}

/// Scores one candidate. Pure: the same facts always give the same score and reasons.
pub fn score(candidate: &Candidate<'_>, wanted: &Wanted) -> Suggestion {
    let mut reasons = Vec::new();
    let matching: Vec<AdvisorTheme> = wanted
        .themes
        .iter()
        .filter(|t| candidate.themes.contains(t))
        .copied()
        .collect();
    if !matching.is_empty() {
        let mut reason = Reason::new(
            ReasonKind::MatchingThemes,
            share(THEME_POINTS, matching.len(), wanted.themes.len()),
        );
        reason.themes = matching.clone();
        reasons.push(reason);
    }
    let serves = wanted
        .prefecture
        .map(|n| candidate.prefecture_mask & (1_i64 << (n - 1)) != 0);
    if serves == Some(true) {
        reasons.push(Reason::new(ReasonKind::ServesPrefecture, PREFECTURE_POINTS));
    }
    let free = wanted
        .days
        .map(|(from, to)| free_days(candidate.busy, from, to));
    if let Some((free, total)) = free {
        let (kind, points) = if free == total {
            (ReasonKind::FreeOnDates, DATES_POINTS)
        } else if free > 0 {
            (
                ReasonKind::PartlyFreeOnDates,
                share(DATES_POINTS, free as usize, total as usize),
            )
        } else {
            (ReasonKind::BusyOnDates, 0)
        };
        let mut reason = Reason::new(kind, points);
        reason.free_days = free;
        reason.total_days = total;
        reasons.push(reason);
    }
    let track = candidate.track;
    if track.completed_dispatches > 0 {
        let experience = track.completed_dispatches.min(5) * 2;
        let rating = match track.average_feedback {
            Some(a) if a >= 4.5 => 5,
            Some(a) if a >= 4.0 => 3,
            Some(a) if a >= 3.0 => 1,
            _ => 0,
        };
        let mut reason = Reason::new(
            ReasonKind::TrackRecord,
            (experience + rating).min(TRACK_POINTS),
        );
        reason.completed_dispatches = track.completed_dispatches;
        reason.average_feedback = track.average_feedback;
        reasons.push(reason);
    }
    Suggestion {
        advisor_id: candidate.advisor_id,
        score: reasons.iter().map(|r| r.points).sum(),
        matching_themes: matching,
        serves_prefecture: serves,
        free_days: free,
        reasons,
    }
}

/// Scores the candidates and keeps the best `limit`: highest score first, then more
/// completed dispatches, then the order the candidates came in (by reading).
pub fn rank(candidates: &[Candidate<'_>], wanted: &Wanted, limit: usize) -> Vec<Suggestion> {
    let mut scored: Vec<(usize, i32, Suggestion)> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| (i, c.track.completed_dispatches, score(c, wanted)))
        .collect();
    scored.sort_by(|a, b| {
        b.2.score
            .cmp(&a.2.score)
            .then(b.1.cmp(&a.1))
            .then(a.0.cmp(&b.0))
    });
    scored.into_iter().take(limit).map(|(_, _, s)| s).collect()
}

/// `suggestAdvisors` as typed.
#[derive(Clone, Debug)]
pub struct SuggestInput {
    pub pool_id: Uuid,
    pub themes: Vec<AdvisorTheme>,
    pub prefecture_code: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub mode: Option<DispatchMode>,
}

/// Checks the days asked for: forward, not before today, at most 92 days.
fn check_days(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
) -> AppResult<Option<(NaiveDate, NaiveDate)>> {
    let (from, to) = match (from, to) {
        (None, None) => return Ok(None),
        (Some(f), None) => (f, f),
        (None, Some(t)) => (today, t),
        (Some(f), Some(t)) => (f, t),
    };
    if from < today {
        return Err(AppError::invalid(
            "input.from",
            Invalid::Value {
                expected: "today or later",
            },
        ));
    }
    if to < from {
        return Err(AppError::invalid(
            "input.to",
            Invalid::Value {
                expected: "on or after `from`",
            },
        ));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(AppError::invalid(
            "input.to",
            Invalid::Value {
                expected: "at most 92 days after `from`",
            },
        ));
    }
    Ok(Some((from, to)))
}

/// Advisors of a pool the viewer may see, ranked for a request, each with its reasons.
/// Only advisors with at least one of the themes (and who work in the mode asked for) are
/// candidates. A fixed number of queries whatever the pool's size.
pub async fn suggest(
    db: &DatabaseConnection,
    viewer: &Viewer,
    input: SuggestInput,
    limit: usize,
) -> AppResult<Vec<(advisor::Model, Suggestion)>> {
    let themes = check_themes("input.themes", &input.themes)?;
    let prefecture = input
        .prefecture_code
        .as_deref()
        .map(|c| parse_prefecture_code_or_municipality("input.prefectureCode", c))
        .transpose()?;
    let days = check_days(input.from, input.to, super::today(Utc::now()))?;
    super::pools::find_visible(db, viewer, input.pool_id)
        .await?
        .ok_or_else(|| AppError::not_found("AdvisorPool"))?;
    let modes = match input.mode {
        Some(DispatchMode::Onsite) => vec![VisitMode::Onsite],
        Some(DispatchMode::Online) => vec![VisitMode::Online],
        Some(DispatchMode::Hybrid) | None => vec![],
    };
    let filter = AdvisorFilter {
        pool_id: Some(input.pool_id),
        themes: themes.clone(),
        modes,
        ..Default::default()
    };
    let advisors: Vec<advisor::Model> = profiles::visible(viewer, &filter)
        .order_by_asc(advisor::Column::SearchKey)
        .order_by_asc(advisor::Column::Id)
        .limit(MAX_CANDIDATES)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = advisors.iter().map(|a| a.id).collect();
    let mut busy: HashMap<Uuid, Vec<Span>> = HashMap::new();
    if let Some((from, to)) = days
        && let Some(after_to) = to.succ_opt()
        && !ids.is_empty()
    {
        let within = Span {
            starts_at: start_of_day(from),
            ends_at: start_of_day(after_to),
        };
        for b in schedule::busy(db, &ids, within).await? {
            busy.entry(b.advisor_id).or_default().push(b.span);
        }
    }
    let tracks = if ids.is_empty() {
        HashMap::new()
    } else {
        profiles::track_records(db, &ids).await?
    };
    let none = TrackRecord::default();
    let candidates: Vec<Candidate<'_>> = advisors
        .iter()
        .map(|a| Candidate {
            advisor_id: a.id,
            themes: &a.themes.0,
            prefecture_mask: a.prefecture_mask,
            busy: busy.get(&a.id).map_or(&[], Vec::as_slice),
            track: tracks.get(&a.id).unwrap_or(&none),
        })
        .collect();
    let wanted = Wanted {
        themes,
        prefecture,
        days,
    };
    let ranked = rank(&candidates, &wanted, limit);
    let mut by_id: HashMap<Uuid, advisor::Model> =
        advisors.into_iter().map(|a| (a.id, a)).collect();
    Ok(ranked
        .into_iter()
        .filter_map(|s| Some((by_id.remove(&s.advisor_id)?, s)))
        .collect())
}

/// The prefecture number of a local government code; a municipality's code stands for its
/// prefecture (the requester usually types its own code).
fn parse_prefecture_code_or_municipality(field: &str, raw: &str) -> AppResult<u32> {
    let code = crate::organizations::OrgCode::parse(field, raw)?;
    let prefecture = code
        .prefecture_code()
        .ok_or_else(|| AppError::invalid(field, Invalid::OrgCodeFormat))?;
    parse_prefecture_code(field, &prefecture)
        .ok()
        .as_deref()
        .and_then(prefecture_number)
        .ok_or_else(|| AppError::invalid(field, Invalid::OrgCodeFormat))
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 7, d).expect("date")
    }

    fn whole_days(from: u32, to: u32) -> Span {
        Span {
            starts_at: start_of_day(day(from)),
            ends_at: start_of_day(day(to)) + Duration::days(1),
        }
    }

    const NARA: u32 = 29;

    fn wanted() -> Wanted {
        Wanted {
            themes: vec![AdvisorTheme::DxStrategy, AdvisorTheme::Bpr],
            prefecture: Some(NARA),
            days: Some((day(10), day(13))),
        }
    }

    #[test]
    fn a_full_match_scores_every_reason() {
        let track = TrackRecord {
            completed_dispatches: 7,
            themes: vec![],
            organizations_served: 3,
            average_feedback: Some(4.6),
        };
        let c = Candidate {
            advisor_id: Uuid::from_u128(1),
            themes: &[
                AdvisorTheme::Bpr,
                AdvisorTheme::DxStrategy,
                AdvisorTheme::AiRpa,
            ],
            prefecture_mask: 1 << (NARA - 1),
            busy: &[],
            track: &track,
        };
        let s = score(&c, &wanted());
        assert_eq!(s.score, 40 + 20 + 20 + 15);
        assert_eq!(
            s.matching_themes,
            [AdvisorTheme::DxStrategy, AdvisorTheme::Bpr]
        );
        assert_eq!(s.serves_prefecture, Some(true));
        assert_eq!(s.free_days, Some((4, 4)));
        let kinds: Vec<ReasonKind> = s.reasons.iter().map(|r| r.kind).collect();
        assert_eq!(
            kinds,
            [
                ReasonKind::MatchingThemes,
                ReasonKind::ServesPrefecture,
                ReasonKind::FreeOnDates,
                ReasonKind::TrackRecord
            ]
        );
        assert!(
            s.reasons[3]
                .describe(Lang::En)
                .contains("7 completed dispatches, rated 4.6")
        );
        assert_eq!(
            s.reasons[0].describe(Lang::Ja),
            "テーマが一致: DX戦略・方針, BPR"
        );
        assert_eq!(
            s.reasons[0].describe(Lang::En),
            "Works on DX strategy and policy, BPR."
        );
    }

    #[test]
    fn partial_matches_earn_partial_points() {
        let none = TrackRecord::default();
        let busy = [whole_days(10, 10)];
        let c = Candidate {
            advisor_id: Uuid::from_u128(1),
            themes: &[AdvisorTheme::Bpr],
            prefecture_mask: 1 << (39 - 1),
            busy: &busy,
            track: &none,
        };
        let s = score(&c, &wanted());
        // Half the themes (20), not Nara, free on 3 of 4 days (15), no track record.
        assert_eq!(s.score, 20 + 15);
        assert_eq!(s.serves_prefecture, Some(false));
        assert_eq!(s.free_days, Some((3, 4)));
        assert_eq!(s.reasons[1].kind, ReasonKind::PartlyFreeOnDates);
        let all_busy = [whole_days(9, 14)];
        let c = Candidate {
            busy: &all_busy,
            ..c
        };
        let s = score(&c, &wanted());
        assert_eq!(s.reasons[1].kind, ReasonKind::BusyOnDates);
        assert_eq!(s.reasons[1].points, 0);
    }

    #[test]
    fn ranking_prefers_score_then_experience_then_input_order() {
        let (none, some) = (
            TrackRecord::default(),
            TrackRecord {
                completed_dispatches: 1,
                themes: vec![],
                organizations_served: 1,
                average_feedback: None,
            },
        );
        let both = [AdvisorTheme::DxStrategy, AdvisorTheme::Bpr];
        let make = |n: u128, themes, track| Candidate {
            advisor_id: Uuid::from_u128(n),
            themes,
            prefecture_mask: 0,
            busy: &[],
            track,
        };
        let w = Wanted {
            themes: both.to_vec(),
            prefecture: None,
            days: None,
        };
        let candidates = [
            make(1, &both[1..], &none),
            make(2, &both[..], &none),
            make(3, &both[..], &none),
            make(4, &both[1..], &some),
        ];
        let order: Vec<u128> = rank(&candidates, &w, 10)
            .iter()
            .map(|s| s.advisor_id.as_u128())
            .collect();
        // 2 and 3 tie on 40 (input order); 4 has 20 + 2 for its dispatch; 1 has 20.
        assert_eq!(order, [2, 3, 4, 1]);
        assert_eq!(rank(&candidates, &w, 2).len(), 2);
    }

    #[test]
    fn free_days_are_counted_on_the_tokyo_calendar() {
        // A visit 10 July 16:00–17:00 UTC is 11 July 01:00 in Tokyo.
        let at = start_of_day(day(11)) + Duration::hours(1);
        let busy = [Span {
            starts_at: at,
            ends_at: at + Duration::hours(1),
        }];
        assert_eq!(free_days(&busy, day(10), day(12)), (2, 3));
        assert_eq!(free_days(&[], day(10), day(10)), (1, 1));
    }

    #[test]
    fn asked_days_must_run_forward_from_today_for_at_most_92_days() {
        let today = day(5);
        assert_eq!(check_days(None, None, today).ok(), Some(None));
        assert_eq!(
            check_days(Some(day(6)), None, today).ok(),
            Some(Some((day(6), day(6))))
        );
        assert!(check_days(Some(day(4)), Some(day(6)), today).is_err());
        assert!(check_days(Some(day(8)), Some(day(6)), today).is_err());
        assert!(check_days(Some(day(6)), Some(day(6) + Duration::days(92)), today).is_err());
        assert_eq!(
            parse_prefecture_code_or_municipality("p", "292010").ok(),
            Some(29)
        );
    }
}
