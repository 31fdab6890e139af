//! Facet counts of a case list: how many of the matching cases fall in each category,
//! keyword, prefecture, population band, stage and fiscal year.
//!
//! Each count runs over the list's own query (filter, search and the viewer's sharing rules
//! included), so a count never includes a case the viewer cannot see. Each dimension is one
//! `GROUP BY` statement, run only when its field is selected.

use entity::enums::{CaseStage, PopulationBand};
use entity::{case_study, case_study_keyword, keyword, organization};
use sea_orm::sea_query::{Expr, ExprTrait, Func, SimpleExpr};
use sea_orm::{
    DatabaseConnection, FromQueryResult, JoinType, Order, QueryOrder, QuerySelect, RelationTrait,
    Select, TryGetableMany,
};
use uuid::Uuid;

use crate::error::AppResult;

/// Most keywords a keyword facet or suggestion lists.
pub const MAX_KEYWORDS: u64 = 50;

/// The facets of one list.
#[derive(Clone)]
pub struct Facets {
    select: Select<case_study::Entity>,
}

fn count() -> SimpleExpr {
    Expr::col((case_study::Entity, case_study::Column::Id)).count()
}

impl Facets {
    /// The facets of the cases `select` finds.
    pub fn of(select: Select<case_study::Entity>) -> Self {
        Self { select }
    }

    async fn by<V>(
        &self,
        db: &DatabaseConnection,
        select: Select<case_study::Entity>,
        value: SimpleExpr,
    ) -> AppResult<Vec<(V, i64)>>
    where
        (V, i64): TryGetableMany,
    {
        Ok(select
            .select_only()
            .column_as(value.clone(), "value")
            .column_as(count(), "count")
            .group_by(value.clone())
            .order_by(count(), Order::Desc)
            .order_by(value, Order::Asc)
            .into_tuple::<(V, i64)>()
            .all(db)
            .await?)
    }

    fn column(column: case_study::Column) -> SimpleExpr {
        Expr::col((case_study::Entity, column))
    }

    /// Cases per category (cases without one are not counted).
    pub async fn categories(&self, db: &DatabaseConnection) -> AppResult<Vec<(Uuid, i64)>> {
        let select = self
            .select
            .clone()
            .filter_not_null(case_study::Column::CategoryId);
        self.by(db, select, Self::column(case_study::Column::CategoryId))
            .await
    }

    /// Cases per prefecture (a prefecture's own cases count for it).
    pub async fn prefectures(&self, db: &DatabaseConnection) -> AppResult<Vec<(Uuid, i64)>> {
        let select = self.select.clone().join(
            JoinType::InnerJoin,
            case_study::Relation::Organization.def(),
        );
        let prefecture = Func::coalesce([
            Expr::col((organization::Entity, organization::Column::PrefectureId)),
            Expr::col((organization::Entity, organization::Column::Id)),
        ]);
        self.by(db, select, prefecture.into()).await
    }

    /// Cases per population band (cases without a population are not counted).
    pub async fn population_bands(
        &self,
        db: &DatabaseConnection,
    ) -> AppResult<Vec<(PopulationBand, i64)>> {
        let select = self
            .select
            .clone()
            .filter_not_null(case_study::Column::PopulationBand);
        self.by(db, select, Self::column(case_study::Column::PopulationBand))
            .await
    }

    /// Cases per stage.
    pub async fn stages(&self, db: &DatabaseConnection) -> AppResult<Vec<(CaseStage, i64)>> {
        self.by(
            db,
            self.select.clone(),
            Self::column(case_study::Column::Stage),
        )
        .await
    }

    /// Cases per fiscal year (cases without one are not counted).
    pub async fn years(&self, db: &DatabaseConnection) -> AppResult<Vec<(i32, i64)>> {
        let select = self
            .select
            .clone()
            .filter_not_null(case_study::Column::FiscalYear);
        self.by(db, select, Self::column(case_study::Column::FiscalYear))
            .await
    }

    /// The most used keywords among the cases, with their counts; with `prefix` (a
    /// normalised keyword beginning), only those that begin with it.
    pub async fn keywords(
        &self,
        db: &DatabaseConnection,
        prefix: Option<&str>,
        limit: u64,
    ) -> AppResult<Vec<KeywordCount>> {
        use sea_orm::{ColumnTrait, QueryFilter};
        let mut select = self
            .select
            .clone()
            .join(JoinType::InnerJoin, case_study::Relation::Keywords.def())
            .join(
                JoinType::InnerJoin,
                case_study_keyword::Relation::Keyword.def(),
            );
        if let Some(prefix) = prefix.filter(|p| !p.is_empty()) {
            let pattern = format!("{}%", crate::text::like_escape(prefix));
            select = select.filter(
                keyword::Column::Name.like(sea_orm::sea_query::LikeExpr::new(pattern).escape('\\')),
            );
        }
        let name = Expr::col((keyword::Entity, keyword::Column::Name));
        Ok(select
            .select_only()
            .column_as(name.clone(), "name")
            .column_as(
                Expr::col((keyword::Entity, keyword::Column::Label)).max(),
                "label",
            )
            .column_as(count(), "count")
            .group_by(name.clone())
            .order_by(count(), Order::Desc)
            .order_by(name, Order::Asc)
            .limit(Ord::min(limit, MAX_KEYWORDS))
            .into_model::<KeywordCount>()
            .all(db)
            .await?)
    }
}

/// A keyword and how many cases carry it.
#[derive(Clone, Debug, FromQueryResult)]
pub struct KeywordCount {
    pub name: String,
    pub label: String,
    pub count: i64,
}

trait FilterNotNull {
    fn filter_not_null(self, column: case_study::Column) -> Self;
}

impl FilterNotNull for Select<case_study::Entity> {
    fn filter_not_null(self, column: case_study::Column) -> Self {
        use sea_orm::{ColumnTrait, QueryFilter};
        self.filter(column.is_not_null())
    }
}
