//! `enrollments`: 受講, one participant's place in a course (enrolled,
//! waitlisted, offered, cancelled, completed or no-show).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{CancellationReason, EnrollmentStatus, JobGrade};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "enrollments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub course_id: Uuid,
    pub organization_id: Uuid,
    pub user_id: Option<Uuid>,
    /// Identifies the person: a user id, or normalised organisation + name for named staff.
    pub participant_key: String,
    pub participant_name: String,
    pub participant_department: Option<String>,
    pub participant_job_grade: Option<JobGrade>,
    pub status: EnrollmentStatus,
    /// Order of acceptance on the waitlist.
    pub waitlist_seq: Option<i64>,
    pub offer_expires_at: Option<DateTimeUtc>,
    pub completed_hours: Option<f64>,
    pub completed_on: Option<Date>,
    pub enrolled_by_user_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Why the enrolment was cancelled (only when `status` is CANCELLED).
    pub cancellation_reason: Option<CancellationReason>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::course::Entity",
        from = "Column::CourseId",
        to = "super::course::Column::Id",
        on_delete = "Restrict"
    )]
    Course,
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::OrganizationId",
        to = "super::organization::Column::Id",
        on_delete = "Restrict"
    )]
    Organization,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id",
        on_delete = "Restrict"
    )]
    User,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::EnrolledByUserId",
        to = "super::user::Column::Id",
        on_delete = "Restrict"
    )]
    EnrolledByUser,
}

impl Related<super::course::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Course.def()
    }
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
