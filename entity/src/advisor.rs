//! `advisors`: アドバイザー, an expert in a pool who can be dispatched to
//! organisations.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::Audience;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "advisors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub pool_id: Uuid,
    /// The pool's owner, denormalised for access checks.
    pub owner_organization_id: Uuid,
    #[sea_orm(unique)]
    pub user_id: Option<Uuid>,
    pub name: String,
    pub name_kana: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(32))")]
    pub kind: String,
    pub affiliation: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub themes: Json,
    /// JSON array of the 6-digit codes of the prefectures served.
    #[sea_orm(column_type = "JsonBinary")]
    pub prefecture_codes: Json,
    /// JSON array of ONSITE / ONLINE.
    #[sea_orm(column_type = "JsonBinary")]
    pub modes: Json,
    #[sea_orm(column_type = "Text", nullable)]
    pub bio: Option<String>,
    /// JSON object: email, phone, note.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub contact: Option<Json>,
    pub audience: Audience,
    pub council_id: Option<Uuid>,
    pub archived_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::advisor_pool::Entity",
        from = "Column::PoolId",
        to = "super::advisor_pool::Column::Id",
        on_delete = "Restrict"
    )]
    Pool,
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::OwnerOrganizationId",
        to = "super::organization::Column::Id",
        on_delete = "Restrict"
    )]
    OwnerOrganization,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "Restrict"
    )]
    User,
    #[sea_orm(
        belongs_to = "super::council::Entity",
        from = "Column::CouncilId",
        to = "super::council::Column::Id",
        on_delete = "Restrict"
    )]
    Council,
    #[sea_orm(has_many = "super::advisor_unavailable_period::Entity")]
    UnavailablePeriods,
    #[sea_orm(has_many = "super::dispatch_assignment::Entity")]
    DispatchAssignments,
    #[sea_orm(has_many = "super::dispatch_visit::Entity")]
    DispatchVisits,
}

impl Related<super::advisor_pool::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Pool.def()
    }
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OwnerOrganization.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl Related<super::council::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Council.def()
    }
}

impl Related<super::advisor_unavailable_period::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::UnavailablePeriods.def()
    }
}

impl Related<super::dispatch_assignment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::DispatchAssignments.def()
    }
}

impl Related<super::dispatch_visit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::DispatchVisits.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
