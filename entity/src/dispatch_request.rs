//! `dispatch_requests`: 派遣依頼, an organisation's request for advisors from a
//! pool, from submission through decision, visits and report.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "dispatch_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub requester_organization_id: Uuid,
    pub pool_id: Uuid,
    pub submitted_by_user_id: Uuid,
    #[sea_orm(column_type = "JsonBinary")]
    pub themes: Json,
    #[sea_orm(column_type = "Text")]
    pub problem: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub desired_outcome: Option<String>,
    /// JSON array of `{from, to}` date ranges.
    #[sea_orm(column_type = "JsonBinary")]
    pub wished_dates: Json,
    /// ONSITE, ONLINE or HYBRID.
    #[sea_orm(column_type = "String(StringLen::N(16))")]
    pub mode: String,
    pub visits_requested: i32,
    pub onsite_days_requested: Option<i32>,
    pub online_hours_requested: Option<i32>,
    /// JSON array of advisor ids.
    #[sea_orm(column_type = "JsonBinary")]
    pub preferred_advisor_ids: Json,
    /// SUBMITTED, PROPOSED, APPROVED, DECLINED, COMPLETED, REPORTED, CLOSED or CANCELLED.
    #[sea_orm(column_type = "String(StringLen::N(16))")]
    pub status: String,
    pub fiscal_year: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub decision_reason: Option<String>,
    pub decided_by_user_id: Option<Uuid>,
    pub decided_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub report: Option<String>,
    pub reported_by_user_id: Option<Uuid>,
    pub reported_at: Option<DateTimeUtc>,
    pub feedback_rating: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub feedback_comment: Option<String>,
    pub closed_at: Option<DateTimeUtc>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::RequesterOrganizationId",
        to = "super::organization::Column::Id",
        on_delete = "Restrict"
    )]
    RequesterOrganization,
    #[sea_orm(
        belongs_to = "super::advisor_pool::Entity",
        from = "Column::PoolId",
        to = "super::advisor_pool::Column::Id",
        on_delete = "Restrict"
    )]
    Pool,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::SubmittedByUserId",
        to = "super::user::Column::Id",
        on_delete = "Restrict"
    )]
    SubmittedByUser,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::DecidedByUserId",
        to = "super::user::Column::Id",
        on_delete = "Restrict"
    )]
    DecidedByUser,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::ReportedByUserId",
        to = "super::user::Column::Id",
        on_delete = "Restrict"
    )]
    ReportedByUser,
    #[sea_orm(has_many = "super::dispatch_assignment::Entity")]
    Assignments,
    #[sea_orm(has_many = "super::dispatch_visit::Entity")]
    Visits,
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RequesterOrganization.def()
    }
}

impl Related<super::advisor_pool::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Pool.def()
    }
}

impl Related<super::dispatch_assignment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Assignments.def()
    }
}

impl Related<super::dispatch_visit::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Visits.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
