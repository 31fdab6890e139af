//! `case_study_links`: a link from a case study to the dispatch request or
//! course it came from.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "case_study_links")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_study_id: Uuid,
    pub dispatch_request_id: Option<Uuid>,
    pub course_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
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
        belongs_to = "super::dispatch_request::Entity",
        from = "Column::DispatchRequestId",
        to = "super::dispatch_request::Column::Id",
        on_delete = "Restrict"
    )]
    DispatchRequest,
    #[sea_orm(
        belongs_to = "super::course::Entity",
        from = "Column::CourseId",
        to = "super::course::Column::Id",
        on_delete = "Restrict"
    )]
    Course,
}

impl Related<super::case_study::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CaseStudy.def()
    }
}

impl Related<super::dispatch_request::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::DispatchRequest.def()
    }
}

impl Related<super::course::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Course.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
