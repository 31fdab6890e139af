//! Batch loading for the advisor area: one query per field per level of a response.
//!
//! The loaders keyed by id apply the sharing rules themselves (`access`), so a nested field,
//! `node(id:)` and a federation `_entities` lookup that go through them can never show a
//! record the viewer may not see. The loaders keyed by a parent (`AssignmentsOf`, …) serve
//! fields of a parent the viewer was already allowed to see.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use chrono::Utc;
use entity::{
    advisor, advisor_pool, advisor_unavailable_period, dispatch_assignment, dispatch_request,
    dispatch_visit,
};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::profiles::{self, TrackRecord};
use crate::access;
use crate::auth::Viewer;
use crate::organizations::loaders::{LoadError, grouped};

/// A pool by id, if the viewer may see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PoolKey(pub Uuid);
/// An advisor by id, if the viewer may see them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AdvisorKey(pub Uuid);
/// A dispatch request by id, if the viewer may see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DispatchKey(pub Uuid);
/// An assignment by id, if the viewer may see its request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AssignmentKey(pub Uuid);
/// A visit by id, if the viewer may see its request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VisitKey(pub Uuid);
/// An unavailable period by id, if the viewer may see its advisor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PeriodKey(pub Uuid);
/// The assignments of a request (proposed, assigned, declined, withdrawn), each with its
/// advisor if the viewer may see them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AssignmentsOf(pub Uuid);
/// The visits of a request, by start, each with its advisor if the viewer may see them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VisitsOf(pub Uuid);
/// An advisor's unavailable periods that are not over or withdrawn, by start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PeriodsOf(pub Uuid);
/// An advisor's track record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TrackRecordOf(pub Uuid);

/// Loads the advisor area's records for one request and one viewer.
pub struct AdvisorLoader {
    db: DatabaseConnection,
    viewer: Viewer,
}

impl AdvisorLoader {
    pub fn new(db: DatabaseConnection, viewer: Viewer) -> Self {
        Self { db, viewer }
    }
}

fn ids<K: Copy>(keys: &[K], id: impl Fn(K) -> Uuid) -> Vec<Uuid> {
    keys.iter().map(|k| id(*k)).collect()
}

/// The ids of the requests the viewer may see, as a subquery.
fn readable_requests(viewer: &Viewer) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(dispatch_request::Column::Id)
        .from(dispatch_request::Entity)
        .cond_where(access::dispatch_readable(viewer))
        .to_owned()
}

/// An assignment is as visible as its request.
fn assignment_readable(viewer: &Viewer) -> Condition {
    Condition::all()
        .add(dispatch_assignment::Column::DispatchRequestId.in_subquery(readable_requests(viewer)))
}

/// A visit is as visible as its request.
fn visit_readable(viewer: &Viewer) -> Condition {
    Condition::all()
        .add(dispatch_visit::Column::DispatchRequestId.in_subquery(readable_requests(viewer)))
}

/// An unavailable period is as visible as its advisor.
fn period_readable(viewer: &Viewer) -> Condition {
    let readable_advisors = Query::select()
        .column(advisor::Column::Id)
        .from(advisor::Entity)
        .cond_where(access::advisor_readable(viewer))
        .to_owned();
    Condition::all()
        .add(advisor_unavailable_period::Column::AdvisorId.in_subquery(readable_advisors))
}

/// A loader of `$entity` rows by id, keyed by `$key`, returning only the rows the viewer
/// may see (`$readable`: the access condition).
macro_rules! by_id {
    ($key:ident, $entity:ident, $readable:path) => {
        impl Loader<$key> for AdvisorLoader {
            type Value = $entity::Model;
            type Error = LoadError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                let rows = $entity::Entity::find()
                    .filter($entity::Column::Id.is_in(ids(keys, |k| k.0)))
                    .filter($readable(&self.viewer))
                    .all(&self.db)
                    .await?;
                Ok(rows.into_iter().map(|r| ($key(r.id), r)).collect())
            }
        }
    };
}

by_id!(PoolKey, advisor_pool, access::pool_readable);
by_id!(AdvisorKey, advisor, access::advisor_readable);
by_id!(DispatchKey, dispatch_request, access::dispatch_readable);
by_id!(AssignmentKey, dispatch_assignment, assignment_readable);
by_id!(VisitKey, dispatch_visit, visit_readable);
by_id!(PeriodKey, advisor_unavailable_period, period_readable);

impl AdvisorLoader {
    /// Pairs rows with their advisor where the viewer may see them: the advisors come in the
    /// same batch as their rows, so a list of assignments or visits with their advisors
    /// always costs the same two queries.
    async fn with_advisors<T>(
        &self,
        rows: Vec<T>,
        advisor_of: impl Fn(&T) -> Uuid,
    ) -> Result<Vec<(T, Option<advisor::Model>)>, sea_orm::DbErr> {
        let wanted: Vec<Uuid> = rows.iter().map(&advisor_of).collect();
        let advisors: HashMap<Uuid, advisor::Model> = if wanted.is_empty() {
            HashMap::new()
        } else {
            advisor::Entity::find()
                .filter(advisor::Column::Id.is_in(wanted))
                .filter(access::advisor_readable(&self.viewer))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|a| (a.id, a))
                .collect()
        };
        Ok(rows
            .into_iter()
            .map(|row| {
                let advisor = advisors.get(&advisor_of(&row)).cloned();
                (row, advisor)
            })
            .collect())
    }
}

impl Loader<AssignmentsOf> for AdvisorLoader {
    type Value = Vec<(dispatch_assignment::Model, Option<advisor::Model>)>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[AssignmentsOf],
    ) -> Result<HashMap<AssignmentsOf, Self::Value>, Self::Error> {
        let rows = dispatch_assignment::Entity::find()
            .filter(dispatch_assignment::Column::DispatchRequestId.is_in(ids(keys, |k| k.0)))
            .order_by_asc(dispatch_assignment::Column::Id)
            .all(&self.db)
            .await?;
        let rows = self.with_advisors(rows, |r| r.advisor_id).await?;
        Ok(grouped(
            keys,
            rows.into_iter()
                .map(|r| (AssignmentsOf(r.0.dispatch_request_id), r)),
        ))
    }
}

impl Loader<VisitsOf> for AdvisorLoader {
    type Value = Vec<(dispatch_visit::Model, Option<advisor::Model>)>;
    type Error = LoadError;

    async fn load(&self, keys: &[VisitsOf]) -> Result<HashMap<VisitsOf, Self::Value>, Self::Error> {
        let rows = dispatch_visit::Entity::find()
            .filter(dispatch_visit::Column::DispatchRequestId.is_in(ids(keys, |k| k.0)))
            .order_by_asc(dispatch_visit::Column::StartsAt)
            .order_by_asc(dispatch_visit::Column::Id)
            .all(&self.db)
            .await?;
        let rows = self.with_advisors(rows, |r| r.advisor_id).await?;
        Ok(grouped(
            keys,
            rows.into_iter()
                .map(|r| (VisitsOf(r.0.dispatch_request_id), r)),
        ))
    }
}

impl Loader<PeriodsOf> for AdvisorLoader {
    type Value = Vec<advisor_unavailable_period::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[PeriodsOf],
    ) -> Result<HashMap<PeriodsOf, Self::Value>, Self::Error> {
        let rows = advisor_unavailable_period::Entity::find()
            .filter(advisor_unavailable_period::Column::AdvisorId.is_in(ids(keys, |k| k.0)))
            .filter(advisor_unavailable_period::Column::CancelledAt.is_null())
            .filter(advisor_unavailable_period::Column::EndsAt.gt(Utc::now()))
            .order_by_asc(advisor_unavailable_period::Column::StartsAt)
            .order_by_asc(advisor_unavailable_period::Column::Id)
            .all(&self.db)
            .await?;
        Ok(grouped(
            keys,
            rows.into_iter().map(|r| (PeriodsOf(r.advisor_id), r)),
        ))
    }
}

impl Loader<TrackRecordOf> for AdvisorLoader {
    type Value = TrackRecord;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[TrackRecordOf],
    ) -> Result<HashMap<TrackRecordOf, Self::Value>, Self::Error> {
        let records = profiles::track_records(&self.db, &ids(keys, |k| k.0)).await?;
        Ok(records
            .into_iter()
            .map(|(id, record)| (TrackRecordOf(id), record))
            .collect())
    }
}
