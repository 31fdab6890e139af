//! `advisor_unavailable_periods`: a period during which an advisor cannot be
//! dispatched.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "advisor_unavailable_periods")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub advisor_id: Uuid,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
    /// When the period was withdrawn; withdrawn periods no longer block bookings.
    pub cancelled_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::advisor::Entity",
        from = "Column::AdvisorId",
        to = "super::advisor::Column::Id",
        on_delete = "Cascade"
    )]
    Advisor,
}

impl Related<super::advisor::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Advisor.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
