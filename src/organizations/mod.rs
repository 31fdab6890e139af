//! Organisations (prefectures, municipalities, national and partner bodies) and councils.
//!
//! The directory of organisations and councils is public: anyone may read it, signed in or
//! not, as the Ministry's code list is public. What organisations *own* is shared through
//! `access`. Writes to the directory belong to the platform operator (`seed --organizations`
//! today).

pub mod code;
pub mod graphql;
pub mod loaders;
pub mod reference;

use entity::enums::OrganizationKind;
use entity::{council, council_member, organization};
use sea_orm::sea_query::{LikeExpr, Query};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, Select};
use uuid::Uuid;

use crate::error::{AppError, AppResult, Invalid};
use crate::text;
pub use code::OrgCode;

/// Longest search text accepted.
pub const MAX_SEARCH_LENGTH: usize = 100;

/// The kinds of local governments; `organizations` lists these unless asked for another kind.
pub const LOCAL_GOVERNMENT_KINDS: [OrganizationKind; 5] = [
    OrganizationKind::Prefecture,
    OrganizationKind::City,
    OrganizationKind::Town,
    OrganizationKind::Village,
    OrganizationKind::SpecialWard,
];

/// The filter of `organizations(filter:)`, checked.
#[derive(Clone, Debug, Default)]
pub struct OrganizationFilter {
    /// Only this kind; without it, local governments of every kind.
    pub kind: Option<OrganizationKind>,
    /// Organisations in this prefecture: the prefecture itself and its municipalities.
    pub prefecture_code: Option<OrgCode>,
    /// Folded search text.
    pub search: Option<String>,
    pub population_min: Option<i64>,
    pub population_max: Option<i64>,
}

impl OrganizationFilter {
    /// Checks raw filter input. `prefecture_code` may be any local government code: a
    /// municipality's code selects its prefecture.
    pub fn parse(
        kind: Option<OrganizationKind>,
        prefecture_code: Option<&str>,
        search: Option<&str>,
        population_min: Option<i64>,
        population_max: Option<i64>,
    ) -> AppResult<Self> {
        let prefecture_code = match prefecture_code {
            None => None,
            Some(raw) => {
                let code = OrgCode::parse("filter.prefectureCode", raw)?;
                let prefecture = code.prefecture_code().ok_or_else(|| {
                    AppError::invalid("filter.prefectureCode", Invalid::OrgCodeFormat)
                })?;
                Some(OrgCode::parse("filter.prefectureCode", &prefecture)?)
            }
        };
        let search = match search {
            None => None,
            Some(raw) => {
                text::check_line("filter.search", raw, MAX_SEARCH_LENGTH)?;
                Some(text::fold(raw)).filter(|s| !s.is_empty())
            }
        };
        for (field, value) in [
            ("filter.populationMin", population_min),
            ("filter.populationMax", population_max),
        ] {
            if value.is_some_and(|v| v < 0) {
                return Err(AppError::invalid(
                    field,
                    Invalid::Range {
                        min: 0,
                        max: i64::MAX,
                    },
                ));
            }
        }
        if let (Some(min), Some(max)) = (population_min, population_max)
            && min > max
        {
            return Err(AppError::invalid(
                "filter.populationMax",
                Invalid::Range { min, max: i64::MAX },
            ));
        }
        Ok(Self {
            kind,
            prefecture_code,
            search,
            population_min,
            population_max,
        })
    }

    /// The filter as a query (without ordering or paging).
    pub fn select(&self) -> Select<organization::Entity> {
        use organization::Column;
        let mut condition = Condition::all().add(Column::ArchivedAt.is_null());
        condition = match self.kind {
            Some(kind) => condition.add(Column::Kind.eq(kind)),
            None => condition.add(Column::Kind.is_in(LOCAL_GOVERNMENT_KINDS)),
        };
        if let Some(code) = &self.prefecture_code {
            let prefecture = Query::select()
                .column(Column::Id)
                .from(organization::Entity)
                .and_where(Column::Code.eq(code.as_str()))
                .to_owned();
            condition = condition.add(
                Condition::any()
                    .add(Column::Code.eq(code.as_str()))
                    .add(Column::PrefectureId.in_subquery(prefecture)),
            );
        }
        if let Some(search) = &self.search {
            let pattern = format!("%{}%", text::like_escape(search));
            condition = condition.add(Column::SearchKey.like(LikeExpr::new(pattern).escape('\\')));
        }
        if let Some(min) = self.population_min {
            condition = condition.add(Column::Population.gte(min));
        }
        if let Some(max) = self.population_max {
            condition = condition.add(Column::Population.lte(max));
        }
        organization::Entity::find().filter(condition)
    }
}

/// The text organisation search matches against: the folded name and reading.
pub fn search_key(name: &str, name_kana: &str) -> String {
    format!("{}|{}", text::fold(name), text::fold(name_kana))
}

/// One organisation by its code, or none.
pub async fn find_by_code(
    db: &DatabaseConnection,
    code: &OrgCode,
) -> AppResult<Option<organization::Model>> {
    Ok(organization::Entity::find()
        .filter(organization::Column::Code.eq(code.as_str()))
        .one(db)
        .await?)
}

/// One council by id, or none.
pub async fn find_council(db: &DatabaseConnection, id: Uuid) -> AppResult<Option<council::Model>> {
    Ok(council::Entity::find_by_id(id).one(db).await?)
}

/// All councils (top level and their subgroups), as a query.
pub fn councils_select() -> Select<council::Entity> {
    council::Entity::find().filter(council::Column::ArchivedAt.is_null())
}

/// The ids of the councils an organisation is a member of.
pub async fn council_ids_of(
    db: &DatabaseConnection,
    organization_id: Uuid,
) -> AppResult<Vec<Uuid>> {
    Ok(council_member::Entity::find()
        .filter(council_member::Column::OrganizationId.eq(organization_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.council_id)
        .collect())
}
