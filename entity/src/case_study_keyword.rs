//! `case_study_keywords`: a keyword attached to a case study.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "case_study_keywords")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub case_study_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub keyword_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::case_study::Entity",
        from = "Column::CaseStudyId",
        to = "super::case_study::Column::Id",
        on_delete = "Cascade"
    )]
    CaseStudy,
    #[sea_orm(
        belongs_to = "super::keyword::Entity",
        from = "Column::KeywordId",
        to = "super::keyword::Column::Id",
        on_delete = "Restrict"
    )]
    Keyword,
}

impl Related<super::case_study::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CaseStudy.def()
    }
}

impl Related<super::keyword::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Keyword.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
