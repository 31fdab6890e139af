//! Batch loading for case studies and their nested fields: one query per field per level of
//! a response, however many cases the level has. Cases load through the sharing rules, so
//! `node(id:)`, search hits and (later) federation see exactly what `caseStudy(id:)` sees.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use entity::{case_category, case_study, case_study_keyword, case_study_version, keyword};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::access;
use crate::auth::Viewer;
use crate::organizations::loaders::{LoadError, grouped as group};

/// A case study the viewer may read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CaseStudyId(pub Uuid);
/// The keywords of a case study.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeywordsOf(pub Uuid);
/// A category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CategoryId(pub Uuid);
/// The subcategories of a category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChildrenOf(pub Uuid);
/// The earlier versions of a case study (the caller checks the viewer may read them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VersionsOf(pub Uuid);

/// Loads case studies and what hangs off them, for one request and one viewer.
pub struct CaseStudyLoader {
    db: DatabaseConnection,
    viewer: Viewer,
}

impl CaseStudyLoader {
    pub fn new(db: DatabaseConnection, viewer: Viewer) -> Self {
        Self { db, viewer }
    }
}

impl Loader<CaseStudyId> for CaseStudyLoader {
    type Value = case_study::Model;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[CaseStudyId],
    ) -> Result<HashMap<CaseStudyId, Self::Value>, Self::Error> {
        let rows = case_study::Entity::find()
            .filter(case_study::Column::Id.is_in(keys.iter().map(|k| k.0)))
            .filter(access::readable_case_studies(&self.viewer))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|c| (CaseStudyId(c.id), c)).collect())
    }
}

impl Loader<KeywordsOf> for CaseStudyLoader {
    type Value = Vec<keyword::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[KeywordsOf],
    ) -> Result<HashMap<KeywordsOf, Self::Value>, Self::Error> {
        let rows = case_study_keyword::Entity::find()
            .filter(case_study_keyword::Column::CaseStudyId.is_in(keys.iter().map(|k| k.0)))
            .find_also_related(keyword::Entity)
            .order_by_asc(keyword::Column::Name)
            .all(&self.db)
            .await?;
        Ok(group(
            keys,
            rows.into_iter()
                .filter_map(|(link, k)| Some((KeywordsOf(link.case_study_id), k?))),
        ))
    }
}

impl Loader<CategoryId> for CaseStudyLoader {
    type Value = case_category::Model;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[CategoryId],
    ) -> Result<HashMap<CategoryId, Self::Value>, Self::Error> {
        let rows = case_category::Entity::find()
            .filter(case_category::Column::Id.is_in(keys.iter().map(|k| k.0)))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|c| (CategoryId(c.id), c)).collect())
    }
}

impl Loader<ChildrenOf> for CaseStudyLoader {
    type Value = Vec<case_category::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ChildrenOf],
    ) -> Result<HashMap<ChildrenOf, Self::Value>, Self::Error> {
        let rows = case_category::Entity::find()
            .filter(case_category::Column::ParentId.is_in(keys.iter().map(|k| k.0)))
            .order_by_asc(case_category::Column::Position)
            .all(&self.db)
            .await?;
        Ok(group(
            keys,
            rows.into_iter()
                .filter_map(|c| Some((ChildrenOf(c.parent_id?), c))),
        ))
    }
}

impl Loader<VersionsOf> for CaseStudyLoader {
    type Value = Vec<case_study_version::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[VersionsOf],
    ) -> Result<HashMap<VersionsOf, Self::Value>, Self::Error> {
        let rows = case_study_version::Entity::find()
            .filter(case_study_version::Column::CaseStudyId.is_in(keys.iter().map(|k| k.0)))
            .order_by_desc(case_study_version::Column::Version)
            .all(&self.db)
            .await?;
        Ok(group(
            keys,
            rows.into_iter().map(|v| (VersionsOf(v.case_study_id), v)),
        ))
    }
}
