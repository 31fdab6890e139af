//! `case_studies`: 事例, an organisation's write-up of an initiative that others
//! can learn from and transfer.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{Audience, CaseStage, CaseStatus, PopulationBand};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "case_studies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub population: Option<i64>,
    pub population_year: Option<i32>,
    /// The band of `population`.
    pub population_band: Option<PopulationBand>,
    pub title: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub summary: Option<String>,
    pub category_id: Option<Uuid>,
    pub stage: CaseStage,
    #[sea_orm(column_type = "Text", nullable)]
    pub overview: Option<String>,
    /// Initiatives, effects, KPIs, costs, vendors, schedule, challenges, transfer
    /// conditions, interview, references and follow-ups.
    #[sea_orm(column_type = "JsonBinary")]
    pub details: Json,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub contact: Option<Json>,
    pub licence: Option<String>,
    pub audience: Audience,
    pub council_id: Option<Uuid>,
    pub status: CaseStatus,
    /// Counts every change; earlier versions of a published case are in `case_study_versions`.
    pub version: i32,
    pub published_at: Option<DateTimeUtc>,
    pub created_by_user_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// 年度: the fiscal year the case reports on (set at publication when not given).
    pub fiscal_year: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::OrganizationId",
        to = "super::organization::Column::Id",
        on_delete = "Restrict"
    )]
    Organization,
    #[sea_orm(
        belongs_to = "super::case_category::Entity",
        from = "Column::CategoryId",
        to = "super::case_category::Column::Id",
        on_delete = "Restrict"
    )]
    Category,
    #[sea_orm(
        belongs_to = "super::council::Entity",
        from = "Column::CouncilId",
        to = "super::council::Column::Id",
        on_delete = "Restrict"
    )]
    Council,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::CreatedByUserId",
        to = "super::user::Column::Id",
        on_delete = "Restrict"
    )]
    CreatedByUser,
    #[sea_orm(has_many = "super::case_study_version::Entity")]
    Versions,
    #[sea_orm(has_many = "super::case_study_keyword::Entity")]
    Keywords,
    #[sea_orm(has_many = "super::case_study_link::Entity")]
    Links,
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl Related<super::case_category::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Category.def()
    }
}

impl Related<super::council::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Council.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CreatedByUser.def()
    }
}

impl Related<super::case_study_version::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Versions.def()
    }
}

impl Related<super::case_study_keyword::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Keywords.def()
    }
}

impl Related<super::case_study_link::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Links.def()
    }
}

impl Related<super::keyword::Entity> for Entity {
    fn to() -> RelationDef {
        super::case_study_keyword::Relation::Keyword.def()
    }

    fn via() -> Option<RelationDef> {
        Some(super::case_study_keyword::Relation::CaseStudy.def().rev())
    }
}

impl ActiveModelBehavior for ActiveModel {}
