//! `dispatch_requests`: 派遣依頼, an organisation's request for advisors from a
//! pool, from submission through decision, visits and report.

use sea_orm::FromJsonQueryResult;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::advisor::ThemeList;
use crate::enums::{DispatchMode, DispatchStatus};

/// A range of calendar days, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateRange {
    pub from: Date,
    pub to: Date,
}

/// The date ranges a requester wishes visits in, as a JSON array of `{from, to}`.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize, FromJsonQueryResult)]
pub struct DateRanges(pub Vec<DateRange>);

/// Advisor ids in preference order, as a JSON array.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize, FromJsonQueryResult)]
pub struct IdList(pub Vec<Uuid>);

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "dispatch_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub requester_organization_id: Uuid,
    pub pool_id: Uuid,
    pub submitted_by_user_id: Uuid,
    #[sea_orm(column_type = "JsonBinary")]
    pub themes: ThemeList,
    #[sea_orm(column_type = "Text")]
    pub problem: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub desired_outcome: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub wished_dates: DateRanges,
    pub mode: DispatchMode,
    pub visits_requested: i32,
    pub onsite_days_requested: Option<i32>,
    pub online_hours_requested: Option<i32>,
    /// Advisors the requester named, in preference order (empty: the pool chooses).
    #[sea_orm(column_type = "JsonBinary")]
    pub preferred_advisor_ids: IdList,
    pub status: DispatchStatus,
    /// The fiscal year the dispatch falls in: of the first wished day until approval, of
    /// the first scheduled visit from then on.
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
    /// Start of the first scheduled visit (set on approval).
    pub first_visit_at: Option<DateTimeUtc>,
    /// End of the last scheduled visit (set on approval); the report is due 7 days later.
    pub last_visit_ends_at: Option<DateTimeUtc>,
    /// True while the request holds a place in its pool's quota for `fiscal_year`.
    pub quota_counted: bool,
    pub completed_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub cancel_reason: Option<String>,
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
