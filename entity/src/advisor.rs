//! `advisors`: アドバイザー, an expert in a pool who can be dispatched to
//! organisations.

use sea_orm::FromJsonQueryResult;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{AdvisorKind, AdvisorTheme, Audience, VisitMode};

/// Themes, stored as a JSON array of strings in the order given.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize, FromJsonQueryResult)]
pub struct ThemeList(pub Vec<AdvisorTheme>);

/// The 6-digit codes of the prefectures an advisor serves, as a JSON array.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize, FromJsonQueryResult)]
pub struct PrefectureCodeList(pub Vec<String>);

/// The ways an advisor works (on site, online), as a JSON array.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize, FromJsonQueryResult)]
pub struct ModeList(pub Vec<VisitMode>);

/// How to reach an advisor, as a JSON object. Shown only to signed-in members of the
/// pool's audience (see `access`).
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize, FromJsonQueryResult)]
pub struct Contact {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub note: Option<String>,
}

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
    pub kind: AdvisorKind,
    pub affiliation: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub themes: ThemeList,
    /// The 6-digit codes of the prefectures served.
    #[sea_orm(column_type = "JsonBinary")]
    pub prefecture_codes: PrefectureCodeList,
    /// ONSITE / ONLINE.
    #[sea_orm(column_type = "JsonBinary")]
    pub modes: ModeList,
    #[sea_orm(column_type = "Text", nullable)]
    pub bio: Option<String>,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub contact: Option<Contact>,
    pub audience: Audience,
    pub council_id: Option<Uuid>,
    pub archived_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Folded name, reading and affiliation, for search.
    pub search_key: String,
    /// Bit `n` set: serves theme number `n` (in `AdvisorTheme` order).
    pub theme_mask: i32,
    /// Bit 0: on site; bit 1: online.
    pub mode_mask: i32,
    /// Bit `n - 1` set: serves prefecture number `n` (01–47).
    pub prefecture_mask: i64,
    /// Bumped by every change to the advisor's bookings or availability, as the first
    /// write of its transaction: bookings of one advisor are serialised on this row.
    pub schedule_version: i32,
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
