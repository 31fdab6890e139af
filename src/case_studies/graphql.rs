//! GraphQL types, queries and mutations of case studies. Resolvers stay thin: they turn
//! arguments into the area's types, call its rules and load nested fields through dataloaders.

use std::sync::Arc;

use async_graphql::connection::Connection;
use async_graphql::{
    Context, Enum, ID, InputObject, MaybeUndefined, MergedObject, Object, SimpleObject,
};
use chrono::{DateTime, Utc};
use entity::enums::{Audience, CaseStage, CaseStatus, PopulationBand};
use entity::{case_category, case_study, case_study_version, keyword};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{DbErr, FromQueryResult, QueryResult, QuerySelect};
use uuid::Uuid;

use super::facets::{self, Facets};
use super::filter::{CaseStudyFilter, SimilarTo};
use super::loaders::{CaseStudyId, CategoryId, ChildrenOf, KeywordsOf, VersionsOf};
use super::record::{CaseStudyDetails, Contact, FollowUp};
use super::{CaseStudyChanges, parse_contact, parse_details};
use crate::access;
use crate::error::{AppError, AppResult};
use crate::graphql::pagination::{self, OrderDirection, PageArgs, Sort, Sorted, TotalCount};
use crate::graphql::scalars::{Date, DateTime as DateTimeScalar};
use crate::graphql::{ids, state};
use crate::organizations::graphql::{Council, Organization, council_by_id, organization_by_id};
use crate::organizations::loaders::OrganizationId;
use crate::organizations::{OrgCode, OrganizationFilter};
use crate::search::SearchText;

const TYPE: &str = "CaseStudy";

/// 事例: what one organisation did, what it cost and what came of it.
#[derive(Clone, Debug)]
pub struct CaseStudy {
    model: Arc<case_study::Model>,
    details: Arc<CaseStudyDetails>,
}

impl CaseStudy {
    /// Wraps a stored case, reading its details.
    pub fn new(model: case_study::Model) -> AppResult<Self> {
        Ok(Self {
            details: Arc::new(parse_details(&model)?),
            model: Arc::new(model),
        })
    }

    /// The case's database id.
    pub fn uuid(&self) -> Uuid {
        self.model.id
    }
}

/// Wraps many cases.
fn wrap(models: Vec<case_study::Model>) -> AppResult<Vec<CaseStudy>> {
    models.into_iter().map(CaseStudy::new).collect()
}

#[Object]
impl CaseStudy {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode(TYPE, self.model.id)
    }
    /// The organisation whose case it is.
    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organization>> {
        organization_by_id(ctx, Some(self.model.organization_id)).await
    }
    /// The organisation's population at the time of the case.
    async fn population(&self) -> Option<i64> {
        self.model.population
    }
    /// The year the population figure refers to.
    async fn population_year(&self) -> Option<i32> {
        self.model.population_year
    }
    /// 人口規模 of `population`.
    async fn population_band(&self) -> Option<PopulationBand> {
        self.model.population_band
    }
    /// 事例名: what was done, in a line.
    async fn title(&self) -> &str {
        &self.model.title
    }
    /// 概要: a few lines for lists.
    async fn summary(&self) -> Option<&str> {
        self.model.summary.as_deref()
    }
    /// 分類 (a subcategory, or a top-level category).
    async fn category(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<CaseCategory>> {
        let Some(id) = self.model.category_id else {
            return Ok(None);
        };
        let found = state(ctx)
            .case_studies
            .load_one(CategoryId(id))
            .await
            .map_err(AppError::from)?;
        Ok(found.map(CaseCategory))
    }
    /// Hashtag keywords, by normalised name.
    async fn keywords(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Keyword>> {
        let found = state(ctx)
            .case_studies
            .load_one(KeywordsOf(self.model.id))
            .await
            .map_err(AppError::from)?;
        Ok(found
            .unwrap_or_default()
            .into_iter()
            .map(Keyword::from)
            .collect())
    }
    /// How far the initiative has come.
    async fn stage(&self) -> CaseStage {
        self.model.stage
    }
    /// `DRAFT` and `ARCHIVED` cases are seen by the owner organisation only.
    async fn status(&self) -> CaseStatus {
        self.model.status
    }
    /// Who may read it once published.
    async fn audience(&self) -> Audience {
        self.model.audience
    }
    /// The council a `COUNCIL` audience refers to.
    async fn council(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Council>> {
        council_by_id(ctx, self.model.council_id).await
    }
    /// 年度 the case reports on.
    async fn fiscal_year(&self) -> Option<i32> {
        self.model.fiscal_year
    }
    /// 事業の概要.
    async fn overview(&self) -> Option<&str> {
        self.model.overview.as_deref()
    }
    /// Initiatives, effects, KPIs, costs, vendors, schedule, interview, references and
    /// follow-ups.
    async fn details(&self) -> &CaseStudyDetails {
        &self.details
    }
    /// 担当部署: whom to ask. Null unless you are signed in for a local government (or the
    /// owner), even on a `PUBLIC` case.
    async fn contact(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Contact>> {
        if !access::can_read_case_contact(&state(ctx).viewer, self.model.organization_id) {
            return Ok(None);
        }
        Ok(parse_contact(&self.model)?)
    }
    /// Terms for reusing the case's text.
    async fn licence(&self) -> Option<&str> {
        self.model.licence.as_deref()
    }
    /// Counts every change; send it back as `expectedVersion` to refuse overwriting a
    /// change made meanwhile.
    async fn version(&self) -> i32 {
        self.model.version
    }
    /// When it was first published.
    async fn published_at(&self) -> Option<DateTimeScalar> {
        self.model.published_at.map(DateTimeScalar)
    }
    /// When the draft was written.
    async fn created_at(&self) -> DateTimeScalar {
        DateTimeScalar(self.model.created_at)
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTimeScalar {
        DateTimeScalar(self.model.updated_at)
    }
    /// Earlier versions of the published case, newest first. Null unless you are from the
    /// owner organisation.
    async fn versions(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Vec<CaseStudyVersion>>> {
        let s = state(ctx);
        if !access::can_read_case_versions(&s.viewer, self.model.organization_id) {
            return Ok(None);
        }
        let found = s
            .case_studies
            .load_one(VersionsOf(self.model.id))
            .await
            .map_err(AppError::from)?;
        let versions = found
            .unwrap_or_default()
            .into_iter()
            .map(CaseStudyVersion::new)
            .collect::<AppResult<Vec<_>>>()?;
        Ok(Some(versions))
    }
    /// Whether you may change it.
    async fn viewer_can_edit(&self, ctx: &Context<'_>) -> bool {
        access::can_edit(&state(ctx).viewer, self.model.organization_id)
    }
}

/// A case study as it was before a change to its published text.
pub struct CaseStudyVersion {
    row: case_study_version::Model,
    record: case_study::Model,
    keywords: Vec<String>,
    details: CaseStudyDetails,
}

impl CaseStudyVersion {
    fn new(row: case_study_version::Model) -> AppResult<Self> {
        #[derive(serde::Deserialize)]
        struct Snapshot {
            record: case_study::Model,
            #[serde(default)]
            keywords: Vec<String>,
        }
        let snapshot: Snapshot = serde_json::from_value(row.snapshot.clone())
            .map_err(|e| AppError::Internal(e.into()))?;
        Ok(Self {
            details: parse_details(&snapshot.record)?,
            record: snapshot.record,
            keywords: snapshot.keywords,
            row,
        })
    }
}

#[Object]
impl CaseStudyVersion {
    /// The version number it had.
    async fn version(&self) -> i32 {
        self.row.version
    }
    /// When it was replaced by the next version.
    async fn replaced_at(&self) -> DateTimeScalar {
        DateTimeScalar(self.row.created_at)
    }
    /// The title then.
    async fn title(&self) -> &str {
        &self.record.title
    }
    /// The summary then.
    async fn summary(&self) -> Option<&str> {
        self.record.summary.as_deref()
    }
    /// The overview then.
    async fn overview(&self) -> Option<&str> {
        self.record.overview.as_deref()
    }
    /// The stage then.
    async fn stage(&self) -> CaseStage {
        self.record.stage
    }
    /// The audience then.
    async fn audience(&self) -> Audience {
        self.record.audience
    }
    /// Keywords as they were, as written.
    async fn keywords(&self) -> &[String] {
        &self.keywords
    }
    /// The details then.
    async fn details(&self) -> &CaseStudyDetails {
        &self.details
    }
}

/// 分類: a category of the two-level list case studies are filed under.
#[derive(Clone, Debug)]
pub struct CaseCategory(pub case_category::Model);

#[Object]
impl CaseCategory {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode("CaseCategory", self.0.id)
    }
    /// E.g. 人材確保・育成, or DXの取組の中核を担う人材の育成 under it.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The top-level category of a subcategory.
    async fn parent(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<CaseCategory>> {
        let Some(id) = self.0.parent_id else {
            return Ok(None);
        };
        let found = state(ctx)
            .case_studies
            .load_one(CategoryId(id))
            .await
            .map_err(AppError::from)?;
        Ok(found.map(CaseCategory))
    }
    /// The subcategories, in order.
    async fn children(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CaseCategory>> {
        let found = state(ctx)
            .case_studies
            .load_one(ChildrenOf(self.0.id))
            .await
            .map_err(AppError::from)?;
        Ok(found
            .unwrap_or_default()
            .into_iter()
            .map(CaseCategory)
            .collect())
    }
}

/// A hashtag keyword.
#[derive(Clone, Debug, SimpleObject)]
pub struct Keyword {
    /// Normalised form: `#OJT(職場内訓練)` and `OJT（職場内訓練）` are both `ojt(職場内訓練)`.
    name: String,
    /// As first written, without `#`.
    label: String,
}

impl From<keyword::Model> for Keyword {
    fn from(k: keyword::Model) -> Self {
        Self {
            name: k.name,
            label: k.label,
        }
    }
}

/// A keyword and how many cases (that you may see) carry it.
#[derive(SimpleObject)]
pub struct KeywordFacet {
    keyword: Keyword,
    count: i64,
}

/// A category and how many matching cases are filed under it.
#[derive(SimpleObject)]
pub struct CategoryFacet {
    category: CaseCategory,
    count: i64,
}

/// A prefecture and how many matching cases come from it (the prefecture or its
/// municipalities).
#[derive(SimpleObject)]
pub struct PrefectureFacet {
    prefecture: Organization,
    count: i64,
}

/// A population band and how many matching cases fall in it.
#[derive(SimpleObject)]
pub struct PopulationBandFacet {
    band: PopulationBand,
    count: i64,
}

/// A stage and how many matching cases are at it.
#[derive(SimpleObject)]
pub struct StageFacet {
    stage: CaseStage,
    count: i64,
}

/// A fiscal year and how many matching cases report on it.
#[derive(SimpleObject)]
pub struct YearFacet {
    year: i32,
    count: i64,
}

fn keyword_facets(rows: Vec<facets::KeywordCount>) -> Vec<KeywordFacet> {
    rows.into_iter()
        .map(|k| KeywordFacet {
            keyword: Keyword {
                name: k.name,
                label: k.label,
            },
            count: k.count,
        })
        .collect()
}

/// Pairs facet counts with the records loaded for their ids, in the counts' order (an id
/// whose record no longer loads is left out).
fn with_records<K: Eq + std::hash::Hash, V: Clone, T>(
    counts: Vec<(Uuid, i64)>,
    found: &std::collections::HashMap<K, V>,
    key: impl Fn(Uuid) -> K,
    make: impl Fn(V, i64) -> T,
) -> Vec<T> {
    counts
        .into_iter()
        .filter_map(|(id, count)| Some(make(found.get(&key(id))?.clone(), count)))
        .collect()
}

/// Counts of the matching cases by category, keyword, prefecture, population band, stage and
/// fiscal year, over the cases you may see. Largest counts first.
pub struct CaseStudyFacets(Facets);

#[Object]
impl CaseStudyFacets {
    /// By the category the cases are filed under.
    async fn categories(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CategoryFacet>> {
        let s = state(ctx);
        let counts = self.0.categories(&s.db).await?;
        let found = s
            .case_studies
            .load_many(counts.iter().map(|(id, _)| CategoryId(*id)))
            .await
            .map_err(AppError::from)?;
        Ok(with_records(counts, &found, CategoryId, |c, count| {
            CategoryFacet {
                category: CaseCategory(c),
                count,
            }
        }))
    }
    /// The most used keywords (at most 50).
    async fn keywords(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<KeywordFacet>> {
        let rows = self
            .0
            .keywords(&state(ctx).db, None, facets::MAX_KEYWORDS)
            .await?;
        Ok(keyword_facets(rows))
    }
    /// By the owner's prefecture.
    async fn prefectures(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PrefectureFacet>> {
        let s = state(ctx);
        let counts = self.0.prefectures(&s.db).await?;
        let found = s
            .directory
            .load_many(counts.iter().map(|(id, _)| OrganizationId(*id)))
            .await
            .map_err(AppError::from)?;
        Ok(with_records(counts, &found, OrganizationId, |o, count| {
            PrefectureFacet {
                prefecture: Organization(o),
                count,
            }
        }))
    }
    /// By population band (cases without a population are not counted).
    async fn population_bands(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<PopulationBandFacet>> {
        let counts = self.0.population_bands(&state(ctx).db).await?;
        Ok(counts
            .into_iter()
            .map(|(band, count)| PopulationBandFacet { band, count })
            .collect())
    }
    /// By stage.
    async fn stages(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<StageFacet>> {
        let counts = self.0.stages(&state(ctx).db).await?;
        Ok(counts
            .into_iter()
            .map(|(stage, count)| StageFacet { stage, count })
            .collect())
    }
    /// By the fiscal year the cases report on.
    async fn years(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<YearFacet>> {
        let counts = self.0.years(&state(ctx).db).await?;
        Ok(counts
            .into_iter()
            .map(|(year, count)| YearFacet { year, count })
            .collect())
    }
}

/// The `facets` field of a case list.
pub struct FacetsField(Facets);

#[Object]
impl FacetsField {
    /// Counts by category, keyword, prefecture, population band, stage and year of the cases
    /// this list matches (all pages), over what you may see.
    async fn facets(&self) -> CaseStudyFacets {
        CaseStudyFacets(self.0.clone())
    }
}

/// `totalCount` and `facets` of a case list.
#[derive(MergedObject)]
pub struct CaseStudyListInfo(TotalCount, FacetsField);

/// "Municipalities like mine".
#[derive(InputObject)]
pub struct SimilarToInput {
    /// The organisation to compare with (its population must be known).
    organization_code: String,
    /// Cases of organisations whose population was between `p / ratio` and `p × ratio` of
    /// its population `p` (1–100).
    population_ratio: f64,
    /// Only cases from its prefecture.
    #[graphql(default)]
    same_prefecture: bool,
}

/// Filter of `caseStudies`. Lists match any of their values; fields match together.
#[derive(InputObject, Default)]
pub struct CaseStudyFilterInput {
    /// Full-text search (kanji, kana in any form, Latin words; at most 200 characters).
    /// Empty or blank: no search.
    search: Option<String>,
    /// Category ids; a top-level category includes its subcategories.
    categories: Option<Vec<ID>>,
    /// Keywords, in any spelling (`#OJT(職場内訓練)` finds `OJT（職場内訓練）`).
    keywords: Option<Vec<String>>,
    /// Cases from this prefecture (a municipality's code selects its prefecture).
    prefecture_code: Option<String>,
    /// Cases of this organisation.
    organization_code: Option<String>,
    population_bands: Option<Vec<PopulationBand>>,
    stages: Option<Vec<CaseStage>>,
    /// 年度 the cases report on.
    years: Option<Vec<i32>>,
    similar_to: Option<SimilarToInput>,
    /// Without it, published cases. Drafts and archived cases are listed for their owner only.
    statuses: Option<Vec<CaseStatus>>,
}

/// What `caseStudies` can be ordered by.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseStudyOrderField {
    /// Best matches first (with a search; without one, like `PUBLISHED_AT`).
    Relevance,
    /// By first publication (drafts by creation).
    PublishedAt,
    /// By population at the time (cases without one last when descending).
    Population,
}

/// How `caseStudies` is ordered.
#[derive(InputObject)]
pub struct CaseStudyOrder {
    field: CaseStudyOrderField,
    /// Descending (default: most relevant, newest or largest first) or ascending.
    #[graphql(default_with = "OrderDirection::Desc")]
    direction: OrderDirection,
}

fn decode_ids(field: &str, type_name: &str, values: &[ID]) -> AppResult<Vec<Uuid>> {
    values
        .iter()
        .map(|v| ids::decode(field, type_name, v))
        .collect()
}

/// A municipality's or prefecture's code, as the prefecture's code.
pub fn prefecture_of(raw: &str) -> AppResult<Option<OrgCode>> {
    Ok(OrganizationFilter::parse(None, Some(raw), None, None, None)?.prefecture_code)
}

impl CaseStudyFilterInput {
    fn parse(self) -> AppResult<CaseStudyFilter> {
        let mut filter = CaseStudyFilter {
            search: self
                .search
                .as_deref()
                .map(|s| SearchText::parse("filter.search", s))
                .transpose()?
                .flatten(),
            categories: decode_ids(
                "filter.categories",
                "CaseCategory",
                &self.categories.unwrap_or_default(),
            )?,
            prefecture: self
                .prefecture_code
                .as_deref()
                .map(prefecture_of)
                .transpose()?
                .flatten(),
            organization: self
                .organization_code
                .as_deref()
                .map(|c| OrgCode::parse("filter.organizationCode", c))
                .transpose()?,
            population_bands: self.population_bands.unwrap_or_default(),
            stages: self.stages.unwrap_or_default(),
            years: self.years.unwrap_or_default(),
            similar_to: self
                .similar_to
                .map(|s| {
                    Ok::<_, AppError>(SimilarTo {
                        organization: OrgCode::parse(
                            "filter.similarTo.organizationCode",
                            &s.organization_code,
                        )?,
                        ratio: s.population_ratio,
                        same_prefecture: s.same_prefecture,
                    })
                })
                .transpose()?,
            statuses: self.statuses.unwrap_or_default(),
            ..Default::default()
        };
        filter.keywords = filter.check(&self.keywords.unwrap_or_default())?;
        Ok(filter)
    }
}

/// A case with its search score.
struct Scored {
    model: case_study::Model,
    score: f64,
}

impl FromQueryResult for Scored {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self {
            model: case_study::Model::from_query_result(res, pre)?,
            score: res.try_get(pre, "score")?,
        })
    }
}

type CaseStudyConnection = Connection<String, CaseStudy, CaseStudyListInfo>;

fn connection<M, K: pagination::CursorKey>(
    page: pagination::Page<M, K>,
    info: CaseStudyListInfo,
    model: impl Fn(M) -> case_study::Model,
) -> AppResult<CaseStudyConnection> {
    let rows = page
        .rows
        .into_iter()
        .map(|(k, m)| Ok((k, CaseStudy::new(model(m))?)))
        .collect::<AppResult<Vec<_>>>()?;
    let page = pagination::Page {
        rows,
        has_previous: page.has_previous,
        has_next: page.has_next,
    };
    Ok(pagination::into_connection_with(page, info, |c| c))
}

#[derive(Default)]
pub struct CaseStudiesQuery;

#[Object]
impl CaseStudiesQuery {
    /// One case study; null when there is none or you may not see it.
    async fn case_study(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Option<CaseStudy>> {
        let id = ids::decode("id", TYPE, &id)?;
        Ok(load(ctx, id).await?)
    }

    /// Case studies you may see (published ones, and your organisation's drafts when asked
    /// for), with facet counts. With a search, best matches first; otherwise newest first.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity + 1")]
    #[allow(clippy::too_many_arguments)]
    async fn case_studies(
        &self,
        ctx: &Context<'_>,
        filter: Option<CaseStudyFilterInput>,
        order_by: Option<CaseStudyOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CaseStudyConnection> {
        let s = state(ctx);
        let filter = filter.unwrap_or_default().parse()?;
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let (select, score) = filter.select(&s.db, &s.viewer).await?;
        let info = CaseStudyListInfo(
            TotalCount::of(select.clone()),
            FacetsField(Facets::of(select.clone())),
        );
        let (field, direction) = order_by.map_or(
            (
                if score.is_some() {
                    CaseStudyOrderField::Relevance
                } else {
                    CaseStudyOrderField::PublishedAt
                },
                OrderDirection::Desc,
            ),
            |o| (o.field, o.direction),
        );
        let descending = direction == OrderDirection::Desc;
        use case_study::Column;
        Ok(match (field, score) {
            (CaseStudyOrderField::Relevance, Some(score)) => {
                let request = args.parse::<Sorted<f64>>()?;
                let sort = Sort {
                    value: score.clone(),
                    id: Column::Id,
                    descending,
                };
                let rows = select.column_as(score, "score");
                let page = pagination::fetch_sorted_page_as(
                    &s.db,
                    rows,
                    &sort,
                    |r: &Scored| Sorted {
                        value: r.score,
                        id: r.model.id,
                    },
                    &request,
                )
                .await?;
                connection(page, info, |r| r.model)?
            }
            (CaseStudyOrderField::Population, _) => {
                let request = args.parse::<Sorted<i64>>()?;
                let sort = Sort {
                    value: Func::coalesce([
                        Expr::col((case_study::Entity, Column::Population)),
                        Expr::val(-1_i64),
                    ])
                    .into(),
                    id: Column::Id,
                    descending,
                };
                let page = pagination::fetch_sorted_page(
                    &s.db,
                    select,
                    &sort,
                    |m| Sorted {
                        value: m.population.unwrap_or(-1),
                        id: m.id,
                    },
                    &request,
                )
                .await?;
                connection(page, info, |m| m)?
            }
            _ => {
                let request = args.parse::<Sorted<DateTime<Utc>>>()?;
                let sort = Sort {
                    value: Func::coalesce([
                        Expr::col((case_study::Entity, Column::PublishedAt)),
                        Expr::col((case_study::Entity, Column::CreatedAt)),
                    ])
                    .into(),
                    id: Column::Id,
                    descending,
                };
                let page = pagination::fetch_sorted_page(
                    &s.db,
                    select,
                    &sort,
                    |m| Sorted {
                        value: m.published_at.unwrap_or(m.created_at),
                        id: m.id,
                    },
                    &request,
                )
                .await?;
                connection(page, info, |m| m)?
            }
        })
    }

    /// The categories: top-level ones, each with its subcategories under `children`.
    async fn case_categories(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CaseCategory>> {
        let all = super::categories(&state(ctx).db).await?;
        Ok(all
            .into_iter()
            .filter(|c| c.parent_id.is_none())
            .map(CaseCategory)
            .collect())
    }

    /// Keywords beginning with `prefix` (in any spelling; all keywords without one), most used
    /// first, with how many published cases you may see carry them. For autocomplete.
    #[graphql(complexity = "first.max(0) as usize * child_complexity + 1")]
    async fn keywords(
        &self,
        ctx: &Context<'_>,
        prefix: Option<String>,
        #[graphql(default = 20)] first: i32,
    ) -> async_graphql::Result<Vec<KeywordFacet>> {
        let s = state(ctx);
        if let Some(prefix) = &prefix {
            crate::text::check_line("prefix", prefix, super::keywords::MAX_LENGTH)?;
        }
        if !(0..=facets::MAX_KEYWORDS as i32).contains(&first) {
            return Err(AppError::invalid(
                "first",
                crate::error::Invalid::PageSize {
                    max: facets::MAX_KEYWORDS,
                },
            )
            .into());
        }
        let (select, _) = CaseStudyFilter::default().select(&s.db, &s.viewer).await?;
        let normalised = prefix.as_deref().map(super::keywords::normalise);
        let rows = Facets::of(select)
            .keywords(&s.db, normalised.as_deref(), first as u64)
            .await?;
        Ok(keyword_facets(rows))
    }
}

/// A case by id through the request's loader (sharing rules applied).
pub async fn load(ctx: &Context<'_>, id: Uuid) -> AppResult<Option<CaseStudy>> {
    let found = state(ctx).case_studies.load_one(CaseStudyId(id)).await?;
    found.map(CaseStudy::new).transpose()
}

/// Cases by id through the request's loader, in the order given (missing ones left out).
pub async fn load_many(ctx: &Context<'_>, ids: &[Uuid]) -> AppResult<Vec<CaseStudy>> {
    let found = state(ctx)
        .case_studies
        .load_many(ids.iter().map(|id| CaseStudyId(*id)))
        .await?;
    wrap(
        ids.iter()
            .filter_map(|id| found.get(&CaseStudyId(*id)).cloned())
            .collect(),
    )
}

/// The content of a case study a create or an update sets. On update, a field left out
/// stays as it is, and `null` clears it.
#[derive(InputObject, Default)]
pub struct CaseStudyContentInput {
    /// Required on create.
    title: Option<String>,
    summary: MaybeUndefined<String>,
    category_id: MaybeUndefined<ID>,
    /// Hashtag keywords as written (at most 20; `#` optional). Replaces all.
    keywords: Option<Vec<String>>,
    /// Default `OPERATING`.
    stage: Option<CaseStage>,
    overview: MaybeUndefined<String>,
    /// Replaces all details (follow-ups are kept).
    details: Option<CaseStudyDetails>,
    contact: MaybeUndefined<Contact>,
    licence: MaybeUndefined<String>,
    /// Default `PRIVATE`.
    audience: Option<Audience>,
    /// The council of a `COUNCIL` audience (your organisation must be a member).
    council_id: MaybeUndefined<ID>,
    /// Default: your organisation's figure.
    population: MaybeUndefined<i64>,
    population_year: MaybeUndefined<i32>,
    /// 年度 the case reports on (1900–2100); set at first publication when empty.
    fiscal_year: MaybeUndefined<i32>,
}

impl CaseStudyContentInput {
    fn into_changes(self) -> AppResult<CaseStudyChanges> {
        let decode = |field: &str, type_name: &str, id: MaybeUndefined<ID>| {
            Option::<Option<ID>>::from(id)
                .map(|id| id.map(|id| ids::decode(field, type_name, &id)).transpose())
                .transpose()
        };
        Ok(CaseStudyChanges {
            title: self.title,
            summary: self.summary.into(),
            category_id: decode("input.categoryId", "CaseCategory", self.category_id)?,
            keywords: self.keywords,
            stage: self.stage,
            overview: self.overview.into(),
            details: self.details,
            contact: self.contact.into(),
            licence: self.licence.into(),
            audience: self.audience,
            council_id: decode("input.councilId", "Council", self.council_id)?,
            population: self.population.into(),
            population_year: self.population_year.into(),
            fiscal_year: self.fiscal_year.into(),
        })
    }
}

/// Input of `createCaseStudy`.
#[derive(InputObject)]
pub struct CreateCaseStudyInput {
    #[graphql(flatten)]
    content: CaseStudyContentInput,
}

/// Input of `updateCaseStudy`.
#[derive(InputObject)]
pub struct UpdateCaseStudyInput {
    id: ID,
    /// The `version` you edited; the update is refused (`CONFLICT`) if the case changed since.
    expected_version: Option<i32>,
    #[graphql(flatten)]
    content: CaseStudyContentInput,
}

/// Input of `publishCaseStudy` and `archiveCaseStudy`.
#[derive(InputObject)]
pub struct CaseStudyIdInput {
    id: ID,
}

/// Input of `addCaseStudyFollowUp`.
#[derive(InputObject)]
pub struct AddCaseStudyFollowUpInput {
    case_study_id: ID,
    date: Date,
    still_operating: bool,
    notes: Option<String>,
}

/// The case study a mutation changed.
#[derive(SimpleObject)]
pub struct CaseStudyPayload {
    case_study: CaseStudy,
}

fn payload(model: case_study::Model) -> async_graphql::Result<CaseStudyPayload> {
    Ok(CaseStudyPayload {
        case_study: CaseStudy::new(model)?,
    })
}

#[derive(Default)]
pub struct CaseStudiesMutation;

#[Object]
impl CaseStudiesMutation {
    /// Writes a new draft for your organisation (editors and admins).
    async fn create_case_study(
        &self,
        ctx: &Context<'_>,
        input: CreateCaseStudyInput,
    ) -> async_graphql::Result<CaseStudyPayload> {
        let s = state(ctx);
        let changes = input.content.into_changes()?;
        payload(super::create(&s.db, &s.viewer, &s.actor(), changes).await?)
    }

    /// Changes a draft or a published case (a published case keeps its previous version).
    async fn update_case_study(
        &self,
        ctx: &Context<'_>,
        input: UpdateCaseStudyInput,
    ) -> async_graphql::Result<CaseStudyPayload> {
        let s = state(ctx);
        let id = ids::decode("input.id", TYPE, &input.id)?;
        let changes = input.content.into_changes()?;
        payload(
            super::update(
                &s.db,
                &s.viewer,
                &s.actor(),
                id,
                input.expected_version,
                changes,
            )
            .await?,
        )
    }

    /// Publishes a draft to its audience (needs a summary and a category).
    async fn publish_case_study(
        &self,
        ctx: &Context<'_>,
        input: CaseStudyIdInput,
    ) -> async_graphql::Result<CaseStudyPayload> {
        let s = state(ctx);
        let id = ids::decode("input.id", TYPE, &input.id)?;
        payload(super::publish(&s.db, &s.viewer, &s.actor(), id).await?)
    }

    /// Withdraws a draft or published case: kept, read-only, seen by your organisation only.
    async fn archive_case_study(
        &self,
        ctx: &Context<'_>,
        input: CaseStudyIdInput,
    ) -> async_graphql::Result<CaseStudyPayload> {
        let s = state(ctx);
        let id = ids::decode("input.id", TYPE, &input.id)?;
        payload(super::archive(&s.db, &s.viewer, &s.actor(), id).await?)
    }

    /// Adds a follow-up (date, still operating?, notes) to a published case.
    async fn add_case_study_follow_up(
        &self,
        ctx: &Context<'_>,
        input: AddCaseStudyFollowUpInput,
    ) -> async_graphql::Result<CaseStudyPayload> {
        let s = state(ctx);
        let id = ids::decode("input.caseStudyId", TYPE, &input.case_study_id)?;
        let follow_up = FollowUp {
            date: input.date,
            still_operating: input.still_operating,
            notes: input.notes,
        };
        payload(super::add_follow_up(&s.db, &s.viewer, &s.actor(), id, follow_up).await?)
    }
}
