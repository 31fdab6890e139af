//! 共同研修: joint courses and enrolment (受講).
//!
//! A prefecture, a council's secretariat or a large city hosts a course and shares it with an
//! audience (`access`); coordinators (研修担当: editors and admins) of the organisations that
//! see it enrol their staff, and members enrol themselves where the course allows it.
//!
//! Seats are the heart of the area, and [`seats`] keeps them:
//! - enrolled + offered never exceed the capacity, and no organisation takes more than the
//!   course's seats per organisation;
//! - the waitlist is first come, first served: positions count from 1 without gaps, in the
//!   order the server accepted the enrolments;
//! - a freed seat goes to the first *eligible* person in line (one whose organisation is
//!   below its cap), never to a later arrival;
//! - with a claim window, a freed seat is `OFFERED` and held until the claim deadline; with a
//!   window of zero the person is enrolled at once.
//!
//! Every write transaction of a course (its settings, sessions, seats or enrolments) starts by
//! bumping the course's `revision` with a guarded `UPDATE … WHERE status IN (…) RETURNING`,
//! its first write: on PostgreSQL that takes the course row's lock, on SQLite the database's
//! write lock (a transaction that reads first and writes later fails there with "database is
//! locked" under load). So such transactions run one after another per course, everything
//! they read afterwards is current, and the seat counters are then moved by guarded
//! `UPDATE … SET seats_taken = seats_taken + 1 WHERE seats_taken < capacity` statements as a
//! second line of defence. The revision also stamps each waitlisted enrolment with the order
//! of its acceptance.
//!
//! Offers that pass their deadline are expired lazily, inside the next seat transaction of
//! the same course (before it decides anything), and by a sweep that runs every minute
//! ([`seats::sweep_expired_offers`]), so a seat never stays held for someone who let the
//! offer lapse for longer than that.
//!
//! Nothing here builds a response: [`graphql`] maps these rules to the schema, and
//! [`loaders`] batch the nested fields.

pub mod catalogue;
pub mod costs;
pub mod enrolment;
pub mod graphql;
pub mod loaders;
pub mod seats;
pub mod summary;

use chrono::{DateTime, Utc};
use entity::enums::CourseStatus;

use crate::error::{AppError, RuleViolation};
use crate::i18n::Lang;

/// Longest course title.
pub const MAX_TITLE: usize = 200;
/// Longest summary.
pub const MAX_SUMMARY: usize = 4_000;
/// Longest entry conditions.
pub const MAX_ENTRY_CONDITIONS: usize = 2_000;
/// Longest venue.
pub const MAX_VENUE: usize = 200;
/// Longest session note.
pub const MAX_NOTE: usize = 1_000;
/// Longest participant name or department.
pub const MAX_NAME: usize = 100;
/// Largest capacity.
pub const MAX_CAPACITY: i32 = 10_000;
/// Longest claim window for an offered seat: 30 days.
pub const MAX_CLAIM_HOURS: i32 = 720;
/// Most hours a course (or one completion) may count.
pub const MAX_HOURS: f64 = 2_000.0;
/// Largest fee, in yen.
pub const MAX_FEE: i64 = 1_000_000_000;
/// Most sessions per course.
pub const MAX_SESSIONS: usize = 100;
/// Most co-hosting organisations per course.
pub const MAX_CO_HOSTS: usize = 50;
/// Longest search text.
pub const MAX_SEARCH: usize = 100;

/// Why enrolment is closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClosedReason {
    /// The course is not `PUBLISHED` (a draft, completed or cancelled).
    NotPublished(CourseStatus),
    /// The window has not opened yet.
    NotYetOpen,
    /// The window has closed.
    WindowClosed,
}

/// A rule of the courses area that a request broke.
#[derive(Clone, Debug, PartialEq)]
pub enum CourseRule {
    /// `ENROLMENT_CLOSED`: enrolment outside the window, or in a course that is not open.
    EnrolmentClosed {
        reason: ClosedReason,
        opens_at: Option<DateTime<Utc>>,
        closes_at: Option<DateTime<Utc>>,
    },
    /// `OFFER_EXPIRED`: the claim deadline of an offered seat has passed.
    OfferExpired { expired_at: DateTime<Utc> },
    /// `FORBIDDEN`: a member enrolling themself where only coordinators enrol.
    SelfEnrolmentNotAllowed,
    /// `FORBIDDEN`: someone who is not a coordinator enrolling another person.
    OnlyCoordinatorsEnrolOthers,
    /// `VALIDATION`: a value the course rules refuse, on `field`.
    Invalid { field: String, problem: Problem },
}

/// What is wrong with a value (`VALIDATION`).
#[derive(Clone, Debug, PartialEq)]
pub enum Problem {
    /// Must be later than another field (`endsAt` after `startsAt`).
    NotAfter { other: &'static str },
    /// Below what is already taken (capacity below current enrolment).
    BelowTaken { taken: i64 },
    /// A date in the future where only past dates make sense.
    InFuture,
    /// A `COUNCIL` audience needs `councilId`.
    CouncilRequired,
    /// The council is not one the host belongs to.
    NotACouncilMember,
    /// A fee rule other than `FREE` needs an amount; `FREE` takes none.
    FeeAmount { required: bool },
    /// The host cannot co-host its own course.
    HostAsCoHost,
    /// No organisation has this code.
    UnknownOrganization,
    /// A list with the same value twice, or empty where one is needed.
    List,
    /// A session needs a venue or `online: true`.
    VenueOrOnline,
    /// Both a user and a named staff member given.
    OneParticipant,
    /// Hours and dates belong to completions, not to no-shows.
    NotForNoShow,
    /// More items than a course may have (sessions, co-hosts).
    TooMany { max: usize },
}

impl CourseRule {
    /// `VALIDATION` on `field`.
    pub fn invalid(field: impl Into<String>, problem: Problem) -> AppError {
        AppError::rule(Self::Invalid {
            field: field.into(),
            problem,
        })
    }
}

fn problem_message(problem: &Problem, lang: Lang) -> String {
    use Problem::*;
    match (problem, lang) {
        (NotAfter { other }, Lang::En) => format!("must be later than `{other}`"),
        (NotAfter { other }, Lang::Ja) => format!("`{other}` より後にしてください"),
        (BelowTaken { taken }, Lang::En) => {
            format!("must be at least {taken}: that many are already taken")
        }
        (BelowTaken { taken }, Lang::Ja) => {
            format!("既に{taken}が埋まっているため、{taken}以上にしてください")
        }
        (InFuture, Lang::En) => "must not be in the future".into(),
        (InFuture, Lang::Ja) => "未来の日付は指定できません".into(),
        (CouncilRequired, Lang::En) => "is required when the audience is COUNCIL".into(),
        (CouncilRequired, Lang::Ja) => "公開範囲が COUNCIL のときは必須です".into(),
        (NotACouncilMember, Lang::En) => {
            "must be a council your organisation is a member of".into()
        }
        (NotACouncilMember, Lang::Ja) => "自団体が構成員である協議会を指定してください".into(),
        (FeeAmount { required: true }, Lang::En) => {
            "is required for this fee rule (yen, 0 or more)".into()
        }
        (FeeAmount { required: true }, Lang::Ja) => {
            "この費用負担方法では金額（円、0以上）が必須です".into()
        }
        (FeeAmount { required: false }, Lang::En) => "must be empty for a free course".into(),
        (FeeAmount { required: false }, Lang::Ja) => "無料の研修には金額を指定できません".into(),
        (HostAsCoHost, Lang::En) => "must not include the host organisation".into(),
        (HostAsCoHost, Lang::Ja) => "主催団体を共催団体に含めることはできません".into(),
        (UnknownOrganization, Lang::En) => "names no organisation".into(),
        (UnknownOrganization, Lang::Ja) => "該当する団体がありません".into(),
        (List, Lang::En) => "must list at least one value, each once".into(),
        (List, Lang::Ja) => "1つ以上の値を、重複なく指定してください".into(),
        (VenueOrOnline, Lang::En) => "is required unless the session is online".into(),
        (VenueOrOnline, Lang::Ja) => "オンライン開催でない場合は会場が必須です".into(),
        (OneParticipant, Lang::En) => {
            "give either a user or a staff member's name, not both".into()
        }
        (OneParticipant, Lang::Ja) => "ユーザーか職員名のどちらか一方を指定してください".into(),
        (NotForNoShow, Lang::En) => "must be empty for a NO_SHOW".into(),
        (NotForNoShow, Lang::Ja) => "欠席（NO_SHOW）の場合は指定できません".into(),
        (TooMany { max }, Lang::En) => format!("may hold at most {max} items for one course"),
        (TooMany { max }, Lang::Ja) => format!("1つの研修につき{max}件までです"),
    }
}

fn rfc3339(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl RuleViolation for CourseRule {
    fn code(&self) -> &'static str {
        match self {
            Self::EnrolmentClosed { .. } => "ENROLMENT_CLOSED",
            Self::OfferExpired { .. } => "OFFER_EXPIRED",
            Self::SelfEnrolmentNotAllowed | Self::OnlyCoordinatorsEnrolOthers => "FORBIDDEN",
            Self::Invalid { .. } => "VALIDATION",
        }
    }

    fn message(&self, lang: Lang) -> String {
        let tokyo = |at: &Option<DateTime<Utc>>| {
            at.map(|t| {
                t.with_timezone(&crate::fiscal::tokyo())
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            })
        };
        match (self, lang) {
            (Self::EnrolmentClosed { reason, opens_at, .. }, Lang::En) => match reason {
                ClosedReason::NotPublished(_) => "This course is not open for enrolment.".into(),
                ClosedReason::NotYetOpen => format!(
                    "Enrolment opens on {} (Japan time).",
                    tokyo(opens_at).unwrap_or_default()
                ),
                ClosedReason::WindowClosed => "Enrolment for this course has closed.".into(),
            },
            (Self::EnrolmentClosed { reason, opens_at, .. }, Lang::Ja) => match reason {
                ClosedReason::NotPublished(_) => "この研修は受講申込を受け付けていません。".into(),
                ClosedReason::NotYetOpen => format!(
                    "受講申込の受付は {} から開始します。",
                    tokyo(opens_at).unwrap_or_default()
                ),
                ClosedReason::WindowClosed => "この研修の受講申込は締め切られました。".into(),
            },
            (Self::OfferExpired { expired_at }, Lang::En) => format!(
                "The offered seat had to be claimed by {} (Japan time) and has passed to the next in line.",
                tokyo(&Some(*expired_at)).unwrap_or_default()
            ),
            (Self::OfferExpired { expired_at }, Lang::Ja) => format!(
                "繰り上げの回答期限（{}）を過ぎたため、席は次の方に移りました。",
                tokyo(&Some(*expired_at)).unwrap_or_default()
            ),
            (Self::SelfEnrolmentNotAllowed, Lang::En) => {
                "This course takes enrolments from coordinators only: ask your organisation's training coordinator to enrol you.".into()
            }
            (Self::SelfEnrolmentNotAllowed, Lang::Ja) => {
                "この研修は各団体の研修担当者が申し込みます。所属団体の担当者にご依頼ください。".into()
            }
            (Self::OnlyCoordinatorsEnrolOthers, Lang::En) => {
                "Only your organisation's coordinators (EDITOR or ADMIN) may enrol other people.".into()
            }
            (Self::OnlyCoordinatorsEnrolOthers, Lang::Ja) => {
                "他の職員の申込みは、所属団体の研修担当者（EDITOR または ADMIN）のみが行えます。".into()
            }
            (Self::Invalid { field, problem }, Lang::En) => {
                format!("`{field}` {}", problem_message(problem, lang))
            }
            (Self::Invalid { field, problem }, Lang::Ja) => {
                format!("`{field}`: {}", problem_message(problem, lang))
            }
        }
    }

    fn extensions(&self, extensions: &mut async_graphql::ErrorExtensionValues) {
        match self {
            Self::EnrolmentClosed {
                reason,
                opens_at,
                closes_at,
            } => {
                extensions.set(
                    "reason",
                    match reason {
                        ClosedReason::NotPublished(_) => "COURSE_NOT_OPEN",
                        ClosedReason::NotYetOpen => "NOT_YET_OPEN",
                        ClosedReason::WindowClosed => "WINDOW_CLOSED",
                    },
                );
                if let ClosedReason::NotPublished(status) = reason {
                    extensions.set("courseStatus", status_name(*status));
                }
                if let Some(at) = opens_at {
                    extensions.set("opensAt", rfc3339(at));
                }
                if let Some(at) = closes_at {
                    extensions.set("closesAt", rfc3339(at));
                }
            }
            Self::OfferExpired { expired_at } => extensions.set("expiredAt", rfc3339(expired_at)),
            Self::SelfEnrolmentNotAllowed => extensions.set("reason", "SELF_ENROLMENT_CLOSED"),
            Self::OnlyCoordinatorsEnrolOthers => extensions.set("reason", "COORDINATORS_ONLY"),
            Self::Invalid { field, .. } => extensions.set("field", field.as_str()),
        }
    }
}

/// An audit trail entry for a record of this area: `record` is its id and the organisation
/// that owns it; `before` and `after` are the record itself, as JSON.
pub(crate) fn change<T: serde::Serialize>(
    action: &'static str,
    entity: &'static str,
    (id, organization_id): (uuid::Uuid, uuid::Uuid),
    before: Option<&T>,
    after: &T,
) -> crate::audit::Change {
    crate::audit::Change {
        action,
        entity,
        entity_id: Some(id),
        organization_id: Some(organization_id),
        before: before.and_then(|b| serde_json::to_value(b).ok()),
        after: serde_json::to_value(after).ok(),
    }
}

/// The course status as the schema spells it, for messages and audit.
pub fn status_name(status: CourseStatus) -> &'static str {
    match status {
        CourseStatus::Draft => "DRAFT",
        CourseStatus::Published => "PUBLISHED",
        CourseStatus::Completed => "COMPLETED",
        CourseStatus::Cancelled => "CANCELLED",
    }
}

/// When enrolment is possible: the course is published and `now` is inside its window
/// (opening inclusive, closing exclusive; an open end is unbounded).
pub fn check_window(
    status: CourseStatus,
    opens_at: Option<DateTime<Utc>>,
    closes_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), CourseRule> {
    let reason = if status != CourseStatus::Published {
        Some(ClosedReason::NotPublished(status))
    } else if opens_at.is_some_and(|at| now < at) {
        Some(ClosedReason::NotYetOpen)
    } else if closes_at.is_some_and(|at| now >= at) {
        Some(ClosedReason::WindowClosed)
    } else {
        None
    };
    match reason {
        Some(reason) => Err(CourseRule::EnrolmentClosed {
            reason,
            opens_at,
            closes_at,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, day, 0, 0, 0)
            .single()
            .expect("instant")
    }

    #[test]
    fn the_window_opens_inclusively_and_closes_exclusively() {
        let (opens, closes) = (Some(at(10)), Some(at(20)));
        let published = CourseStatus::Published;
        assert!(check_window(published, opens, closes, at(10)).is_ok());
        assert!(check_window(published, opens, closes, at(19)).is_ok());
        assert!(matches!(
            check_window(published, opens, closes, at(9)),
            Err(CourseRule::EnrolmentClosed {
                reason: ClosedReason::NotYetOpen,
                ..
            })
        ));
        assert!(matches!(
            check_window(published, opens, closes, at(20)),
            Err(CourseRule::EnrolmentClosed {
                reason: ClosedReason::WindowClosed,
                ..
            })
        ));
        assert!(check_window(published, None, None, at(1)).is_ok());
        for status in [
            CourseStatus::Draft,
            CourseStatus::Completed,
            CourseStatus::Cancelled,
        ] {
            assert_eq!(
                check_window(status, None, None, at(15)),
                Err(CourseRule::EnrolmentClosed {
                    reason: ClosedReason::NotPublished(status),
                    opens_at: None,
                    closes_at: None
                })
            );
        }
    }

    #[test]
    fn violations_carry_stable_codes_and_both_languages() {
        let closed = CourseRule::EnrolmentClosed {
            reason: ClosedReason::NotYetOpen,
            opens_at: Some(at(10)),
            closes_at: None,
        };
        assert_eq!(closed.code(), "ENROLMENT_CLOSED");
        // 2026-05-10 00:00 UTC is 09:00 in Tokyo.
        assert!(closed.message(Lang::En).contains("2026-05-10 09:00"));
        assert!(closed.message(Lang::Ja).contains("2026-05-10 09:00"));
        assert_eq!(CourseRule::SelfEnrolmentNotAllowed.code(), "FORBIDDEN");
        let invalid = CourseRule::Invalid {
            field: "capacity".into(),
            problem: Problem::BelowTaken { taken: 12 },
        };
        assert_eq!(invalid.code(), "VALIDATION");
        assert!(
            invalid
                .message(Lang::En)
                .starts_with("`capacity` must be at least 12")
        );
        assert!(invalid.message(Lang::Ja).contains("12以上"));
    }
}
