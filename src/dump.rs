//! `koiki export` / `koiki import`: every record of every table as versioned JSON lines, to
//! move an installation from SQLite to PostgreSQL (or back) with nothing lost.
//!
//! The first line is a header (`{"format":"koiki-dump","version":1,"tables":[…]}`); each
//! further line is one row: `{"table":"organizations","row":{…}}`. Tables come in an order
//! in which every row's references come before it (parents before children within a table
//! that refers to itself), so an import inserts them as they come. Values are written the
//! way both databases store them: times in UTC to the microsecond, JSON objects with sorted
//! keys; so a dump exported from SQLite, imported into PostgreSQL and exported again is the
//! same file.
//!
//! An import runs in one transaction, in batches of rows: interrupted or refused midway, it
//! leaves the target as it was.

use std::io::{BufRead, Write};
use std::marker::PhantomData;

use anyhow::{Context, bail};
use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Timelike, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ColumnType, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, IntoActiveModel, Iterable, PaginatorTrait,
    PrimaryKeyToColumn, QueryOrder, TransactionTrait, TryIntoModel,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The dump format's name in the header.
pub const FORMAT: &str = "koiki-dump";
/// The version this build writes and the newest it reads.
pub const VERSION: u32 = 1;
/// Rows per INSERT statement on import.
const BATCH: usize = 500;
/// Rows read per query on export.
const PAGE: u64 = 2_000;

#[derive(Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
    tables: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct Line {
    table: String,
    row: Value,
}

/// One table, as the dump reads and writes it.
#[async_trait]
trait Table: Send + Sync {
    fn name(&self) -> &'static str;
    async fn count(&self, db: &DatabaseConnection) -> anyhow::Result<u64>;
    async fn export(
        &self,
        db: &DatabaseConnection,
        out: &mut (dyn Write + Send),
    ) -> anyhow::Result<u64>;
    async fn insert(&self, txn: &DatabaseTransaction, rows: Vec<Value>) -> anyhow::Result<()>;
}

struct Of<E: EntityTrait> {
    /// The column a row's parent in the same table is named by, if any.
    parent: Option<E::Column>,
    entity: PhantomData<E>,
}

fn of<E: EntityTrait>(parent: Option<E::Column>) -> Box<dyn Table>
where
    E::Model: Serialize + for<'de> Deserialize<'de> + IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: TryIntoModel<E::Model> + Send,
{
    Box::new(Of::<E> {
        parent,
        entity: PhantomData,
    })
}

/// A value as both databases keep it: times to the microsecond, object keys sorted.
fn canonical(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, canonical(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(canonical).collect()),
        other => other,
    }
}

fn microseconds(value: &mut Value) {
    if let Value::String(text) = value
        && let Ok(at) = DateTime::parse_from_rfc3339(text)
    {
        let at = at.with_timezone(&Utc);
        let micros = at.timestamp_subsec_micros();
        if let Some(truncated) = at.with_nanosecond(micros * 1_000) {
            *text = truncated.to_rfc3339_opts(SecondsFormat::AutoSi, true);
        }
    }
}

#[async_trait]
impl<E: EntityTrait> Table for Of<E>
where
    E::Model: Serialize + for<'de> Deserialize<'de> + IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: TryIntoModel<E::Model> + Send,
{
    fn name(&self) -> &'static str {
        E::default().table_name()
    }

    async fn count(&self, db: &DatabaseConnection) -> anyhow::Result<u64> {
        Ok(E::find().count(db).await?)
    }

    async fn export(
        &self,
        db: &DatabaseConnection,
        out: &mut (dyn Write + Send),
    ) -> anyhow::Result<u64> {
        let mut select = E::find();
        if let Some(parent) = self.parent {
            // Rows without a parent first, so that parents precede their children.
            select = select.order_by_asc(Expr::col(parent).is_not_null());
        }
        for key in E::PrimaryKey::iter() {
            select = select.order_by_asc(key.into_column());
        }
        let times: Vec<String> = E::Column::iter()
            .filter(|c| {
                matches!(
                    c.def().get_column_type(),
                    ColumnType::TimestampWithTimeZone
                        | ColumnType::Timestamp
                        | ColumnType::DateTime
                )
            })
            .map(|c| c.json_key().to_owned())
            .collect();
        let mut pages = select.paginate(db, PAGE);
        let mut written = 0;
        while let Some(models) = pages.fetch_and_next().await? {
            for model in models {
                let mut row = serde_json::to_value(&model)?;
                if let Value::Object(fields) = &mut row {
                    for name in &times {
                        if let Some(value) = fields.get_mut(name) {
                            microseconds(value);
                        }
                    }
                }
                let line = Line {
                    table: self.name().to_owned(),
                    row: canonical(row),
                };
                serde_json::to_writer(&mut *out, &line)?;
                out.write_all(b"\n")?;
                written += 1;
            }
        }
        Ok(written)
    }

    async fn insert(&self, txn: &DatabaseTransaction, rows: Vec<Value>) -> anyhow::Result<()> {
        let mut models = Vec::with_capacity(rows.len());
        for row in rows {
            models.push(
                E::ActiveModel::from_json(row)
                    .with_context(|| format!("a row of {} does not fit the table", self.name()))?,
            );
        }
        if !models.is_empty() {
            E::insert_many(models).exec_without_returning(txn).await?;
        }
        Ok(())
    }
}

/// Every table, in an order where references come first.
fn tables() -> Vec<Box<dyn Table>> {
    use entity::*;
    vec![
        of::<organization::Entity>(Some(organization::Column::PrefectureId)),
        of::<council::Entity>(Some(council::Column::ParentId)),
        of::<council_member::Entity>(None),
        of::<user::Entity>(None),
        of::<refresh_token::Entity>(None),
        of::<api_client::Entity>(None),
        of::<advisor_pool::Entity>(None),
        of::<advisor::Entity>(None),
        of::<advisor_unavailable_period::Entity>(None),
        of::<dispatch_request::Entity>(None),
        of::<dispatch_assignment::Entity>(None),
        of::<dispatch_visit::Entity>(None),
        of::<dispatch_quota_counter::Entity>(None),
        of::<course::Entity>(None),
        of::<course_co_host::Entity>(None),
        of::<course_session::Entity>(None),
        of::<course_organization_seat::Entity>(None),
        of::<enrollment::Entity>(None),
        of::<course_attendance::Entity>(None),
        of::<case_category::Entity>(Some(case_category::Column::ParentId)),
        of::<keyword::Entity>(None),
        of::<case_study::Entity>(None),
        of::<case_study_version::Entity>(None),
        of::<case_study_keyword::Entity>(None),
        of::<case_study_link::Entity>(None),
        of::<search_document::Entity>(None),
        of::<audit_event::Entity>(None),
    ]
}

/// Writes every row of every table; returns the number of rows.
pub async fn export(db: &DatabaseConnection, out: &mut (dyn Write + Send)) -> anyhow::Result<u64> {
    let tables = tables();
    let header = Header {
        format: FORMAT.to_owned(),
        version: VERSION,
        tables: tables.iter().map(|t| t.name().to_owned()).collect(),
    };
    serde_json::to_writer(&mut *out, &header)?;
    out.write_all(b"\n")?;
    let mut rows = 0;
    for table in &tables {
        rows += table.export(db, out).await?;
    }
    out.flush()?;
    Ok(rows)
}

/// How an import treats a target that holds data already.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Refuse unless every table is empty.
    MustBeEmpty,
    /// Delete every row first (in the same transaction as the import).
    Replace,
}

/// Loads a dump into a migrated database; returns the number of rows.
pub async fn import(
    db: &DatabaseConnection,
    input: &mut dyn BufRead,
    target: Target,
) -> anyhow::Result<u64> {
    let tables = tables();
    let mut lines = input.lines();
    let header: Header = match lines.next() {
        Some(line) => {
            serde_json::from_str(&line?).context("the first line is not a dump header")?
        }
        None => bail!("the dump is empty"),
    };
    if header.format != FORMAT {
        bail!("not a Koiki dump (format `{}`)", header.format);
    }
    if header.version > VERSION {
        bail!(
            "the dump is format version {}, newer than this build reads (version {VERSION}); import it with a newer koiki",
            header.version
        );
    }
    if target == Target::MustBeEmpty {
        for table in &tables {
            let count = table.count(db).await?;
            if count > 0 {
                bail!(
                    "the target database is not empty ({} has {count} rows); import into an empty database, or pass --replace",
                    table.name()
                );
            }
        }
    }
    let txn = db.begin().await?;
    if target == Target::Replace {
        for table in tables.iter().rev() {
            txn.execute_unprepared(&format!("DELETE FROM {}", quote(table.name())))
                .await?;
        }
    }
    let mut batch: Vec<Value> = Vec::with_capacity(BATCH);
    let mut current: Option<usize> = None;
    let mut rows = 0;
    for (number, line) in lines.enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let Line { table, row } = serde_json::from_str(&line)
            .with_context(|| format!("line {} is not a dump row", number + 2))?;
        let index = tables
            .iter()
            .position(|t| t.name() == table)
            .with_context(|| format!("line {}: unknown table `{table}`", number + 2))?;
        if current != Some(index) {
            if let Some(previous) = current {
                if index < previous {
                    bail!("line {}: table `{table}` out of order", number + 2);
                }
                tables[previous]
                    .insert(&txn, std::mem::take(&mut batch))
                    .await?;
            }
            current = Some(index);
        }
        batch.push(row);
        rows += 1;
        if batch.len() == BATCH
            && let Some(index) = current
        {
            tables[index]
                .insert(&txn, std::mem::take(&mut batch))
                .await?;
        }
    }
    if let Some(index) = current {
        tables[index].insert(&txn, batch).await?;
    }
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        // Rows came with their integer keys: move the key sequence past them.
        txn.execute_unprepared(
            "SELECT setval(pg_get_serial_sequence('search_documents', 'id'), \
             COALESCE((SELECT MAX(id) FROM search_documents), 0) + 1, false)",
        )
        .await?;
    }
    txn.commit().await?;
    Ok(rows)
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_as_both_databases_keep_them() {
        let mut at = Value::String("2026-11-23T17:50:03.123456789Z".into());
        microseconds(&mut at);
        assert_eq!(at, "2026-11-23T17:50:03.123456Z");
        let mut whole = Value::String("2026-11-23T17:50:03Z".into());
        microseconds(&mut whole);
        assert_eq!(whole, "2026-11-23T17:50:03Z");
        let mut text = Value::String("not a time".into());
        microseconds(&mut text);
        assert_eq!(text, "not a time");
        let sorted =
            canonical(serde_json::json!({ "b": 1, "a": { "d": [ { "z": 1, "y": 2 } ], "c": 2 } }));
        assert_eq!(
            sorted.to_string(),
            r#"{"a":{"c":2,"d":[{"y":2,"z":1}]},"b":1}"#
        );
    }
}
