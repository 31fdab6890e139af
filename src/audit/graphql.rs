//! GraphQL of the audit trail: `auditEvents`, for the owner organisation's admins and the
//! platform operator.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Json, Object};
use entity::audit_event;

use super::EventFilter;
use crate::auth::graphql::User;
use crate::error::AppError;
use crate::graphql::pagination::{self, PageArgs, Sort, Sorted, TotalCount};
use crate::graphql::scalars::DateTime;
use crate::graphql::{ids, state};
use crate::organizations::OrgCode;
use crate::organizations::graphql::{Organization, organization_by_id};

/// 監査ログ: one change made through the API.
pub struct AuditEvent(pub audit_event::Model);

#[Object]
impl AuditEvent {
    /// When the change was made.
    async fn occurred_at(&self) -> DateTime {
        DateTime(self.0.occurred_at)
    }
    /// What happened, as `area.verb` (`session.sign_in`, `course.publish`, …).
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The kind of record changed, as the schema names its type (`User`, `Course`, …).
    async fn entity(&self) -> &str {
        &self.0.entity
    }
    /// The global id of the record changed (use it with `node(id:)`).
    async fn entity_id(&self) -> Option<ID> {
        self.0.entity_id.map(|id| ids::encode(&self.0.entity, id))
    }
    /// The user who made the change, when you may see their account.
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(id) = self.0.actor_user_id else {
            return Ok(None);
        };
        Ok(crate::auth::graphql::visible_user(ctx, id).await?)
    }
    /// The organisation of the user who made the change.
    async fn actor_organization(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Organization>> {
        organization_by_id(ctx, self.0.actor_organization_id).await
    }
    /// The organisation that owns the record changed.
    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organization>> {
        organization_by_id(ctx, self.0.organization_id).await
    }
    /// The record before the change (null for creations and events without a record state).
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        self.0.before.clone().map(Json)
    }
    /// The record after the change.
    async fn after(&self) -> Option<Json<serde_json::Value>> {
        self.0.after.clone().map(Json)
    }
    /// The `x-request-id` of the request that made the change (also in the server's logs).
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
}

/// Filter of `auditEvents`.
#[derive(InputObject, Default)]
pub struct AuditEventFilter {
    /// Only events about records of this organisation (admins may name only their own).
    organization_code: Option<String>,
    /// Only this kind of record, as the schema names its type (`User`, `Course`, …).
    entity: Option<String>,
    /// Only changes made by this user (global id).
    actor: Option<ID>,
    /// Only events at or after this instant.
    from: Option<DateTime>,
    /// Only events before this instant.
    to: Option<DateTime>,
}

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit trail, newest first. Admins see the events about their organisation's
    /// records; the platform operator sees all. Others get `FORBIDDEN`.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditEventFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, AuditEvent, TotalCount>> {
        let s = state(ctx);
        let f = filter.unwrap_or_default();
        let organization_id = match f.organization_code.as_deref() {
            None => None,
            Some(raw) => {
                let code = OrgCode::parse("filter.organizationCode", raw)?;
                let found = crate::organizations::find_by_code(&s.db, &code)
                    .await?
                    .ok_or(AppError::not_found("Organization"))?;
                Some(found.id)
            }
        };
        let filter = EventFilter {
            organization_id,
            entity: f.entity,
            actor_user_id: f
                .actor
                .map(|id| ids::decode("filter.actor", "User", &id))
                .transpose()?,
            from: f.from.map(|t| t.0),
            to: f.to.map(|t| t.0),
        };
        let select = super::events(&s.viewer, &filter)?;
        let request = PageArgs {
            first,
            after,
            last,
            before,
        }
        .parse::<Sorted<uuid::Uuid>>()?;
        // Ids are UUIDv7, so id order is time order.
        let sort = Sort::by(audit_event::Column::Id, audit_event::Column::Id, true);
        let page = pagination::fetch_sorted_page(
            &s.db,
            select.clone(),
            &sort,
            |e| Sorted {
                value: e.id,
                id: e.id,
            },
            &request,
        )
        .await?;
        Ok(pagination::into_connection(
            page,
            TotalCount::of(select),
            AuditEvent,
        ))
    }
}
