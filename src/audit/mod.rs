//! The audit trail: who did what, when, to which record, with the record before and after.
//!
//! An event is written in the same transaction as the change it describes, so a change is
//! never recorded without having happened, nor made without being recorded. Events carry
//! the request id of the HTTP request that caused them, which is also in the logs. They
//! hold no secrets: never a password, token or hash.
//!
//! Reading the trail (`auditEvents`) is for the admins of the organisation that owns the
//! records and for the platform operator (`access::audit_scope`).

pub mod graphql;

use chrono::{DateTime, Utc};
use entity::audit_event;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Select, Set};
use serde_json::Value as Json;
use uuid::Uuid;

use crate::access::{self, AuditScope};
use crate::auth::Viewer;
use crate::error::{AppError, AppResult, Invalid};

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

/// The filter of `auditEvents`, checked.
#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    /// Only events about records of this organisation.
    pub organization_id: Option<Uuid>,
    /// Only this kind of record (`User`, `Course`, …).
    pub entity: Option<String>,
    /// Only changes made by this user.
    pub actor_user_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// The events `viewer` may read that match `filter`, as a query (newest first is up to the
/// caller). Admins read their own organisation's events; the operator reads everyone's;
/// anybody else is refused.
pub fn events(viewer: &Viewer, filter: &EventFilter) -> AppResult<Select<audit_event::Entity>> {
    use audit_event::Column;
    let mut condition = Condition::all();
    match access::audit_scope(viewer)? {
        AuditScope::Everything => {}
        AuditScope::Organization(own) => {
            if filter.organization_id.is_some_and(|asked| asked != own) {
                return Err(AppError::Forbidden);
            }
            condition = condition.add(Column::OrganizationId.eq(own));
        }
    }
    if let Some(id) = filter.organization_id {
        condition = condition.add(Column::OrganizationId.eq(id));
    }
    if let Some(entity) = &filter.entity {
        crate::text::check_line("filter.entity", entity, 64)?;
        condition = condition.add(Column::Entity.eq(entity.as_str()));
    }
    if let Some(actor) = filter.actor_user_id {
        condition = condition.add(Column::ActorUserId.eq(actor));
    }
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && from > to
    {
        return Err(AppError::invalid(
            "filter.to",
            Invalid::Value {
                expected: "a time after `from`",
            },
        ));
    }
    if let Some(from) = filter.from {
        condition = condition.add(Column::OccurredAt.gte(from));
    }
    if let Some(to) = filter.to {
        condition = condition.add(Column::OccurredAt.lt(to));
    }
    Ok(audit_event::Entity::find().filter(condition))
}
