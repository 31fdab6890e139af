//! 研修実績: an organisation's training figures for one fiscal year (年度), as prefectures
//! report them in their KPIs: completions and hours by job grade and by skill area, and how
//! many digital promotion leaders were trained.
//!
//! A completion counts in the fiscal year of its completion date. A person who completed a
//! course for digital promotion leaders (a course targeting that grade), or who is enrolled
//! at that grade, counts as a leader trained, once however many such courses they finished.

use std::collections::{BTreeMap, HashSet};

use entity::course::{JobGradeList, SkillAreaList};
use entity::enums::{EnrollmentStatus, JobGrade, OrganizationKind, SkillArea};
use entity::{course, enrollment, organization};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use tracing::instrument;

use crate::access;
use crate::auth::Viewer;
use crate::error::{AppError, AppResult, Invalid};
use crate::fiscal;
use crate::organizations::{self, OrgCode};

/// Earliest and latest fiscal years asked about.
pub const FISCAL_YEARS: (i32, i32) = (2000, 2100);

/// One completion, as the summary reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct Completion {
    /// Who: the same person has the same key in every course.
    pub participant_key: String,
    pub job_grade: Option<JobGrade>,
    pub hours: f64,
    pub course_job_grades: Vec<JobGrade>,
    pub course_skill_areas: Vec<SkillArea>,
}

/// Completions and hours of one group.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    pub completions: i64,
    /// Different people among the completions.
    pub participants: i64,
    pub hours: f64,
}

/// The figures of [`summarize`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figures {
    pub total: Tally,
    /// By the participant's job grade; `None`: not recorded.
    pub by_job_grade: Vec<(Option<JobGrade>, Tally)>,
    /// By the course's skill areas: a course teaching several areas counts under each.
    pub by_skill_area: Vec<(SkillArea, Tally)>,
    pub leaders_trained: i64,
}

#[derive(Default)]
struct Counter {
    completions: i64,
    people: HashSet<String>,
    hours: f64,
}

impl Counter {
    fn add(&mut self, completion: &Completion) {
        self.completions += 1;
        self.people.insert(completion.participant_key.clone());
        self.hours += completion.hours;
    }

    fn tally(self) -> Tally {
        Tally {
            completions: self.completions,
            participants: self.people.len() as i64,
            // Hours are entered in quarter hours at the finest; round away float noise.
            hours: (self.hours * 100.0).round() / 100.0,
        }
    }
}

/// Adds up completions (pure).
pub fn summarize(completions: &[Completion]) -> Figures {
    let mut total = Counter::default();
    // `None` sorts first in a BTreeMap; the list puts "not recorded" last instead.
    let mut by_grade: BTreeMap<Option<JobGrade>, Counter> = BTreeMap::new();
    let mut by_area: BTreeMap<SkillArea, Counter> = BTreeMap::new();
    let mut leaders = HashSet::new();
    for completion in completions {
        total.add(completion);
        by_grade
            .entry(completion.job_grade)
            .or_default()
            .add(completion);
        for area in &completion.course_skill_areas {
            by_area.entry(*area).or_default().add(completion);
        }
        let leader = JobGrade::DigitalPromotionLeader;
        if completion.job_grade == Some(leader) || completion.course_job_grades.contains(&leader) {
            leaders.insert(completion.participant_key.clone());
        }
    }
    let mut by_job_grade: Vec<(Option<JobGrade>, Tally)> = by_grade
        .into_iter()
        .map(|(grade, counter)| (grade, counter.tally()))
        .collect();
    by_job_grade.sort_by_key(|(grade, _)| (grade.is_none(), *grade));
    Figures {
        total: total.tally(),
        by_job_grade,
        by_skill_area: by_area
            .into_iter()
            .map(|(area, counter)| (area, counter.tally()))
            .collect(),
        leaders_trained: leaders.len() as i64,
    }
}

/// A completion as read from the database: participant key, job grade, hours, and the
/// course's job grades and skill areas.
type CompletionRow = (
    String,
    Option<JobGrade>,
    Option<f64>,
    JobGradeList,
    SkillAreaList,
);

/// An organisation's training summary for a fiscal year.
#[derive(Clone, Debug)]
pub struct TrainingSummary {
    pub organization: organization::Model,
    pub fiscal_year: i32,
    /// Whether a prefecture's figures include its municipalities' staff.
    pub includes_municipalities: bool,
    pub figures: Figures,
}

/// The training summary of the organisation with `code` for `fiscal_year`. Its members and,
/// for a municipality, its prefecture's staff may read it (`FORBIDDEN` otherwise; the
/// directory of organisations is public, so this says nothing new). A prefecture may ask
/// for its municipalities' staff to be counted with its own.
#[instrument(skip_all, fields(organization = %code, fiscal_year))]
pub async fn training_summary(
    db: &DatabaseConnection,
    viewer: &Viewer,
    code: &str,
    fiscal_year: i32,
    include_municipalities: bool,
) -> AppResult<TrainingSummary> {
    access::ensure_signed_in(viewer)?;
    let code = OrgCode::parse("organizationCode", code)?;
    if !(FISCAL_YEARS.0..=FISCAL_YEARS.1).contains(&fiscal_year) {
        return Err(AppError::invalid(
            "fiscalYear",
            Invalid::Range {
                min: i64::from(FISCAL_YEARS.0),
                max: i64::from(FISCAL_YEARS.1),
            },
        ));
    }
    let organization = organizations::find_by_code(db, &code)
        .await?
        .ok_or(AppError::not_found("Organization"))?;
    if !access::can_read_training_summary(viewer, organization.id, organization.prefecture_id) {
        return Err(AppError::Forbidden);
    }
    let includes_municipalities =
        include_municipalities && organization.kind == OrganizationKind::Prefecture;
    let whose = if includes_municipalities {
        let members = Query::select()
            .column(organization::Column::Id)
            .from(organization::Entity)
            .cond_where(
                Condition::any()
                    .add(organization::Column::Id.eq(organization.id))
                    .add(organization::Column::PrefectureId.eq(organization.id)),
            )
            .to_owned();
        enrollment::Column::OrganizationId.in_subquery(members)
    } else {
        enrollment::Column::OrganizationId.eq(organization.id)
    };
    let (first, last) = fiscal::dates(fiscal_year).ok_or_else(|| {
        AppError::invalid(
            "fiscalYear",
            Invalid::Range {
                min: i64::from(FISCAL_YEARS.0),
                max: i64::from(FISCAL_YEARS.1),
            },
        )
    })?;
    let rows: Vec<CompletionRow> = enrollment::Entity::find()
        .select_only()
        .column(enrollment::Column::ParticipantKey)
        .column(enrollment::Column::ParticipantJobGrade)
        .column(enrollment::Column::CompletedHours)
        .column(course::Column::JobGrades)
        .column(course::Column::SkillAreas)
        .inner_join(course::Entity)
        .filter(whose)
        .filter(enrollment::Column::Status.eq(EnrollmentStatus::Completed))
        .filter(enrollment::Column::CompletedOn.between(first, last))
        .into_tuple()
        .all(db)
        .await?;
    let completions: Vec<Completion> = rows
        .into_iter()
        .map(
            |(participant_key, job_grade, hours, grades, areas)| Completion {
                participant_key,
                job_grade,
                hours: hours.unwrap_or(0.0),
                course_job_grades: grades.0,
                course_skill_areas: areas.0,
            },
        )
        .collect();
    Ok(TrainingSummary {
        organization,
        fiscal_year,
        includes_municipalities,
        figures: summarize(&completions),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(
        who: &str,
        grade: Option<JobGrade>,
        hours: f64,
        course_grades: &[JobGrade],
        areas: &[SkillArea],
    ) -> Completion {
        Completion {
            participant_key: who.into(),
            job_grade: grade,
            hours,
            course_job_grades: course_grades.to_vec(),
            course_skill_areas: areas.to_vec(),
        }
    }

    #[test]
    fn completions_and_hours_add_up_by_grade_and_area() {
        use JobGrade::*;
        use SkillArea::*;
        let figures = summarize(&[
            done("a", Some(NewHire), 3.0, &[NewHire], &[Security]),
            done("b", Some(NewHire), 3.0, &[NewHire], &[Security]),
            done("a", Some(NewHire), 1.5, &[GeneralStaff], &[DataUse, Bpr]),
            done("c", None, 2.25, &[Management], &[DxStrategy]),
            done("d", Some(Management), 4.0, &[Management], &[DxStrategy]),
        ]);
        assert_eq!(
            figures.total,
            Tally {
                completions: 5,
                participants: 4,
                hours: 13.75
            }
        );
        assert_eq!(
            figures.by_job_grade,
            vec![
                (
                    Some(Management),
                    Tally {
                        completions: 1,
                        participants: 1,
                        hours: 4.0
                    }
                ),
                (
                    Some(NewHire),
                    Tally {
                        completions: 3,
                        participants: 2,
                        hours: 7.5
                    }
                ),
                (
                    None,
                    Tally {
                        completions: 1,
                        participants: 1,
                        hours: 2.25
                    }
                ),
            ]
        );
        let areas: Vec<(SkillArea, i64, f64)> = figures
            .by_skill_area
            .iter()
            .map(|(a, t)| (*a, t.completions, t.hours))
            .collect();
        // A course teaching two areas counts under both.
        assert_eq!(
            areas,
            [
                (DxStrategy, 2, 6.25),
                (DataUse, 1, 1.5),
                (Bpr, 1, 1.5),
                (Security, 2, 6.0)
            ]
        );
        assert_eq!(figures.leaders_trained, 0);
    }

    #[test]
    fn leaders_are_counted_once_by_course_or_by_grade() {
        use JobGrade::*;
        use SkillArea::*;
        let figures = summarize(&[
            // The leader programme, and a second leader course for the same person.
            done(
                "a",
                Some(MidLevel),
                120.0,
                &[DigitalPromotionLeader],
                &[NoCodeLowCode],
            ),
            done(
                "a",
                Some(MidLevel),
                10.0,
                &[DigitalPromotionLeader],
                &[ItPassport],
            ),
            // Enrolled at the leader grade in an ordinary course.
            done(
                "b",
                Some(DigitalPromotionLeader),
                3.0,
                &[GeneralStaff],
                &[Rpa],
            ),
            // Neither.
            done("c", Some(GeneralStaff), 3.0, &[GeneralStaff], &[Rpa]),
        ]);
        assert_eq!(figures.leaders_trained, 2);
        assert!(summarize(&[]).by_job_grade.is_empty());
    }
}
