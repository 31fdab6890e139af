//! Advisor pools (人材バンク), advisors and dispatch (派遣): the area a prefecture's digital
//! policy division uses to run its talent bank and a municipality uses to get an advisor.
//!
//! - [`pools`]: pools, their dispatch policy and monthly application windows.
//! - [`profiles`]: advisors, their profile, contact details, unavailable periods and track
//!   record.
//! - [`dispatch`]: the request-to-report workflow (`SUBMITTED` → `PROPOSED` → `APPROVED` /
//!   `DECLINED` → `COMPLETED` → `REPORTED` → `CLOSED`, or `CANCELLED`).
//! - [`quota`]: the places an organisation has taken in a pool's quota per fiscal year.
//! - [`schedule`]: bookings: one advisor is never in two places at once, nor booked while
//!   unavailable.
//! - [`matching`]: ranking advisors for a request, as a pure function.
//! - [`loaders`]: batch loading by id, applying `access`, for nested fields, `node` and
//!   federation alike.
//!
//! Every rule here is a plain function over a connection or transaction that takes the
//! `Viewer`; resolvers in [`graphql`] only translate. Who may read or write what is decided
//! in `crate::access`, never here. Every mutation writes its audit event in its own
//! transaction, and a refused mutation changes nothing.

pub mod dispatch;
pub mod graphql;
pub mod loaders;
pub mod matching;
pub mod pools;
pub mod profiles;
pub mod quota;
pub mod schedule;
pub mod violations;

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{AdvisorTheme, VisitMode};
use sea_orm::Iterable;

use crate::error::{AppError, AppResult, Invalid};
use crate::fiscal;
use crate::organizations::OrgCode;

/// Longest name (of a pool or an advisor) and other one-line texts.
pub const MAX_NAME: usize = 200;
/// Longest description, bio or problem statement.
pub const MAX_TEXT: usize = 4000;
/// Longest report.
pub const MAX_REPORT: usize = 20_000;

/// Today's date in Tokyo.
pub fn today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&fiscal::tokyo()).date_naive()
}

/// The instant a Tokyo calendar day begins.
pub fn start_of_day(date: NaiveDate) -> DateTime<Utc> {
    // Midnight exists on every day in a fixed-offset zone.
    date.and_time(chrono::NaiveTime::MIN)
        .and_local_timezone(fiscal::tokyo())
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| date.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// A theme's name for people.
pub fn theme_label(theme: AdvisorTheme, lang: crate::i18n::Lang) -> &'static str {
    use crate::i18n::Lang::{En, Ja};
    match (theme, lang) {
        (AdvisorTheme::DxStrategy, En) => "DX strategy and policy",
        (AdvisorTheme::DxStrategy, Ja) => "DX戦略・方針",
        (AdvisorTheme::PromotionStructure, En) => "promotion structure",
        (AdvisorTheme::PromotionStructure, Ja) => "推進体制",
        (AdvisorTheme::OnlineProcedures, En) => "online procedures",
        (AdvisorTheme::OnlineProcedures, Ja) => "行政手続の電子化",
        (AdvisorTheme::SystemStandardization, En) => "system standardisation",
        (AdvisorTheme::SystemStandardization, Ja) => "システム標準化",
        (AdvisorTheme::GovernmentCloud, En) => "government cloud",
        (AdvisorTheme::GovernmentCloud, Ja) => "ガバメントクラウド",
        (AdvisorTheme::DigitalDivide, En) => "digital divide",
        (AdvisorTheme::DigitalDivide, Ja) => "デジタルデバイド対策",
        (AdvisorTheme::InformationSecurity, En) => "information security",
        (AdvisorTheme::InformationSecurity, Ja) => "情報セキュリティ",
        (AdvisorTheme::MyNumberCard, En) => "My Number card",
        (AdvisorTheme::MyNumberCard, Ja) => "マイナンバーカード",
        (AdvisorTheme::DataUse, En) => "data use",
        (AdvisorTheme::DataUse, Ja) => "データ利活用",
        (AdvisorTheme::AiRpa, En) => "AI and RPA",
        (AdvisorTheme::AiRpa, Ja) => "AI・RPA",
        (AdvisorTheme::Bpr, En) => "BPR",
        (AdvisorTheme::Bpr, Ja) => "BPR",
        (AdvisorTheme::StaffDevelopment, En) => "staff development",
        (AdvisorTheme::StaffDevelopment, Ja) => "人材育成",
    }
}

/// Checks a list of themes: at least one, each once (first occurrence kept).
pub fn check_themes(field: &str, themes: &[AdvisorTheme]) -> AppResult<Vec<AdvisorTheme>> {
    if themes.is_empty() {
        return Err(AppError::invalid(field, Invalid::Empty));
    }
    let mut out: Vec<AdvisorTheme> = Vec::with_capacity(themes.len());
    for theme in themes {
        if !out.contains(theme) {
            out.push(*theme);
        }
    }
    Ok(out)
}

/// Bit `n` for the `n`-th theme of `AdvisorTheme` (declaration order).
pub fn theme_mask(themes: &[AdvisorTheme]) -> i32 {
    AdvisorTheme::iter()
        .enumerate()
        .filter(|(_, t)| themes.contains(t))
        .fold(0, |mask, (n, _)| mask | (1 << n))
}

/// Bit 0 for on-site, bit 1 for online.
pub fn mode_mask(modes: &[VisitMode]) -> i32 {
    modes.iter().fold(0, |mask, mode| {
        mask | match mode {
            VisitMode::Onsite => 1,
            VisitMode::Online => 2,
        }
    })
}

/// Every prefecture's bit: an advisor with no prefectures listed serves them all.
pub const ALL_PREFECTURES: i64 = (1 << 47) - 1;

/// Bit `n - 1` for prefecture number `n`, from 6-digit prefecture codes; none means all.
pub fn prefecture_mask(codes: &[String]) -> i64 {
    if codes.is_empty() {
        return ALL_PREFECTURES;
    }
    codes
        .iter()
        .filter_map(|c| prefecture_number(c))
        .fold(0, |mask, n| mask | (1_i64 << (n - 1)))
}

/// The prefecture number (1–47) of a local government code.
pub fn prefecture_number(code: &str) -> Option<u32> {
    code.get(..2)?.parse().ok().filter(|n| (1..=47).contains(n))
}

/// Checks a prefecture code as typed: a valid local government code (a municipality's code
/// is refused: advisors serve prefectures).
pub fn parse_prefecture_code(field: &str, raw: &str) -> AppResult<String> {
    let code = OrgCode::parse(field, raw)?;
    match code.prefecture_code() {
        Some(prefecture) if prefecture == code.as_str() => Ok(prefecture),
        _ => Err(AppError::invalid(
            field,
            Invalid::Value {
                expected: "a prefecture's code (e.g. 290009)",
            },
        )),
    }
}

/// An optional one-line text: trimmed, checked, empty as none.
pub fn optional_line(field: &str, value: Option<&str>, max: usize) -> AppResult<Option<String>> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    crate::text::check_line(field, value, max)?;
    Ok(Some(value.to_owned()))
}

/// A required one-line text: trimmed, checked, not empty.
pub fn required_line(field: &str, value: &str, max: usize) -> AppResult<String> {
    optional_line(field, Some(value), max)?.ok_or_else(|| AppError::invalid(field, Invalid::Empty))
}

/// An optional multi-line text: trimmed, checked, empty as none.
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> AppResult<Option<String>> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    crate::text::check_text(field, value, max)?;
    Ok(Some(value.to_owned()))
}

/// A required multi-line text: trimmed, checked, not empty.
pub fn required_text(field: &str, value: &str, max: usize) -> AppResult<String> {
    optional_text(field, Some(value), max)?.ok_or_else(|| AppError::invalid(field, Invalid::Empty))
}

/// An integer input within `min..=max`.
pub fn in_range(field: &str, value: i32, min: i32, max: i32) -> AppResult<i32> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(AppError::invalid(
            field,
            Invalid::Range {
                min: min.into(),
                max: max.into(),
            },
        ))
    }
}

/// The audit JSON of a model.
pub(crate) fn to_json(model: &impl serde::Serialize) -> Option<serde_json::Value> {
    serde_json::to_value(model).ok()
}

/// The audit event of a change to record `id` owned by `organization_id`, with the record
/// before (none for a creation) and after.
pub(crate) fn change<M: serde::Serialize>(
    action: &'static str,
    entity: &'static str,
    id: uuid::Uuid,
    organization_id: uuid::Uuid,
    before: Option<&M>,
    after: &M,
) -> crate::audit::Change {
    crate::audit::Change {
        action,
        entity,
        entity_id: Some(id),
        organization_id: Some(organization_id),
        before: before.and_then(to_json),
        after: to_json(after),
    }
}

/// Writes the change's audit event in the transaction and commits them together.
pub(crate) async fn commit_with_audit(
    txn: sea_orm::DatabaseTransaction,
    actor: &crate::audit::Actor,
    change: crate::audit::Change,
) -> AppResult<()> {
    crate::audit::record(&txn, actor, change).await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_set_one_bit_per_theme_mode_and_prefecture() {
        assert_eq!(theme_mask(&[AdvisorTheme::DxStrategy]), 1);
        assert_eq!(
            theme_mask(&[AdvisorTheme::PromotionStructure, AdvisorTheme::DxStrategy]),
            3
        );
        assert_eq!(
            theme_mask(&AdvisorTheme::iter().collect::<Vec<_>>()),
            (1 << 12) - 1
        );
        assert_eq!(mode_mask(&[VisitMode::Online]), 2);
        assert_eq!(mode_mask(&[VisitMode::Onsite, VisitMode::Online]), 3);
        assert_eq!(prefecture_mask(&["010006".into()]), 1);
        assert_eq!(
            prefecture_mask(&["290009".into(), "390003".into()]),
            (1 << 28) | (1 << 38)
        );
        assert_eq!(prefecture_mask(&[]), ALL_PREFECTURES);
        assert_eq!(prefecture_mask(&["470007".into()]), 1 << 46);
    }

    #[test]
    fn only_prefecture_codes_are_accepted_for_prefectures_served() {
        assert_eq!(
            parse_prefecture_code("p", "290009").ok().as_deref(),
            Some("290009")
        );
        assert!(parse_prefecture_code("p", "292010").is_err());
        assert!(parse_prefecture_code("p", "290008").is_err());
        assert!(parse_prefecture_code("p", "KOIKI-OPS").is_err());
    }

    #[test]
    fn themes_must_not_be_empty_and_repeat_once() {
        assert!(check_themes("themes", &[]).is_err());
        assert_eq!(
            check_themes(
                "themes",
                &[AdvisorTheme::Bpr, AdvisorTheme::AiRpa, AdvisorTheme::Bpr]
            )
            .ok(),
            Some(vec![AdvisorTheme::Bpr, AdvisorTheme::AiRpa])
        );
    }

    #[test]
    fn tokyo_days_start_at_fifteen_hundred_utc_the_day_before() {
        let day = NaiveDate::from_ymd_opt(2027, 4, 1).expect("date");
        assert_eq!(start_of_day(day).to_rfc3339(), "2027-03-31T15:00:00+00:00");
        assert_eq!(today(start_of_day(day)), day);
    }
}
