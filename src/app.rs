//! Startup: shared state, the database made ready, the listener bound, the server run.
//!
//! `main.rs` and the tests both start the server through [`App::build`], so tests exercise
//! the production wiring (tests pass port 0 and read the port back).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;

use crate::auth::token::TokenKeys;
use crate::config::Config;
use crate::error::is_unavailable_any;
use crate::graphql::{KoikiSchema, build_schema};
use crate::http::rate_limit::RateLimits;
use crate::metrics::Metrics;
use crate::seed::{self, DemoAccount};

/// What every request shares.
pub struct AppState {
    pub config: Config,
    pub db: DatabaseConnection,
    pub keys: TokenKeys,
    pub schema: KoikiSchema,
    pub metrics: Metrics,
    pub rate_limits: RateLimits,
    /// The database has been reached and prepared; until then every GraphQL request and
    /// `/readyz` answer 503.
    pub ready: AtomicBool,
}

/// A built server, bound to its port, not yet serving.
pub struct App {
    listener: TcpListener,
    state: Arc<AppState>,
    demo_accounts: Vec<DemoAccount>,
}

/// What to do about pending migrations when opening the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Migrations {
    /// Apply them (development servers, and `koiki migrate`).
    Apply,
    /// Refuse to run with any pending (production servers: `koiki migrate` runs once per
    /// release, so that many servers starting at once never race to migrate).
    RequireCurrent,
}

impl Migrations {
    /// Apply in development; require a migrated schema in production.
    pub fn for_config(config: &Config) -> Self {
        if config.is_production() {
            Self::RequireCurrent
        } else {
            Self::Apply
        }
    }
}

/// Opens the database and brings its schema and reference data up to date.
pub async fn prepare_database(
    config: &Config,
    metrics: &Metrics,
    migrations: Migrations,
) -> anyhow::Result<DatabaseConnection> {
    let db = crate::db::connect(config, &metrics.db_statements).await?;
    prepare_schema(&db, migrations).await?;
    Ok(db)
}

/// Brings the schema (or, in production, checks it) and the reference data up to date.
async fn prepare_schema(db: &DatabaseConnection, migrations: Migrations) -> anyhow::Result<()> {
    if migrations == Migrations::RequireCurrent {
        let pending = Migrator::get_pending_migrations(db).await?;
        if !pending.is_empty() {
            anyhow::bail!(
                "the database has {} pending migration(s): run `koiki migrate` first",
                pending.len()
            );
        }
    } else {
        Migrator::up(db, None).await.context("migrations failed")?;
    }
    seed::reference_data(db).await?;
    Ok(())
}

/// Everything the database needs before the server may take requests: schema, reference
/// data and, when configured, the demo data.
async fn prepare_all(db: &DatabaseConnection, config: &Config) -> anyhow::Result<Vec<DemoAccount>> {
    prepare_schema(db, Migrations::for_config(config)).await?;
    if config.demo {
        seed::demo::ensure(db).await
    } else {
        Ok(Vec::new())
    }
}

/// Retries [`prepare_all`] with growing pauses until it succeeds, then marks the server
/// ready. Runs when the database could not be reached at start.
async fn prepare_in_background(state: Arc<AppState>) {
    let mut pause = Duration::from_millis(250);
    loop {
        tokio::time::sleep(pause).await;
        match prepare_all(&state.db, &state.config).await {
            Ok(_) => {
                state.ready.store(true, Ordering::Release);
                tracing::info!("database reachable and prepared; ready to serve");
                return;
            }
            Err(error) if is_unavailable_any(&error) => {
                tracing::warn!(retry_in = ?pause, "database still unreachable");
            }
            Err(error) => {
                // E.g. pending migrations in production: an operator must act; keep checking.
                tracing::error!(error = %format!("{error:#}"), retry_in = ?pause, "database not ready");
            }
        }
        pause = (pause * 2).min(Duration::from_secs(15));
    }
}

impl App {
    /// Builds the server: database ready, demo data on the first start of a development
    /// database, keys loaded, listener bound.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let metrics = Metrics::default();
        let db = crate::db::connect(&config, &metrics.db_statements).await?;
        // A database that cannot be reached does not stop the start: the server answers 503
        // and keeps trying. Anything else (a failed migration, pending migrations in
        // production) does.
        let (ready, demo_accounts) = match prepare_all(&db, &config).await {
            Ok(accounts) => (true, accounts),
            Err(error) if is_unavailable_any(&error) => {
                tracing::warn!(error = %format!("{error:#}"), "database unreachable at start; serving 503 until it is");
                (false, Vec::new())
            }
            Err(error) => return Err(error),
        };
        let keys = TokenKeys::load(&config)?;
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let schema = build_schema(&config.schema_options());
        let rate_limits = RateLimits::new(&config);
        let state = Arc::new(AppState {
            config,
            db,
            keys,
            schema,
            metrics,
            rate_limits,
            ready: AtomicBool::new(ready),
        });
        if !ready {
            tokio::spawn(prepare_in_background(state.clone()));
        }
        Ok(Self {
            listener,
            state,
            demo_accounts,
        })
    }

    /// The address the server listens on (with the real port when built with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or(self.state.config.listen)
    }

    /// The demo sign-ins, when demo data is loaded.
    pub fn demo_accounts(&self) -> &[DemoAccount] {
        &self.demo_accounts
    }

    pub fn state(&self) -> Arc<AppState> {
        self.state.clone()
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish for up to the
    /// configured grace period.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let grace = self.state.config.shutdown_grace;
        let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
        let signal = async move {
            shutdown.await;
            tracing::info!("shutting down: finishing requests in flight");
            let _ = stopping_tx.send(());
        };
        // Offers of freed seats that pass their claim deadline move on to the next in line
        // even when nobody touches the course (see `courses::seats`).
        let sweeper = tokio::spawn(crate::courses::seats::sweep_forever(self.state.db.clone()));
        let router = crate::http::router(self.state.clone());
        let server = axum::serve(
            self.listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(signal);
        let server = tokio::spawn(async move { server.await });
        tokio::select! {
            result = server => {
                result.context("server task failed")?.context("server failed")?;
            }
            () = async {
                if stopping_rx.await.is_ok() {
                    tokio::time::sleep(grace).await;
                } else {
                    std::future::pending::<()>().await;
                }
            } => {
                tracing::warn!(?grace, "grace period over; closing remaining connections");
            }
        }
        sweeper.abort();
        self.state.db.clone().close().await.ok();
        Ok(())
    }
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
