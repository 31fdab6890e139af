//! The audit trail: who did what, when, to which record, with the record before and after.
//!
//! An event is written in the same transaction as the change it describes, so a change is
//! never recorded without having happened, nor made without being recorded. Events carry
//! the request id of the HTTP request that caused them, which is also in the logs. They
//! hold no secrets: never a password, token or hash.

use chrono::Utc;
use entity::audit_event;
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use serde_json::Value as Json;
use uuid::Uuid;

use crate::auth::Viewer;
use crate::error::AppResult;

/// Who made a change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    /// The `x-request-id` of the request that made the change.
    pub request_id: Option<String>,
}

impl Actor {
    /// The signed-in viewer (or nobody) of a request.
    pub fn of(viewer: &Viewer, request_id: Option<String>) -> Self {
        Self {
            user_id: viewer.signed_in().map(|u| u.user_id),
            organization_id: viewer.organization_id(),
            request_id,
        }
    }
}

/// One change, as the audit trail records it.
#[derive(Clone, Debug, Default)]
pub struct Change {
    /// What happened, `area.verb` (`session.sign_in`, `course.publish`, …).
    pub action: &'static str,
    /// The kind of record, as the GraphQL type names it (`User`, `Course`, …).
    pub entity: &'static str,
    pub entity_id: Option<Uuid>,
    /// The organisation that owns the record.
    pub organization_id: Option<Uuid>,
    pub before: Option<Json>,
    pub after: Option<Json>,
}

/// Writes one event; call it with the transaction that makes the change.
pub async fn record<C: ConnectionTrait>(db: &C, actor: &Actor, change: Change) -> AppResult<()> {
    audit_event::Entity::insert(audit_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        occurred_at: Set(Utc::now()),
        actor_user_id: Set(actor.user_id),
        actor_client_id: Set(None),
        actor_organization_id: Set(actor.organization_id),
        organization_id: Set(change.organization_id),
        entity: Set(change.entity.to_owned()),
        entity_id: Set(change.entity_id),
        action: Set(change.action.to_owned()),
        before: Set(change.before),
        after: Set(change.after),
        request_id: Set(actor.request_id.clone()),
    })
    .exec(db)
    .await?;
    Ok(())
}
