//! The dispatch area's own error codes: rules a request broke, with the facts a client needs
//! to act on them in `extensions`.

use async_graphql::ErrorExtensionValues;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use uuid::Uuid;

use crate::error::RuleViolation;
use crate::graphql::ids;
use crate::i18n::Lang;

fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Tokyo local time of an instant, for messages people read.
fn tokyo(at: DateTime<Utc>) -> String {
    at.with_timezone(&crate::fiscal::tokyo())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// `DISPATCH_QUOTA_EXCEEDED`: the requesting organisation has used all its places in the
/// pool's quota for the fiscal year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuotaExceeded {
    pub used: i32,
    pub limit: i32,
    pub fiscal_year: i32,
}

impl RuleViolation for QuotaExceeded {
    fn code(&self) -> &'static str {
        "DISPATCH_QUOTA_EXCEEDED"
    }
    fn message(&self, lang: Lang) -> String {
        let Self {
            used,
            limit,
            fiscal_year,
        } = self;
        match lang {
            Lang::En => format!(
                "The requesting organisation has used {used} of its {limit} dispatches from this pool in fiscal year {fiscal_year}."
            ),
            Lang::Ja => format!(
                "依頼団体は{fiscal_year}年度、この人材バンクの派遣枠{limit}回のうち{used}回を使用済みです。"
            ),
        }
    }
    fn extensions(&self, extensions: &mut ErrorExtensionValues) {
        extensions.set("used", self.used);
        extensions.set("limit", self.limit);
        extensions.set("fiscalYear", self.fiscal_year);
    }
}

/// What a dispatch policy limits per request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitUnit {
    OnsiteDays,
    OnlineHours,
}

/// `DISPATCH_LIMIT_EXCEEDED`: more on-site days or online hours than the pool allows per
/// request.
#[derive(Clone, Debug, PartialEq)]
pub struct LimitExceeded {
    pub field: String,
    pub unit: LimitUnit,
    pub requested: f64,
    pub limit: i32,
}

impl RuleViolation for LimitExceeded {
    fn code(&self) -> &'static str {
        "DISPATCH_LIMIT_EXCEEDED"
    }
    fn message(&self, lang: Lang) -> String {
        let (limit, requested) = (self.limit, self.requested);
        match (self.unit, lang) {
            (LimitUnit::OnsiteDays, Lang::En) => format!(
                "This pool allows at most {limit} on-site days per request; {requested} were asked for."
            ),
            (LimitUnit::OnsiteDays, Lang::Ja) => format!(
                "この人材バンクの現地派遣は1件あたり{limit}日までです（{requested}日が指定されました）。"
            ),
            (LimitUnit::OnlineHours, Lang::En) => format!(
                "This pool allows at most {limit} online hours per request; {requested} were asked for."
            ),
            (LimitUnit::OnlineHours, Lang::Ja) => format!(
                "この人材バンクのオンライン支援は1件あたり{limit}時間までです（{requested}時間が指定されました）。"
            ),
        }
    }
    fn extensions(&self, extensions: &mut ErrorExtensionValues) {
        extensions.set("field", self.field.as_str());
        extensions.set(
            "unit",
            match self.unit {
                LimitUnit::OnsiteDays => "ONSITE_DAYS",
                LimitUnit::OnlineHours => "ONLINE_HOURS",
            },
        );
        extensions.set("requested", self.requested);
        extensions.set("limit", self.limit);
    }
}

/// `APPLICATION_WINDOW_CLOSED`: the pool takes requests only in its monthly window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WindowClosed {
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
}

impl RuleViolation for WindowClosed {
    fn code(&self) -> &'static str {
        "APPLICATION_WINDOW_CLOSED"
    }
    fn message(&self, lang: Lang) -> String {
        let (opens, closes) = (self.opens_on, self.closes_on);
        match lang {
            Lang::En => format!(
                "This pool is not taking requests now. The next application window runs from {opens} to {closes}."
            ),
            Lang::Ja => {
                format!("現在は受付期間外です。次の受付期間は{opens}から{closes}までです。")
            }
        }
    }
    fn extensions(&self, extensions: &mut ErrorExtensionValues) {
        extensions.set("nextWindowOpensOn", self.opens_on.to_string());
        extensions.set("nextWindowClosesOn", self.closes_on.to_string());
    }
}

/// What a booking clashes with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClashKind {
    /// Another scheduled visit of the advisor.
    Visit,
    /// A period the advisor is unavailable.
    Unavailable,
}

impl ClashKind {
    fn code(self) -> &'static str {
        match self {
            Self::Visit => "VISIT",
            Self::Unavailable => "UNAVAILABLE",
        }
    }
}

/// `CONFLICT`: an advisor would be booked twice at once, or while unavailable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookingConflict {
    /// The input that clashes (`input.visits[1]`).
    pub field: String,
    pub advisor_id: Uuid,
    pub advisor_name: String,
    pub kind: ClashKind,
    /// The booked visit or unavailable period clashed with.
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl RuleViolation for BookingConflict {
    fn code(&self) -> &'static str {
        "CONFLICT"
    }
    fn message(&self, lang: Lang) -> String {
        let name = &self.advisor_name;
        let (from, to) = (tokyo(self.starts_at), tokyo(self.ends_at));
        match (self.kind, lang) {
            (ClashKind::Visit, Lang::En) => {
                format!("{name} already has a visit booked from {from} to {to} (Tokyo time).")
            }
            (ClashKind::Visit, Lang::Ja) => {
                format!("{name}さんは{from}から{to}まで別の派遣が入っています。")
            }
            (ClashKind::Unavailable, Lang::En) => {
                format!("{name} is unavailable from {from} to {to} (Tokyo time).")
            }
            (ClashKind::Unavailable, Lang::Ja) => {
                format!("{name}さんは{from}から{to}まで対応できません。")
            }
        }
    }
    fn extensions(&self, extensions: &mut ErrorExtensionValues) {
        extensions.set("field", self.field.as_str());
        let mut clash = async_graphql::indexmap::IndexMap::new();
        clash.insert(
            async_graphql::Name::new("kind"),
            async_graphql::Value::from(self.kind.code()),
        );
        clash.insert(
            async_graphql::Name::new("advisorId"),
            async_graphql::Value::from(ids::encode("Advisor", self.advisor_id).0),
        );
        clash.insert(
            async_graphql::Name::new("startsAt"),
            async_graphql::Value::from(instant(self.starts_at)),
        );
        clash.insert(
            async_graphql::Name::new("endsAt"),
            async_graphql::Value::from(instant(self.ends_at)),
        );
        extensions.set("clash", async_graphql::Value::Object(clash));
    }
}

/// `DISPATCH_STARTED`: the first visit has begun, so the request can no longer be cancelled
/// (nor the assignment declined).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DispatchStarted {
    pub first_visit_at: DateTime<Utc>,
}

impl RuleViolation for DispatchStarted {
    fn code(&self) -> &'static str {
        "DISPATCH_STARTED"
    }
    fn message(&self, lang: Lang) -> String {
        let at = tokyo(self.first_visit_at);
        match lang {
            Lang::En => {
                format!("The first visit began at {at} (Tokyo time); it is too late for this.")
            }
            Lang::Ja => format!("最初の派遣が{at}に始まっているため、この操作はできません。"),
        }
    }
    fn extensions(&self, extensions: &mut ErrorExtensionValues) {
        extensions.set("firstVisitAt", instant(self.first_visit_at));
    }
}

/// `VISITS_NOT_HELD`: a visit has not begun yet, so the dispatch cannot be marked held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisitsNotHeld {
    pub next_visit_at: DateTime<Utc>,
}

impl RuleViolation for VisitsNotHeld {
    fn code(&self) -> &'static str {
        "VISITS_NOT_HELD"
    }
    fn message(&self, lang: Lang) -> String {
        let at = tokyo(self.next_visit_at);
        match lang {
            Lang::En => format!("A visit is still to come ({at}, Tokyo time)."),
            Lang::Ja => format!("まだ実施されていない派遣があります（{at}）。"),
        }
    }
    fn extensions(&self, extensions: &mut ErrorExtensionValues) {
        extensions.set("nextVisitAt", instant(self.next_visit_at));
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn violations_say_their_facts_in_both_languages() {
        let quota = QuotaExceeded {
            used: 3,
            limit: 3,
            fiscal_year: 2027,
        };
        assert_eq!(quota.code(), "DISPATCH_QUOTA_EXCEEDED");
        assert!(quota.message(Lang::En).contains("3 of its 3"));
        assert!(quota.message(Lang::Ja).contains("2027年度"));
        let at = Utc
            .with_ymd_and_hms(2027, 5, 10, 0, 30, 0)
            .single()
            .expect("instant");
        let clash = BookingConflict {
            field: "input.visits[0]".into(),
            advisor_id: Uuid::nil(),
            advisor_name: "見本 太郎".into(),
            kind: ClashKind::Unavailable,
            starts_at: at,
            ends_at: at,
        };
        assert_eq!(clash.code(), "CONFLICT");
        assert!(clash.message(Lang::En).contains("2027-05-10 09:30"));
        assert!(clash.message(Lang::Ja).contains("対応できません"));
        let mut extensions = ErrorExtensionValues::default();
        clash.extensions(&mut extensions);
        let text = serde_json::to_string(&extensions).unwrap_or_default();
        assert!(
            text.contains("UNAVAILABLE") && text.contains("2027-05-10T00:30:00Z"),
            "{text}"
        );
    }
}
