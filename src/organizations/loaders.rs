//! Batch loading for nested organisation and council fields: one query per field per level
//! of a response, however many parents the level has.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::{council, council_member, organization};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::error::AppError;

/// A loader's error: cloneable, as the dataloader shares it among the waiting fields.
#[derive(Clone, Debug)]
pub struct LoadError(Arc<DbErr>);

impl From<DbErr> for LoadError {
    fn from(error: DbErr) -> Self {
        Self(Arc::new(error))
    }
}

impl From<LoadError> for AppError {
    fn from(error: LoadError) -> Self {
        match Arc::try_unwrap(error.0) {
            Ok(db) => db.into(),
            Err(shared) if crate::error::is_unavailable(&shared) => AppError::Unavailable,
            Err(shared) => AppError::Internal(anyhow::anyhow!("{shared}")),
        }
    }
}

/// Groups rows under the keys that asked for them; every key gets an entry, empty when no
/// row belongs to it.
pub(crate) fn grouped<K: Copy + Eq + Hash, V>(
    keys: &[K],
    rows: impl IntoIterator<Item = (K, V)>,
) -> HashMap<K, Vec<V>> {
    let mut map: HashMap<K, Vec<V>> = keys.iter().map(|k| (*k, Vec::new())).collect();
    for (key, row) in rows {
        map.entry(key).or_default().push(row);
    }
    map
}

/// Keys of the organisation loaders.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OrganizationId(pub Uuid);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MunicipalitiesOf(pub Uuid);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CouncilsOf(pub Uuid);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CouncilId(pub Uuid);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MembersOf(pub Uuid);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SubgroupsOf(pub Uuid);

/// Loads organisations and councils for one request.
pub struct DirectoryLoader {
    db: DatabaseConnection,
}

impl DirectoryLoader {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

impl Loader<OrganizationId> for DirectoryLoader {
    type Value = organization::Model;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[OrganizationId],
    ) -> Result<HashMap<OrganizationId, Self::Value>, Self::Error> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = organization::Entity::find()
            .filter(organization::Column::Id.is_in(ids))
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|o| (OrganizationId(o.id), o))
            .collect())
    }
}

impl Loader<MunicipalitiesOf> for DirectoryLoader {
    type Value = Vec<organization::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[MunicipalitiesOf],
    ) -> Result<HashMap<MunicipalitiesOf, Self::Value>, Self::Error> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = organization::Entity::find()
            .filter(organization::Column::PrefectureId.is_in(ids))
            .filter(organization::Column::ArchivedAt.is_null())
            .order_by_asc(organization::Column::Code)
            .all(&self.db)
            .await?;
        Ok(grouped(
            keys,
            rows.into_iter()
                .filter_map(|row| Some((MunicipalitiesOf(row.prefecture_id?), row))),
        ))
    }
}

impl Loader<CouncilsOf> for DirectoryLoader {
    type Value = Vec<council::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[CouncilsOf],
    ) -> Result<HashMap<CouncilsOf, Self::Value>, Self::Error> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = council_member::Entity::find()
            .filter(council_member::Column::OrganizationId.is_in(ids))
            .find_also_related(council::Entity)
            .order_by_asc(council::Column::Name)
            .all(&self.db)
            .await?;
        Ok(grouped(
            keys,
            rows.into_iter().filter_map(|(member, council)| {
                let council = council.filter(|c| c.archived_at.is_none())?;
                Some((CouncilsOf(member.organization_id), council))
            }),
        ))
    }
}

impl Loader<CouncilId> for DirectoryLoader {
    type Value = council::Model;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[CouncilId],
    ) -> Result<HashMap<CouncilId, Self::Value>, Self::Error> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = council::Entity::find()
            .filter(council::Column::Id.is_in(ids))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|c| (CouncilId(c.id), c)).collect())
    }
}

impl Loader<MembersOf> for DirectoryLoader {
    type Value = Vec<(council_member::Model, organization::Model)>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[MembersOf],
    ) -> Result<HashMap<MembersOf, Self::Value>, Self::Error> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = council_member::Entity::find()
            .filter(council_member::Column::CouncilId.is_in(ids))
            .find_also_related(organization::Entity)
            .order_by_asc(organization::Column::Code)
            .all(&self.db)
            .await?;
        Ok(grouped(
            keys,
            rows.into_iter().filter_map(|(member, organization)| {
                Some((MembersOf(member.council_id), (member, organization?)))
            }),
        ))
    }
}

impl Loader<SubgroupsOf> for DirectoryLoader {
    type Value = Vec<council::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[SubgroupsOf],
    ) -> Result<HashMap<SubgroupsOf, Self::Value>, Self::Error> {
        let ids: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
        let rows = council::Entity::find()
            .filter(council::Column::ParentId.is_in(ids))
            .filter(council::Column::ArchivedAt.is_null())
            .order_by_asc(council::Column::Id)
            .all(&self.db)
            .await?;
        Ok(grouped(
            keys,
            rows.into_iter()
                .filter_map(|row| Some((SubgroupsOf(row.parent_id?), row))),
        ))
    }
}
