//! The filter of `caseStudies`: search text, categories, keywords, place, size, stage, year
//! and "municipalities like mine", always within what the viewer may read.

use entity::enums::{CaseStage, CaseStatus, PopulationBand, SearchKind};
use entity::{case_category, case_study, case_study_keyword, keyword, organization};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    Select,
};
use uuid::Uuid;

use super::keywords;
use crate::access;
use crate::auth::Viewer;
use crate::error::{AppError, AppResult, Invalid};
use crate::organizations::{OrgCode, OrganizationFilter};
use crate::search::{self, SearchText};

/// Most values in one list of the filter.
pub const MAX_VALUES: usize = 50;
/// The widest population ratio of `similarTo`.
pub const MAX_RATIO: f64 = 100.0;

/// "Municipalities like this one": population within a ratio, optionally the same prefecture.
#[derive(Clone, Debug)]
pub struct SimilarTo {
    pub organization: OrgCode,
    /// Populations from `p / ratio` to `p × ratio` of the organisation's population `p`.
    pub ratio: f64,
    pub same_prefecture: bool,
}

/// A checked filter. Lists match any of their values; the fields match together.
#[derive(Clone, Debug, Default)]
pub struct CaseStudyFilter {
    pub search: Option<SearchText>,
    /// Categories; a top-level category includes its subcategories.
    pub categories: Vec<Uuid>,
    /// Normalised keyword names.
    pub keywords: Vec<String>,
    pub prefecture: Option<OrgCode>,
    pub organization: Option<OrgCode>,
    pub population_bands: Vec<PopulationBand>,
    pub stages: Vec<CaseStage>,
    pub years: Vec<i32>,
    pub similar_to: Option<SimilarTo>,
    /// Without any, published cases only.
    pub statuses: Vec<CaseStatus>,
}

fn check_count<T>(field: &str, values: &[T]) -> AppResult<()> {
    if values.len() > MAX_VALUES {
        return Err(AppError::invalid(
            field,
            Invalid::Range {
                min: 0,
                max: MAX_VALUES as i64,
            },
        ));
    }
    Ok(())
}

impl CaseStudyFilter {
    /// Checks the list sizes, keyword texts and the similarity ratio.
    pub fn check(&self, raw_keywords: &[String]) -> AppResult<Vec<String>> {
        check_count("filter.categories", &self.categories)?;
        check_count("filter.keywords", raw_keywords)?;
        check_count("filter.populationBands", &self.population_bands)?;
        check_count("filter.stages", &self.stages)?;
        check_count("filter.years", &self.years)?;
        if let Some(similar) = &self.similar_to
            && !(similar.ratio >= 1.0 && similar.ratio <= MAX_RATIO)
        {
            return Err(AppError::invalid(
                "filter.similarTo.populationRatio",
                Invalid::Range {
                    min: 1,
                    max: MAX_RATIO as i64,
                },
            ));
        }
        raw_keywords
            .iter()
            .enumerate()
            .map(|(i, k)| {
                let field = format!("filter.keywords[{i}]");
                crate::text::check_line(&field, k, keywords::MAX_LENGTH)?;
                Ok(keywords::normalise(k))
            })
            .collect()
    }

    /// The cases that match, as a query (without order or page), and the expression of each
    /// row's search score when there is a search.
    pub async fn select(
        &self,
        db: &DatabaseConnection,
        viewer: &Viewer,
    ) -> AppResult<(Select<case_study::Entity>, Option<Expr>)> {
        use case_study::Column;
        let statuses = if self.statuses.is_empty() {
            vec![CaseStatus::Published]
        } else {
            self.statuses.clone()
        };
        let mut condition = Condition::all()
            .add(access::readable_case_studies(viewer))
            .add(Column::Status.is_in(statuses));
        if !self.categories.is_empty() {
            let ids = self.categories.clone();
            let with_children = Query::select()
                .column(case_category::Column::Id)
                .from(case_category::Entity)
                .cond_where(
                    Condition::any()
                        .add(case_category::Column::Id.is_in(ids.clone()))
                        .add(case_category::Column::ParentId.is_in(ids)),
                )
                .to_owned();
            condition = condition.add(Column::CategoryId.in_subquery(with_children));
        }
        if !self.keywords.is_empty() {
            let tagged = Query::select()
                .column(case_study_keyword::Column::CaseStudyId)
                .from(case_study_keyword::Entity)
                .inner_join(
                    keyword::Entity,
                    Expr::col((keyword::Entity, keyword::Column::Id)).equals((
                        case_study_keyword::Entity,
                        case_study_keyword::Column::KeywordId,
                    )),
                )
                .and_where(keyword::Column::Name.is_in(self.keywords.clone()))
                .to_owned();
            condition = condition.add(Column::Id.in_subquery(tagged));
        }
        if let Some(code) = &self.prefecture {
            condition = condition.add(Column::OrganizationId.in_subquery(in_prefecture(code)));
        }
        if let Some(code) = &self.organization {
            let organization = Query::select()
                .column(organization::Column::Id)
                .from(organization::Entity)
                .and_where(organization::Column::Code.eq(code.as_str()))
                .to_owned();
            condition = condition.add(Column::OrganizationId.in_subquery(organization));
        }
        if !self.population_bands.is_empty() {
            condition = condition.add(Column::PopulationBand.is_in(self.population_bands.clone()));
        }
        if !self.stages.is_empty() {
            condition = condition.add(Column::Stage.is_in(self.stages.clone()));
        }
        if !self.years.is_empty() {
            condition = condition.add(Column::FiscalYear.is_in(self.years.clone()));
        }
        if let Some(similar) = &self.similar_to {
            condition = condition.add(similar_condition(db, similar).await?);
        }
        let select = case_study::Entity::find().filter(condition);
        Ok(match &self.search {
            Some(text) => {
                let (select, score) = search::join_matches(
                    select,
                    db.get_database_backend(),
                    text,
                    SearchKind::CaseStudy,
                    Column::Id,
                );
                (select, Some(score))
            }
            None => (select, None),
        })
    }
}

/// The organisations of the prefecture of `code` (the prefecture and its municipalities).
fn in_prefecture(code: &OrgCode) -> sea_orm::sea_query::SelectStatement {
    OrganizationFilter {
        prefecture_code: Some(code.clone()),
        ..Default::default()
    }
    .select()
    .select_only()
    .column(organization::Column::Id)
    .into_query()
}

/// Cases of organisations whose population at the time was within the ratio of the given
/// organisation's population (and in its prefecture, when asked).
async fn similar_condition(db: &DatabaseConnection, similar: &SimilarTo) -> AppResult<Condition> {
    const FIELD: &str = "filter.similarTo.organizationCode";
    let organization = crate::organizations::find_by_code(db, &similar.organization)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                FIELD,
                Invalid::Value {
                    expected: "the code of a known organisation",
                },
            )
        })?;
    let population = organization.population.ok_or_else(|| {
        AppError::invalid(
            FIELD,
            Invalid::Value {
                expected: "an organisation whose population is known",
            },
        )
    })? as f64;
    let low = (population / similar.ratio).ceil() as i64;
    let high = (population * similar.ratio).floor() as i64;
    let mut condition = Condition::all()
        .add(case_study::Column::Population.gte(low))
        .add(case_study::Column::Population.lte(high));
    if similar.same_prefecture {
        let prefecture = OrgCode::parse(
            FIELD,
            &similar
                .organization
                .prefecture_code()
                .unwrap_or_else(|| similar.organization.as_str().to_owned()),
        )?;
        condition = condition
            .add(case_study::Column::OrganizationId.in_subquery(in_prefecture(&prefecture)));
    }
    Ok(condition)
}
