//! `advisor_pools`: 人材バンク, a pool of advisors run by one organisation, with
//! its dispatch quotas.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::Audience;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "advisor_pools")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub owner_organization_id: Uuid,
    pub name: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    pub audience: Audience,
    pub council_id: Option<Uuid>,
    pub visits_per_org_per_year: i32,
    pub max_onsite_days: i32,
    pub max_online_hours: i32,
    pub requesters_may_name_advisors: bool,
    /// Day of the month by which requests must be submitted.
    pub application_deadline_day: Option<i32>,
    pub archived_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Day of the month requests are taken from (with a deadline and no opening day, the
    /// 1st); no deadline means requests are taken any day.
    pub application_opens_day: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::OwnerOrganizationId",
        to = "super::organization::Column::Id",
        on_delete = "Restrict"
    )]
    OwnerOrganization,
    #[sea_orm(
        belongs_to = "super::council::Entity",
        from = "Column::CouncilId",
        to = "super::council::Column::Id",
        on_delete = "Restrict"
    )]
    Council,
    #[sea_orm(has_many = "super::advisor::Entity")]
    Advisors,
    #[sea_orm(has_many = "super::dispatch_request::Entity")]
    DispatchRequests,
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OwnerOrganization.def()
    }
}

impl Related<super::council::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Council.def()
    }
}

impl Related<super::advisor::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Advisors.def()
    }
}

impl Related<super::dispatch_request::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::DispatchRequests.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
