//! `keywords`: a free keyword attached to case studies, stored once in
//! normalised form.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "keywords")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Normalised form.
    #[sea_orm(unique)]
    pub name: String,
    /// As first written.
    pub label: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::case_study_keyword::Entity")]
    CaseStudyKeywords,
}

impl Related<super::case_study_keyword::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CaseStudyKeywords.def()
    }
}

impl Related<super::case_study::Entity> for Entity {
    fn to() -> RelationDef {
        super::case_study_keyword::Relation::CaseStudy.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::case_study_keyword::Relation::Keyword.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
