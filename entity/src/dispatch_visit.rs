//! `dispatch_visits`: one scheduled visit (on site or online) by an advisor for
//! a dispatch request.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{VisitMode, VisitStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "dispatch_visits")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub dispatch_request_id: Uuid,
    pub advisor_id: Uuid,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub mode: VisitMode,
    pub status: VisitStatus,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::dispatch_request::Entity",
        from = "Column::DispatchRequestId",
        to = "super::dispatch_request::Column::Id",
        on_delete = "Cascade"
    )]
    DispatchRequest,
    #[sea_orm(
        belongs_to = "super::advisor::Entity",
        from = "Column::AdvisorId",
        to = "super::advisor::Column::Id",
        on_delete = "Restrict"
    )]
    Advisor,
}

impl Related<super::dispatch_request::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::DispatchRequest.def()
    }
}

impl Related<super::advisor::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Advisor.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
