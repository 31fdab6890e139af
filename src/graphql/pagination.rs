//! Relay cursor connections with keyset pagination.
//!
//! A page is fetched with `WHERE key > cursor ORDER BY key LIMIT n + 1`: the extra row says
//! whether there is another page, and no page ever costs an `OFFSET` scan. `totalCount` is a
//! separate `COUNT(*)`, run only when the client asks for it.
//!
//! Lists a client may order (`orderBy: { field, direction }`) page with [`fetch_sorted_page`]:
//! the cursor carries the sort value and the row's id, and the next page starts after that
//! pair (`value > v OR (value = v AND id > i)`), so ties never repeat or skip rows.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, OutputType};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, FromQueryResult, Order,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select, Value,
};
use uuid::Uuid;

use crate::error::{AppError, AppResult, Invalid};

/// Largest page a client may ask for.
pub const MAX_PAGE_SIZE: i32 = 100;
/// Page size when the client gives neither `first` nor `last`.
pub const DEFAULT_PAGE_SIZE: i32 = 20;

/// The pagination arguments of a connection field, as the client sent them.
#[derive(Clone, Debug, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

/// A key pages are ordered by and cursors carry.
pub trait CursorKey: Sized + Clone + Send + Sync + 'static {
    fn to_cursor(&self) -> String;
    fn from_cursor(text: &str) -> Option<Self>;
}

impl CursorKey for i32 {
    fn to_cursor(&self) -> String {
        self.to_string()
    }
    fn from_cursor(text: &str) -> Option<Self> {
        text.parse().ok()
    }
}

impl CursorKey for i64 {
    fn to_cursor(&self) -> String {
        self.to_string()
    }
    fn from_cursor(text: &str) -> Option<Self> {
        text.parse().ok()
    }
}

impl CursorKey for f64 {
    fn to_cursor(&self) -> String {
        // `{:?}` prints the shortest text that parses back to the same number.
        format!("{self:?}")
    }
    fn from_cursor(text: &str) -> Option<Self> {
        text.parse().ok().filter(|v: &f64| v.is_finite())
    }
}

impl CursorKey for DateTime<Utc> {
    fn to_cursor(&self) -> String {
        self.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
    }
    fn from_cursor(text: &str) -> Option<Self> {
        DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }
}

/// The key of a sorted list: the sort value, then the row's id to break ties.
#[derive(Clone, Debug, PartialEq)]
pub struct Sorted<V> {
    pub value: V,
    pub id: Uuid,
}

impl<V: CursorKey> CursorKey for Sorted<V> {
    fn to_cursor(&self) -> String {
        format!("{}\u{1f}{}", self.id, self.value.to_cursor())
    }
    fn from_cursor(text: &str) -> Option<Self> {
        let (id, value) = text.split_once('\u{1f}')?;
        Some(Self {
            value: V::from_cursor(value)?,
            id: Uuid::parse_str(id).ok()?,
        })
    }
}

impl CursorKey for String {
    fn to_cursor(&self) -> String {
        self.clone()
    }
    fn from_cursor(text: &str) -> Option<Self> {
        Some(text.to_owned())
    }
}

impl CursorKey for Uuid {
    fn to_cursor(&self) -> String {
        self.to_string()
    }
    fn from_cursor(text: &str) -> Option<Self> {
        Uuid::parse_str(text).ok()
    }
}

fn encode_cursor<K: CursorKey>(key: &K) -> String {
    URL_SAFE_NO_PAD.encode(format!("k:{}", key.to_cursor()))
}

fn decode_cursor<K: CursorKey>(field: &str, cursor: &str) -> AppResult<K> {
    let invalid = || AppError::invalid(field, Invalid::Cursor);
    if cursor.len() > 256 {
        return Err(invalid());
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    text.strip_prefix("k:")
        .and_then(K::from_cursor)
        .ok_or_else(invalid)
}

/// A checked page request.
#[derive(Clone, Debug)]
pub struct PageRequest<K> {
    pub limit: u64,
    pub after: Option<K>,
    pub before: Option<K>,
    /// Paging with `last`: take from the end.
    pub backward: bool,
}

impl PageArgs {
    /// Checks the arguments: counts 0–100, cursors that decode, not `first` and `last` both.
    pub fn parse<K: CursorKey>(&self) -> AppResult<PageRequest<K>> {
        if self.first.is_some() && self.last.is_some() {
            return Err(AppError::invalid("last", Invalid::PageArguments));
        }
        for (name, value) in [("first", self.first), ("last", self.last)] {
            if let Some(n) = value
                && !(0..=MAX_PAGE_SIZE).contains(&n)
            {
                return Err(AppError::invalid(
                    name,
                    Invalid::PageSize {
                        max: MAX_PAGE_SIZE as u64,
                    },
                ));
            }
        }
        let after = self
            .after
            .as_deref()
            .map(|c| decode_cursor("after", c))
            .transpose()?;
        let before = self
            .before
            .as_deref()
            .map(|c| decode_cursor("before", c))
            .transpose()?;
        let backward = self.last.is_some();
        let limit = self.first.or(self.last).unwrap_or(DEFAULT_PAGE_SIZE) as u64;
        Ok(PageRequest {
            limit,
            after,
            before,
            backward,
        })
    }
}

/// One page of rows with their keys.
pub struct Page<M, K> {
    pub rows: Vec<(K, M)>,
    pub has_previous: bool,
    pub has_next: bool,
}

/// Fetches one page of `select`, ordered by the unique `key` column.
pub async fn fetch_page<E, K>(
    db: &DatabaseConnection,
    select: Select<E>,
    key: E::Column,
    key_of: impl Fn(&E::Model) -> K,
    request: &PageRequest<K>,
) -> AppResult<Page<E::Model, K>>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Send + Sync,
    K: CursorKey + Into<Value>,
{
    let mut select = select;
    if let Some(after) = &request.after {
        select = select.filter(key.gt(after.clone()));
    }
    if let Some(before) = &request.before {
        select = select.filter(key.lt(before.clone()));
    }
    select = if request.backward {
        select.order_by_desc(key)
    } else {
        select.order_by_asc(key)
    };
    let mut models = select.limit(request.limit + 1).all(db).await?;
    let more = models.len() as u64 > request.limit;
    models.truncate(request.limit as usize);
    if request.backward {
        models.reverse();
    }
    let rows = models.into_iter().map(|m| (key_of(&m), m)).collect();
    let (has_previous, has_next) = if request.backward {
        (more, request.before.is_some())
    } else {
        (request.after.is_some(), more)
    };
    Ok(Page {
        rows,
        has_previous,
        has_next,
    })
}

/// The direction of an `orderBy`. Ascending unless a list says otherwise (case studies list
/// newest and most relevant first).
#[derive(async_graphql::Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OrderDirection {
    /// Smallest first (A→Z, oldest first).
    #[default]
    Asc,
    /// Largest first (Z→A, newest first).
    Desc,
}

impl OrderDirection {
    pub fn descending(self) -> bool {
        self == Self::Desc
    }
}

/// How a client-ordered list is sorted: by a value (a column, or an expression such as
/// `COALESCE(starts_at, …)`: it must never be NULL, as the two databases order NULLs
/// differently), then by the unique `id` column in the same direction.
pub struct Sort<E: EntityTrait> {
    pub value: SimpleExpr,
    pub id: E::Column,
    pub descending: bool,
}

impl<E: EntityTrait> Sort<E> {
    /// Sorts by `column` (NOT NULL), ties by `id`.
    pub fn by(column: E::Column, id: E::Column, descending: bool) -> Self {
        Self {
            value: Expr::col(column),
            id,
            descending,
        }
    }
}

/// "The row comes after `key` in this order" (`forward`) or before it.
fn beyond<E: EntityTrait, V: Into<Value> + Clone>(
    sort: &Sort<E>,
    key: &Sorted<V>,
    forward: bool,
) -> Condition {
    let greater = forward != sort.descending;
    let value: Value = key.value.clone().into();
    let (past_value, past_id) = if greater {
        (
            sort.value.clone().gt(value.clone()),
            Expr::col(sort.id).gt(key.id),
        )
    } else {
        (
            sort.value.clone().lt(value.clone()),
            Expr::col(sort.id).lt(key.id),
        )
    };
    Condition::any().add(past_value).add(
        Condition::all()
            .add(sort.value.clone().eq(value))
            .add(past_id),
    )
}

/// Fetches one page of `select` in a client-chosen order (see [`Sort`]); `key_of` gives a
/// row's key: its sort value (which must equal what `sort.value` computes for it) and id.
pub async fn fetch_sorted_page<E, V>(
    db: &DatabaseConnection,
    select: Select<E>,
    sort: &Sort<E>,
    key_of: impl Fn(&E::Model) -> Sorted<V>,
    request: &PageRequest<Sorted<V>>,
) -> AppResult<Page<E::Model, Sorted<V>>>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Send + Sync,
    V: CursorKey + Into<Value>,
{
    fetch_sorted_page_as(db, select, sort, key_of, request).await
}

/// [`fetch_sorted_page`] for rows read as `M` rather than the entity's model: for selects
/// that add computed columns (a search score) or pick only some.
pub async fn fetch_sorted_page_as<E, M, V>(
    db: &DatabaseConnection,
    select: Select<E>,
    sort: &Sort<E>,
    key_of: impl Fn(&M) -> Sorted<V>,
    request: &PageRequest<Sorted<V>>,
) -> AppResult<Page<M, Sorted<V>>>
where
    E: EntityTrait,
    M: FromQueryResult + Send + Sync,
    V: CursorKey + Into<Value>,
{
    let mut select = select;
    if let Some(after) = &request.after {
        select = select.filter(beyond(sort, after, true));
    }
    if let Some(before) = &request.before {
        select = select.filter(beyond(sort, before, false));
    }
    let ascending = request.backward == sort.descending;
    let order = if ascending { Order::Asc } else { Order::Desc };
    select = select
        .order_by(sort.value.clone(), order.clone())
        .order_by(sort.id, order);
    let mut models = select
        .limit(request.limit + 1)
        .into_model::<M>()
        .all(db)
        .await?;
    let more = models.len() as u64 > request.limit;
    models.truncate(request.limit as usize);
    if request.backward {
        models.reverse();
    }
    let rows = models.into_iter().map(|m| (key_of(&m), m)).collect();
    let (has_previous, has_next) = if request.backward {
        (more, request.before.is_some())
    } else {
        (request.after.is_some(), more)
    };
    Ok(Page {
        rows,
        has_previous,
        has_next,
    })
}

/// [`fetch_sorted_page`] for a list that can be ordered by fields of different types: the
/// request's cursors arrive as text (`PageArgs::parse::<String>()`), are read here as
/// `Sorted<V>` for the chosen field, and the page's keys go back as text. A cursor made for
/// another order does not decode and is a `VALIDATION` error on `after`/`before`.
pub async fn fetch_ordered_page<E, V>(
    db: &DatabaseConnection,
    select: Select<E>,
    sort: &Sort<E>,
    key_of: impl Fn(&E::Model) -> Sorted<V>,
    request: &PageRequest<String>,
) -> AppResult<Page<E::Model, String>>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Send + Sync,
    V: CursorKey + Into<Value>,
{
    let read = |field: &str, text: &Option<String>| -> AppResult<Option<Sorted<V>>> {
        text.as_deref()
            .map(|t| {
                Sorted::<V>::from_cursor(t).ok_or_else(|| AppError::invalid(field, Invalid::Cursor))
            })
            .transpose()
    };
    let typed = PageRequest {
        limit: request.limit,
        after: read("after", &request.after)?,
        before: read("before", &request.before)?,
        backward: request.backward,
    };
    let page = fetch_sorted_page(db, select, sort, key_of, &typed).await?;
    Ok(Page {
        rows: page
            .rows
            .into_iter()
            .map(|(key, model)| (key.to_cursor(), model))
            .collect(),
        has_previous: page.has_previous,
        has_next: page.has_next,
    })
}

/// Pages an in-memory, already ordered list (for small nested lists loaded in one batch).
pub fn page_in_memory<M, K: CursorKey + PartialOrd>(
    items: Vec<M>,
    key_of: impl Fn(&M) -> K,
    request: &PageRequest<K>,
) -> Page<M, K> {
    let mut keyed: Vec<(K, M)> = items
        .into_iter()
        .map(|m| (key_of(&m), m))
        .filter(|(k, _)| request.after.as_ref().is_none_or(|a| k > a))
        .filter(|(k, _)| request.before.as_ref().is_none_or(|b| k < b))
        .collect();
    let limit = request.limit as usize;
    let more = keyed.len() > limit;
    if request.backward {
        keyed.drain(..keyed.len().saturating_sub(limit));
        Page {
            rows: keyed,
            has_previous: more,
            has_next: request.before.is_some(),
        }
    } else {
        keyed.truncate(limit);
        Page {
            rows: keyed,
            has_previous: request.after.is_some(),
            has_next: more,
        }
    }
}

type CountFn = dyn Fn(DatabaseConnection) -> Pin<Box<dyn Future<Output = Result<u64, DbErr>> + Send>>
    + Send
    + Sync;

/// The `totalCount` field of a connection, counted only when selected.
#[derive(Clone)]
pub struct TotalCount(Arc<CountFn>);

impl TotalCount {
    /// Counts the rows of `select` (without its paging).
    pub fn of<E>(select: Select<E>) -> Self
    where
        E: EntityTrait,
        E::Model: FromQueryResult + Send + Sync,
    {
        Self(Arc::new(move |db| {
            let select = select.clone();
            Box::pin(async move { select.count(&db).await })
        }))
    }

    /// A count already known (for lists loaded in memory).
    pub fn known(count: u64) -> Self {
        Self(Arc::new(move |_| Box::pin(async move { Ok(count) })))
    }
}

#[Object]
impl TotalCount {
    /// How many items match, across all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        let db = crate::graphql::state(ctx).db.clone();
        let count = (self.0)(db).await.map_err(AppError::from)?;
        Ok(i64::try_from(count).unwrap_or(i64::MAX))
    }
}

/// A connection page as async-graphql's `Connection`, mapping each row to its GraphQL type.
pub fn into_connection<M, K, N>(
    page: Page<M, K>,
    total: TotalCount,
    node: impl Fn(M) -> N,
) -> Connection<String, N, TotalCount>
where
    K: CursorKey,
    N: OutputType,
{
    into_connection_with(page, total, node)
}

/// [`into_connection`] with other fields on the connection than `totalCount` alone.
pub fn into_connection_with<M, K, N, A>(
    page: Page<M, K>,
    additional: A,
    node: impl Fn(M) -> N,
) -> Connection<String, N, A>
where
    K: CursorKey,
    N: OutputType,
    A: async_graphql::ObjectType,
{
    let mut connection =
        Connection::with_additional_fields(page.has_previous, page.has_next, additional);
    connection.edges.extend(
        page.rows
            .into_iter()
            .map(|(k, m)| Edge::new(encode_cursor(&k), node(m))),
    );
    connection
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = encode_cursor(&"172014".to_owned());
        assert_eq!(
            decode_cursor::<String>("after", &c).ok().as_deref(),
            Some("172014")
        );
        assert!(decode_cursor::<String>("after", "%%%").is_err());
        assert!(decode_cursor::<Uuid>("after", &c).is_err());
    }

    #[test]
    fn sorted_cursors_carry_value_and_id() {
        let id = Uuid::now_v7();
        for value in [0.1_f64, 1.0 / 3.0, -2.5e-300] {
            let key = Sorted { value, id };
            let back = decode_cursor::<Sorted<f64>>("after", &encode_cursor(&key));
            assert_eq!(back.ok(), Some(key));
        }
        let at = Utc::now();
        let key = Sorted { value: at, id };
        let back = decode_cursor::<Sorted<DateTime<Utc>>>("after", &encode_cursor(&key));
        assert_eq!(back.ok(), Some(key));
        let text = Sorted {
            value: "a\u{1f}b".to_owned(),
            id,
        };
        let back = decode_cursor::<Sorted<String>>("after", &encode_cursor(&text));
        assert_eq!(back.ok(), Some(text));
        assert!(decode_cursor::<Sorted<i64>>("after", &encode_cursor(&id)).is_err());
    }

    #[test]
    fn page_arguments_are_checked() {
        let args = |first, last| PageArgs {
            first,
            last,
            ..Default::default()
        };
        assert!(args(Some(100), None).parse::<String>().is_ok());
        assert!(args(Some(101), None).parse::<String>().is_err());
        assert!(args(Some(-1), None).parse::<String>().is_err());
        assert!(args(Some(1), Some(1)).parse::<String>().is_err());
        assert_eq!(
            args(None, None).parse::<String>().map(|r| r.limit).ok(),
            Some(20)
        );
    }

    #[test]
    fn in_memory_pages_follow_cursors_both_ways() {
        let items: Vec<String> = (1..=5).map(|i| format!("{i}")).collect();
        let forward = PageRequest {
            limit: 2,
            after: Some("1".to_owned()),
            before: None,
            backward: false,
        };
        let page = page_in_memory(items.clone(), Clone::clone, &forward);
        assert_eq!(
            page.rows
                .iter()
                .map(|(k, _)| k.as_str())
                .collect::<Vec<_>>(),
            ["2", "3"]
        );
        assert!(page.has_next && page.has_previous);
        let backward = PageRequest {
            limit: 2,
            after: None,
            before: Some("5".to_owned()),
            backward: true,
        };
        let page = page_in_memory(items, Clone::clone, &backward);
        assert_eq!(
            page.rows
                .iter()
                .map(|(k, _)| k.as_str())
                .collect::<Vec<_>>(),
            ["3", "4"]
        );
        assert!(page.has_previous && page.has_next);
    }
}
