//! `councils`: 協議会, a council of organisations; subcommittees (部会) and
//! working groups are councils with a parent.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::CouncilKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "councils")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub name: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    pub kind: CouncilKind,
    pub parent_id: Option<Uuid>,
    /// The organisation that runs the secretariat, where known.
    pub secretariat_organization_id: Option<Uuid>,
    pub archived_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "Entity",
        from = "Column::ParentId",
        to = "Column::Id",
        on_delete = "Restrict"
    )]
    Parent,
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::SecretariatOrganizationId",
        to = "super::organization::Column::Id",
        on_delete = "Restrict"
    )]
    SecretariatOrganization,
    #[sea_orm(has_many = "super::council_member::Entity")]
    Members,
    #[sea_orm(has_many = "super::advisor_pool::Entity")]
    AdvisorPools,
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SecretariatOrganization.def()
    }
}

impl Related<super::council_member::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Members.def()
    }
}

impl Related<super::advisor_pool::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AdvisorPools.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
