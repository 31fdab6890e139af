//! `courses`: 共同研修, a training course hosted by one organisation and open to
//! staff of others.

use sea_orm::FromJsonQueryResult;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{Audience, CourseFormat, CourseStatus, FeeRule, JobGrade, SkillArea};

/// The job grades a course targets, stored as a JSON array of strings.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize, FromJsonQueryResult)]
pub struct JobGradeList(pub Vec<JobGrade>);

/// The skill areas a course teaches, stored as a JSON array of strings.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize, FromJsonQueryResult)]
pub struct SkillAreaList(pub Vec<SkillArea>);

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "courses")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub host_organization_id: Uuid,
    pub co_host_council_id: Option<Uuid>,
    pub title: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub summary: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub job_grades: JobGradeList,
    #[sea_orm(column_type = "JsonBinary")]
    pub skill_areas: SkillAreaList,
    /// 1 (introductory) to 5 (expert).
    pub level: i32,
    pub format: CourseFormat,
    pub total_hours: Option<f64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub entry_conditions: Option<String>,
    pub capacity: i32,
    pub seats_per_organization: Option<i32>,
    /// Seats enrolled plus offered; a guarded counter.
    pub seats_taken: i32,
    pub enrolment_opens_at: Option<DateTimeUtc>,
    pub enrolment_closes_at: Option<DateTimeUtc>,
    pub self_enrolment: bool,
    pub fee_rule: FeeRule,
    /// Yen.
    pub fee_amount: Option<i64>,
    pub offer_claim_hours: i32,
    pub audience: Audience,
    pub council_id: Option<Uuid>,
    pub status: CourseStatus,
    /// Start of the first session, for filtering.
    pub starts_at: Option<DateTimeUtc>,
    pub created_by_user_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Bumped by every write transaction of the course, its seats or its enrolments: the
    /// lock such a transaction takes first, and the order in which the waitlist accepted
    /// people (a waitlisted enrolment keeps the revision that accepted it).
    pub revision: i64,
    /// Folded title and summary, for search.
    #[sea_orm(column_type = "Text")]
    pub search_key: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::HostOrganizationId",
        to = "super::organization::Column::Id",
        on_delete = "Restrict"
    )]
    HostOrganization,
    #[sea_orm(
        belongs_to = "super::council::Entity",
        from = "Column::CoHostCouncilId",
        to = "super::council::Column::Id",
        on_delete = "Restrict"
    )]
    CoHostCouncil,
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
    #[sea_orm(has_many = "super::course_co_host::Entity")]
    CoHosts,
    #[sea_orm(has_many = "super::course_session::Entity")]
    Sessions,
    #[sea_orm(has_many = "super::course_organization_seat::Entity")]
    OrganizationSeats,
    #[sea_orm(has_many = "super::enrollment::Entity")]
    Enrollments,
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::HostOrganization.def()
    }
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CreatedByUser.def()
    }
}

impl Related<super::course_co_host::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::CoHosts.def()
    }
}

impl Related<super::course_session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Sessions.def()
    }
}

impl Related<super::course_organization_seat::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OrganizationSeats.def()
    }
}

impl Related<super::enrollment::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Enrollments.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
