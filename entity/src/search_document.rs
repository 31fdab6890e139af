//! `search_documents`: one searchable record (a published case study, course or advisor) in
//! the full-text index, with the owner, audience and council its sharing rules read.
//!
//! The rows hold the record's text and its search terms; the database indexes the terms
//! (FTS5 on SQLite, a GIN-indexed `tsvector` column on PostgreSQL, both created by the
//! migration and not part of this model).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

use crate::enums::{Audience, SearchKind};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "search_documents")]
pub struct Model {
    /// An integer key, because SQLite's FTS5 table refers to rows by integer rowid.
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: SearchKind,
    /// The id of the case study, course or advisor.
    pub record_id: Uuid,
    pub owner_organization_id: Uuid,
    pub audience: Audience,
    pub council_id: Option<Uuid>,
    pub title: String,
    /// Search terms of the title, keywords and names (ranked above the body).
    #[sea_orm(column_type = "Text")]
    pub title_terms: String,
    /// The body text as written, for snippets.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// Search terms of the body.
    #[sea_orm(column_type = "Text")]
    pub body_terms: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::OwnerOrganizationId",
        to = "super::organization::Column::Id",
        on_delete = "Restrict"
    )]
    Owner,
    #[sea_orm(
        belongs_to = "super::council::Entity",
        from = "Column::CouncilId",
        to = "super::council::Column::Id",
        on_delete = "Restrict"
    )]
    Council,
}

impl ActiveModelBehavior for ActiveModel {}
