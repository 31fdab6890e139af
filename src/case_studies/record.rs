//! The structured parts of a case study (the Ministry's case-sheet format): initiatives,
//! effects, KPIs, costs, vendors, schedule, interview, references and follow-ups.
//!
//! They are stored as JSON in `case_studies.details` (and `contact`), read and written through
//! these types, which are also the GraphQL objects and inputs, so that the stored form, the
//! API and the checks never drift apart. Every field has a default, so older rows read.

use async_graphql::{InputObject, SimpleObject};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult, Invalid};
use crate::graphql::scalars::Date;
use crate::text::{check_line, check_text};

/// Longest heading, label, name or period.
pub const SHORT: usize = 200;
/// Longest point, answer or other paragraph.
pub const LONG: usize = 4_000;
/// Most items in any list of a case.
pub const MAX_ITEMS: usize = 50;
/// Largest amount of yen accepted (a trillion).
pub const MAX_YEN: i64 = 1_000_000_000_000;
/// Years accepted for KPIs and figures.
pub const YEARS: (i64, i64) = (1900, 2100);

/// 取組: one initiative, with its points.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, SimpleObject, InputObject)]
#[graphql(input_name = "InitiativeInput")]
#[serde(rename_all = "camelCase", default)]
pub struct Initiative {
    pub heading: String,
    #[graphql(default)]
    pub points: Vec<String>,
}

/// A measured effect: "overtime −235 hours", "≈50,000 sheets of paper".
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, SimpleObject, InputObject)]
#[graphql(input_name = "MeasuredEffectInput")]
#[serde(rename_all = "camelCase", default)]
pub struct MeasuredEffect {
    /// What was measured.
    pub label: String,
    /// The figure after the initiative (or the change, as the label says).
    pub value: f64,
    /// 時間, 枚, %, 業務, …
    pub unit: Option<String>,
    /// The figure before, when known.
    pub baseline: Option<f64>,
    /// When or over what period it was measured.
    pub period: Option<String>,
    /// Qualifications ("about", "100 or more", …).
    pub note: Option<String>,
}

/// 効果: what came of it, in words and figures.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, SimpleObject, InputObject)]
#[graphql(input_name = "EffectsInput")]
#[serde(rename_all = "camelCase", default)]
pub struct Effects {
    pub text: Option<String>,
    #[graphql(default)]
    pub figures: Vec<MeasuredEffect>,
}

/// A KPI with its baseline, target and actual figures.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, SimpleObject, InputObject)]
#[graphql(input_name = "KpiInput")]
#[serde(rename_all = "camelCase", default)]
pub struct Kpi {
    pub name: String,
    pub unit: Option<String>,
    pub baseline: Option<f64>,
    /// Year of the baseline (1900–2100).
    pub baseline_year: Option<i32>,
    pub target: Option<f64>,
    /// Year the target is for (1900–2100).
    pub target_year: Option<i32>,
    pub actual: Option<f64>,
    /// Year of the actual figure (1900–2100).
    pub actual_year: Option<i32>,
}

/// One line of a cost breakdown, in yen.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, SimpleObject, InputObject)]
#[graphql(input_name = "CostLineInput")]
#[serde(rename_all = "camelCase", default)]
pub struct CostLine {
    pub label: String,
    pub amount_yen: i64,
}

/// A cost in yen, with its breakdown and funding.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, SimpleObject, InputObject)]
#[graphql(input_name = "CostInput")]
#[serde(rename_all = "camelCase", default)]
pub struct Cost {
    /// The total, in yen (0 or more).
    pub amount_yen: i64,
    #[graphql(default)]
    pub breakdown: Vec<CostLine>,
    /// 財源: how it was paid for (own budget, a national grant, …).
    pub funding_source: Option<String>,
    /// E.g. "税抜" (before tax).
    pub note: Option<String>,
}

/// 費用: what it cost to start and to run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, SimpleObject, InputObject)]
#[graphql(input_name = "CostsInput")]
#[serde(rename_all = "camelCase", default)]
pub struct Costs {
    /// イニシャルコスト.
    pub initial: Option<Cost>,
    /// ランニングコスト, per year.
    pub running_per_year: Option<Cost>,
}

/// A company or body that took part.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, SimpleObject, InputObject)]
#[graphql(input_name = "VendorInput")]
#[serde(rename_all = "camelCase", default)]
pub struct Vendor {
    pub name: String,
    /// Its part (supplier, trainer, 参画主体, …).
    pub role: Option<String>,
}

/// A product or service used, and how it is run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, SimpleObject, InputObject)]
#[graphql(input_name = "ServiceInput")]
#[serde(rename_all = "camelCase", default)]
pub struct Service {
    pub name: String,
    /// 運用形態, e.g. a packaged product run in the cloud.
    pub operation: Option<String>,
}

/// A step of the schedule.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, SimpleObject, InputObject)]
#[graphql(input_name = "MilestoneInput")]
#[serde(rename_all = "camelCase", default)]
pub struct Milestone {
    /// When, as written ("2022年1月〜3月").
    pub period: String,
    pub description: String,
}

/// スケジュール: from first study to launch.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, SimpleObject, InputObject)]
#[graphql(input_name = "ScheduleInput")]
#[serde(rename_all = "camelCase", default)]
pub struct Schedule {
    /// 検討開始から導入までの期間, in months.
    pub months_from_study_to_launch: Option<i32>,
    #[graphql(default)]
    pub milestones: Vec<Milestone>,
}

/// A question of the interview and its answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, SimpleObject, InputObject)]
#[graphql(input_name = "InterviewAnswerInput")]
#[serde(rename_all = "camelCase", default)]
pub struct InterviewAnswer {
    pub question: String,
    pub answer: String,
}

/// A source or further reading.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, SimpleObject, InputObject)]
#[graphql(input_name = "ReferenceInput")]
#[serde(rename_all = "camelCase", default)]
pub struct Reference {
    pub title: String,
    /// An http(s) address.
    pub url: Option<String>,
    /// The source document.
    pub document: Option<String>,
    /// The page in the source document.
    pub page: Option<i32>,
}

/// A later look at the initiative: is it still running, what came of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, SimpleObject)]
#[serde(rename_all = "camelCase")]
pub struct FollowUp {
    #[serde(with = "iso_date")]
    pub date: Date,
    pub still_operating: bool,
    pub notes: Option<String>,
}

/// 担当部署: whom to ask. Shown to signed-in local governments only.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, SimpleObject, InputObject)]
#[graphql(input_name = "ContactInput")]
#[serde(rename_all = "camelCase", default)]
pub struct Contact {
    pub department: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// The structured body of a case study.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, SimpleObject, InputObject)]
#[graphql(input_name = "CaseStudyDetailsInput")]
#[serde(rename_all = "camelCase", default)]
pub struct CaseStudyDetails {
    /// 取組内容.
    #[graphql(default)]
    pub initiatives: Vec<Initiative>,
    #[graphql(default)]
    pub effects: Effects,
    #[graphql(default)]
    pub kpis: Vec<Kpi>,
    #[graphql(default)]
    pub costs: Costs,
    #[graphql(default)]
    pub vendors: Vec<Vendor>,
    #[graphql(default)]
    pub services: Vec<Service>,
    #[graphql(default)]
    pub schedule: Schedule,
    /// 苦労・失敗: what was hard or went wrong.
    pub challenges: Option<String>,
    /// 横展開の条件: what another organisation needs to copy it.
    pub transfer_conditions: Option<String>,
    /// 担当者インタビュー.
    #[graphql(default)]
    pub interview: Vec<InterviewAnswer>,
    #[graphql(default)]
    pub references: Vec<Reference>,
    /// Added with `addCaseStudyFollowUp`, oldest first; an update keeps them.
    #[graphql(skip_input)]
    pub follow_ups: Vec<FollowUp>,
}

/// Serde for [`Date`] as ISO 8601 text.
mod iso_date {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::graphql::scalars::Date;

    pub fn serialize<S: Serializer>(date: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&date.0.format("%Y-%m-%d").to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = String::deserialize(d)?;
        NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .map(Date)
            .map_err(serde::de::Error::custom)
    }
}

/// Checks the field paths of one input as it walks it.
struct Checker<'a> {
    path: &'a str,
}

impl Checker<'_> {
    fn at(&self, name: &str) -> String {
        format!("{}.{name}", self.path)
    }

    fn line(&self, name: &str, value: &str, required: bool) -> AppResult<()> {
        if required && value.trim().is_empty() {
            return Err(AppError::invalid(self.at(name), Invalid::Empty));
        }
        check_line(&self.at(name), value, SHORT)
    }

    fn opt_line(&self, name: &str, value: &Option<String>) -> AppResult<()> {
        value
            .as_deref()
            .map_or(Ok(()), |v| self.line(name, v, false))
    }

    fn text(&self, name: &str, value: &str, required: bool) -> AppResult<()> {
        if required && value.trim().is_empty() {
            return Err(AppError::invalid(self.at(name), Invalid::Empty));
        }
        check_text(&self.at(name), value, LONG)
    }

    fn opt_text(&self, name: &str, value: &Option<String>) -> AppResult<()> {
        value
            .as_deref()
            .map_or(Ok(()), |v| self.text(name, v, false))
    }

    fn count<T>(&self, name: &str, items: &[T]) -> AppResult<()> {
        if items.len() > MAX_ITEMS {
            return Err(AppError::invalid(
                self.at(name),
                Invalid::Range {
                    min: 0,
                    max: MAX_ITEMS as i64,
                },
            ));
        }
        Ok(())
    }

    fn range(&self, name: &str, value: Option<i64>, (min, max): (i64, i64)) -> AppResult<()> {
        match value {
            Some(v) if !(min..=max).contains(&v) => Err(AppError::invalid(
                self.at(name),
                Invalid::Range { min, max },
            )),
            _ => Ok(()),
        }
    }

    fn item(&self, name: &str, index: usize) -> String {
        format!("{}.{name}[{index}]", self.path)
    }
}

fn check_cost(path: &str, cost: &Cost) -> AppResult<()> {
    let c = Checker { path };
    c.range("amountYen", Some(cost.amount_yen), (0, MAX_YEN))?;
    c.count("breakdown", &cost.breakdown)?;
    for (i, line) in cost.breakdown.iter().enumerate() {
        let path = c.item("breakdown", i);
        let l = Checker { path: &path };
        l.line("label", &line.label, true)?;
        l.range("amountYen", Some(line.amount_yen), (0, MAX_YEN))?;
    }
    c.opt_line("fundingSource", &cost.funding_source)?;
    c.opt_line("note", &cost.note)
}

/// Checks the details of a case: lengths, control characters, list sizes, amounts (no
/// negative costs) and years (1900–2100). `path` names the input field in errors.
pub fn check_details(path: &str, details: &CaseStudyDetails) -> AppResult<()> {
    let c = Checker { path };
    c.count("initiatives", &details.initiatives)?;
    for (i, initiative) in details.initiatives.iter().enumerate() {
        let path = c.item("initiatives", i);
        let ic = Checker { path: &path };
        ic.line("heading", &initiative.heading, true)?;
        ic.count("points", &initiative.points)?;
        for (j, point) in initiative.points.iter().enumerate() {
            check_text(&ic.item("points", j), point, LONG)?;
        }
    }
    let effects_path = c.at("effects");
    let e = Checker {
        path: &effects_path,
    };
    e.opt_text("text", &details.effects.text)?;
    e.count("figures", &details.effects.figures)?;
    for (i, figure) in details.effects.figures.iter().enumerate() {
        let path = e.item("figures", i);
        let f = Checker { path: &path };
        f.line("label", &figure.label, true)?;
        f.opt_line("unit", &figure.unit)?;
        f.opt_line("period", &figure.period)?;
        f.opt_line("note", &figure.note)?;
    }
    c.count("kpis", &details.kpis)?;
    for (i, kpi) in details.kpis.iter().enumerate() {
        let path = c.item("kpis", i);
        let k = Checker { path: &path };
        k.line("name", &kpi.name, true)?;
        k.opt_line("unit", &kpi.unit)?;
        k.range("baselineYear", kpi.baseline_year.map(i64::from), YEARS)?;
        k.range("targetYear", kpi.target_year.map(i64::from), YEARS)?;
        k.range("actualYear", kpi.actual_year.map(i64::from), YEARS)?;
    }
    if let Some(cost) = &details.costs.initial {
        check_cost(&format!("{path}.costs.initial"), cost)?;
    }
    if let Some(cost) = &details.costs.running_per_year {
        check_cost(&format!("{path}.costs.runningPerYear"), cost)?;
    }
    c.count("vendors", &details.vendors)?;
    for (i, vendor) in details.vendors.iter().enumerate() {
        let path = c.item("vendors", i);
        let v = Checker { path: &path };
        v.line("name", &vendor.name, true)?;
        v.opt_line("role", &vendor.role)?;
    }
    c.count("services", &details.services)?;
    for (i, service) in details.services.iter().enumerate() {
        let path = c.item("services", i);
        let s = Checker { path: &path };
        s.line("name", &service.name, true)?;
        s.opt_line("operation", &service.operation)?;
    }
    let schedule_path = c.at("schedule");
    let s = Checker {
        path: &schedule_path,
    };
    s.range(
        "monthsFromStudyToLaunch",
        details.schedule.months_from_study_to_launch.map(i64::from),
        (0, 1200),
    )?;
    s.count("milestones", &details.schedule.milestones)?;
    for (i, milestone) in details.schedule.milestones.iter().enumerate() {
        let path = s.item("milestones", i);
        let m = Checker { path: &path };
        m.line("period", &milestone.period, true)?;
        m.text("description", &milestone.description, true)?;
    }
    c.opt_text("challenges", &details.challenges)?;
    c.opt_text("transferConditions", &details.transfer_conditions)?;
    c.count("interview", &details.interview)?;
    for (i, answer) in details.interview.iter().enumerate() {
        let path = c.item("interview", i);
        let a = Checker { path: &path };
        a.line("question", &answer.question, true)?;
        a.text("answer", &answer.answer, true)?;
    }
    c.count("references", &details.references)?;
    for (i, reference) in details.references.iter().enumerate() {
        let path = c.item("references", i);
        let r = Checker { path: &path };
        r.line("title", &reference.title, true)?;
        if let Some(url) = &reference.url {
            check_line(&r.at("url"), url, 2_000)?;
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(AppError::invalid(
                    r.at("url"),
                    Invalid::Value {
                        expected: "an http(s) address",
                    },
                ));
            }
        }
        r.opt_line("document", &reference.document)?;
        r.range("page", reference.page.map(i64::from), (1, 100_000))?;
    }
    Ok(())
}

/// Checks a contact: a department, an email that looks like one, a short phone number.
pub fn check_contact(path: &str, contact: &Contact) -> AppResult<()> {
    let c = Checker { path };
    c.line("department", &contact.department, true)?;
    if let Some(email) = &contact.email {
        c.line("email", email, false)?;
        let valid = email
            .split_once('@')
            .is_some_and(|(user, domain)| !user.is_empty() && domain.contains('.'));
        if !valid {
            return Err(AppError::invalid(c.at("email"), Invalid::Email));
        }
    }
    if let Some(phone) = &contact.phone {
        check_line(&c.at("phone"), phone, 30)?;
        if !phone
            .chars()
            .all(|ch| ch.is_ascii_digit() || "-+() ".contains(ch))
        {
            return Err(AppError::invalid(
                c.at("phone"),
                Invalid::Value {
                    expected: "a phone number (digits, -, +, parentheses)",
                },
            ));
        }
    }
    Ok(())
}

/// The text of the details a reader may search for, one paragraph a line.
pub fn searchable_text(details: &CaseStudyDetails) -> Vec<String> {
    let mut out = Vec::new();
    for initiative in &details.initiatives {
        out.push(initiative.heading.clone());
        out.extend(initiative.points.iter().cloned());
    }
    out.extend(details.effects.text.iter().cloned());
    for figure in &details.effects.figures {
        out.push(figure.label.clone());
        out.extend(figure.note.iter().cloned());
    }
    out.extend(details.kpis.iter().map(|k| k.name.clone()));
    for cost in [&details.costs.initial, &details.costs.running_per_year]
        .into_iter()
        .flatten()
    {
        out.extend(cost.breakdown.iter().map(|l| l.label.clone()));
        out.extend(cost.funding_source.iter().cloned());
    }
    out.extend(details.vendors.iter().map(|v| v.name.clone()));
    out.extend(details.services.iter().map(|s| s.name.clone()));
    out.extend(
        details
            .schedule
            .milestones
            .iter()
            .map(|m| m.description.clone()),
    );
    out.extend(details.challenges.iter().cloned());
    out.extend(details.transfer_conditions.iter().cloned());
    for answer in &details.interview {
        out.push(answer.question.clone());
        out.push(answer.answer.clone());
    }
    out.extend(details.references.iter().map(|r| r.title.clone()));
    out.extend(details.follow_ups.iter().filter_map(|f| f.notes.clone()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(result: AppResult<()>) -> Option<(String, String)> {
        match result {
            Err(AppError::Validation { field, reason }) => Some((field, format!("{reason:?}"))),
            _ => None,
        }
    }

    #[test]
    fn negative_costs_and_years_out_of_range_are_refused_with_their_field() {
        let mut details = CaseStudyDetails::default();
        details.costs.initial = Some(Cost {
            amount_yen: -1,
            ..Default::default()
        });
        let (field, _) = code(check_details("input.details", &details)).expect("refused");
        assert_eq!(field, "input.details.costs.initial.amountYen");

        let mut details = CaseStudyDetails::default();
        details.kpis.push(Kpi {
            name: "DX推進員".into(),
            target_year: Some(2101),
            ..Default::default()
        });
        let (field, _) = code(check_details("input.details", &details)).expect("refused");
        assert_eq!(field, "input.details.kpis[0].targetYear");

        details.kpis[0].target_year = Some(2026);
        assert!(check_details("input.details", &details).is_ok());
    }

    #[test]
    fn details_round_trip_through_json_and_old_rows_read() {
        let details = CaseStudyDetails {
            follow_ups: vec![FollowUp {
                date: Date(chrono::NaiveDate::from_ymd_opt(2026, 4, 1).expect("date")),
                still_operating: true,
                notes: Some("継続中".into()),
            }],
            ..Default::default()
        };
        let json = serde_json::to_value(&details).expect("json");
        assert_eq!(json["followUps"][0]["date"], "2026-04-01");
        let back: CaseStudyDetails = serde_json::from_value(json).expect("back");
        assert_eq!(back, details);
        let old: CaseStudyDetails =
            serde_json::from_value(serde_json::json!({ "initiatives": [] })).expect("old");
        assert_eq!(old, CaseStudyDetails::default());
    }

    #[test]
    fn contacts_are_checked() {
        let contact = Contact {
            department: "デジタル行政戦略課".into(),
            email: Some("digital@example.jp".into()),
            phone: Some("076-220-2044".into()),
        };
        assert!(check_contact("input.contact", &contact).is_ok());
        let bad = Contact {
            email: Some("no-at-sign".into()),
            ..contact.clone()
        };
        assert!(code(check_contact("input.contact", &bad)).is_some());
        let bad = Contact {
            phone: Some("call me".into()),
            ..contact
        };
        assert!(code(check_contact("input.contact", &bad)).is_some());
    }
}
