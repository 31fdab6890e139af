//! Opening the database: a pool with the settings PITFALLS.md measured as necessary.
//!
//! SQLite: WAL, `synchronous=FULL`, foreign keys on, a busy timeout, several connections.
//! PostgreSQL: a statement and lock timeout on every connection, connections opened on first
//! use. Both: a short acquire timeout, so a lost database fails requests fast instead of
//! hanging them.

use std::str::FromStr;

use anyhow::Context;
use prometheus_client::metrics::counter::Counter;
use sea_orm::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sea_orm::{DatabaseConnection, SqlxPostgresConnector, SqlxSqliteConnector};

use crate::config::Config;

/// Opens the pool described by `config`; every statement it runs increments `statements`.
pub async fn connect(config: &Config, statements: &Counter) -> anyhow::Result<DatabaseConnection> {
    let mut db = if config.is_sqlite() {
        let options = SqliteConnectOptions::from_str(&config.database_url)
            .context("DATABASE_URL is not a valid SQLite address")?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(config.database_statement_timeout);
        if let Some(parent) = options.get_filename().parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(config.database_max_connections)
            .acquire_timeout(config.database_acquire_timeout)
            .connect_with(options)
            .await
            .context("cannot open the SQLite database")?;
        SqlxSqliteConnector::from_sqlx_sqlite_pool(pool)
    } else {
        let timeout_ms = config.database_statement_timeout.as_millis().to_string();
        let options = PgConnectOptions::from_str(&config.database_url)
            .context("DATABASE_URL is not a valid PostgreSQL address")?
            .application_name("koiki")
            .options([
                ("statement_timeout", timeout_ms.as_str()),
                ("lock_timeout", timeout_ms.as_str()),
                ("idle_in_transaction_session_timeout", "60000"),
            ]);
        // Lazy: the pool connects on first use, so a server can start while the database is
        // down (and report not-ready) instead of failing to start.
        let pool = PgPoolOptions::new()
            .max_connections(config.database_max_connections)
            .acquire_timeout(config.database_acquire_timeout)
            .connect_lazy_with(options);
        SqlxPostgresConnector::from_sqlx_postgres_pool(pool)
    };
    let statements = statements.clone();
    db.set_metric_callback(move |_| {
        statements.inc();
    });
    Ok(db)
}
