//! Online backup and restore of the embedded (SQLite) database.
//!
//! `koiki backup PATH` runs `VACUUM INTO`, which writes a consistent copy of the database as
//! of one transaction while the server keeps serving (readers and writers are not stopped),
//! then checks the copy's integrity. `koiki restore PATH` checks a backup and puts it in
//! place of the configured database; run it with the server stopped. PostgreSQL
//! deployments use the database's own tools (`pg_dump`, base backups) instead.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, bail};
use prometheus_client::metrics::counter::Counter;
use sea_orm::ConnectionTrait;
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sea_orm::sqlx::{self, Row};

use crate::config::Config;

/// The database file of a SQLite configuration.
fn database_file(config: &Config) -> anyhow::Result<PathBuf> {
    if !config.is_sqlite() {
        bail!(
            "backup and restore are for the embedded SQLite database; on PostgreSQL use pg_dump or a base backup"
        );
    }
    let options = SqliteConnectOptions::from_str(&config.database_url)
        .context("DATABASE_URL is not a valid SQLite address")?;
    Ok(options.get_filename().to_owned())
}

/// Checks that `path` is a sound Koiki database: SQLite's integrity check passes and the
/// migrations table is there.
async fn check(path: &Path) -> anyhow::Result<()> {
    let options = SqliteConnectOptions::new().filename(path).read_only(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .with_context(|| format!("cannot open {}", path.display()))?;
    let verdict: String = sqlx::query("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await?
        .try_get(0)?;
    if verdict != "ok" {
        bail!(
            "{} fails SQLite's integrity check: {verdict}",
            path.display()
        );
    }
    let migrated: i64 = sqlx::query(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'seaql_migrations'",
    )
    .fetch_one(&pool)
    .await?
    .try_get(0)?;
    pool.close().await;
    if migrated == 0 {
        bail!("{} is not a Koiki database", path.display());
    }
    Ok(())
}

/// Writes a consistent copy of the running database to `target` (which must not exist).
pub async fn backup(config: &Config, target: &Path) -> anyhow::Result<()> {
    database_file(config)?;
    if target.exists() {
        bail!("{} exists already; choose a new file", target.display());
    }
    let target_text = target
        .to_str()
        .context("the backup path must be valid UTF-8")?;
    let db = crate::db::connect(config, &Counter::default()).await?;
    // `VACUUM INTO` takes its file name as a string literal, not a bound parameter.
    let sql = format!("VACUUM INTO '{}'", target_text.replace('\'', "''"));
    db.execute_unprepared(&sql)
        .await
        .context("the backup failed")?;
    db.close().await.ok();
    check(target).await
}

/// Replaces the configured database with the backup at `source`, after checking it. The
/// server must be stopped: the old write-ahead log is removed so it cannot be replayed onto
/// the restored file.
pub async fn restore(config: &Config, source: &Path) -> anyhow::Result<()> {
    let destination = database_file(config)?;
    check(source).await?;
    if let Some(parent) = destination.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let staging = destination.with_extension("restoring");
    std::fs::copy(source, &staging)
        .with_context(|| format!("cannot copy {} into place", source.display()))?;
    std::fs::File::open(&staging)?.sync_all()?;
    for suffix in ["-wal", "-shm"] {
        let mut side = destination.clone().into_os_string();
        side.push(suffix);
        match std::fs::remove_file(&side) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).context("cannot remove the old write-ahead log"),
        }
    }
    std::fs::rename(&staging, &destination)
        .with_context(|| format!("cannot replace {}", destination.display()))?;
    check(&destination).await
}
