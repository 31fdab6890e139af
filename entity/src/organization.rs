//! `organizations`: 団体, a prefecture, municipality, national body or partner
//! organisation that uses the service.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::OrganizationKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// 6-digit 全国地方公共団体コード, or an operator-assigned code for NATIONAL/PARTNER.
    #[sea_orm(column_type = "String(StringLen::N(16))", unique)]
    pub code: String,
    pub name: String,
    /// Full-width katakana reading of the name.
    pub name_kana: String,
    /// Normalised name and reading, for search.
    pub search_key: String,
    pub kind: OrganizationKind,
    pub prefecture_id: Option<Uuid>,
    pub population: Option<i64>,
    pub population_as_of: Option<Date>,
    pub archived_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "Entity",
        from = "Column::PrefectureId",
        to = "Column::Id",
        on_delete = "Restrict"
    )]
    Prefecture,
    #[sea_orm(has_many = "super::user::Entity")]
    Users,
    #[sea_orm(has_many = "super::council_member::Entity")]
    CouncilMembers,
    #[sea_orm(has_many = "super::api_client::Entity")]
    ApiClients,
    #[sea_orm(has_many = "super::advisor_pool::Entity")]
    AdvisorPools,
    #[sea_orm(has_many = "super::dispatch_request::Entity")]
    DispatchRequests,
    #[sea_orm(has_many = "super::course::Entity")]
    Courses,
    #[sea_orm(has_many = "super::enrollment::Entity")]
    Enrollments,
    #[sea_orm(has_many = "super::case_study::Entity")]
    CaseStudies,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Users.def()
    }
}

impl Related<super::council_member::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CouncilMembers.def()
    }
}

impl Related<super::api_client::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ApiClients.def()
    }
}

impl Related<super::advisor_pool::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AdvisorPools.def()
    }
}

impl Related<super::dispatch_request::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::DispatchRequests.def()
    }
}

impl Related<super::course::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Courses.def()
    }
}

impl Related<super::enrollment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Enrollments.def()
    }
}

impl Related<super::case_study::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CaseStudies.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
