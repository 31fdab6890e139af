//! `dispatch_assignments`: an advisor proposed for, or assigned to, a dispatch
//! request (several for a team dispatch).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::AssignmentStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "dispatch_assignments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub dispatch_request_id: Uuid,
    pub advisor_id: Uuid,
    pub status: AssignmentStatus,
    /// The requester's ranking of a proposed candidate (1 = first choice).
    pub preference_rank: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub decline_reason: Option<String>,
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
