//! `audit_events`: 監査ログ, one change made through the API, with who made it
//! and the record before and after.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub occurred_at: DateTimeUtc,
    pub actor_user_id: Option<Uuid>,
    pub actor_client_id: Option<Uuid>,
    pub actor_organization_id: Option<Uuid>,
    /// Owner of the record changed.
    pub organization_id: Option<Uuid>,
    /// The kind of record changed, e.g. `case_study`.
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub entity: String,
    pub entity_id: Option<Uuid>,
    #[sea_orm(column_type = "String(StringLen::N(64))")]
    pub action: String,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub before: Option<Json>,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub after: Option<Json>,
    #[sea_orm(column_type = "String(StringLen::N(64))", nullable)]
    pub request_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::ActorUserId",
        to = "super::user::Column::Id",
        on_delete = "Restrict"
    )]
    ActorUser,
    #[sea_orm(
        belongs_to = "super::api_client::Entity",
        from = "Column::ActorClientId",
        to = "super::api_client::Column::Id",
        on_delete = "Restrict"
    )]
    ActorClient,
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::ActorOrganizationId",
        to = "super::organization::Column::Id",
        on_delete = "Restrict"
    )]
    ActorOrganization,
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::OrganizationId",
        to = "super::organization::Column::Id",
        on_delete = "Restrict"
    )]
    Organization,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ActorUser.def()
    }
}

impl Related<super::api_client::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ActorClient.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
