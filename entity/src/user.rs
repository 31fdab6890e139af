//! `users`: a person (or script account) who signs in on behalf of an
//! organisation (職員アカウント).

use sea_orm::FromJsonQueryResult;
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::Role;

/// The roles a user holds, stored as a JSON array of strings.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize, FromJsonQueryResult)]
pub struct RoleList(pub Vec<Role>);

impl RoleList {
    /// Whether the list includes `role`.
    pub fn contains(&self, role: Role) -> bool {
        self.0.contains(&role)
    }
}

impl From<Vec<Role>> for RoleList {
    fn from(roles: Vec<Role>) -> Self {
        Self(roles)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    /// Stored lower-case.
    #[sea_orm(column_type = "String(StringLen::N(254))", unique)]
    pub email: String,
    pub display_name: String,
    /// `None`: cannot sign in with a password (e.g. script accounts).
    pub password_hash: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub roles: RoleList,
    pub disabled_at: Option<DateTimeUtc>,
    pub last_sign_in_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::OrganizationId",
        to = "super::organization::Column::Id",
        on_delete = "Restrict"
    )]
    Organization,
    #[sea_orm(has_many = "super::refresh_token::Entity")]
    RefreshTokens,
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl Related<super::refresh_token::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RefreshTokens.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
