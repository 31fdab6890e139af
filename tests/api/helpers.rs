//! The test harness: a real server on a random port, over a database of its own.
//!
//! Each test gets a fresh database cloned from a template that is migrated and seeded once
//! per test run: a copied SQLite file, or `CREATE DATABASE … TEMPLATE` on PostgreSQL (when
//! `KOIKI_TEST_DATABASE_URL` names a server; every test then runs on both). Logs are silent
//! unless `TEST_LOG` is set.

use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use koiki::app::{App, AppState, Migrations, prepare_database};
use koiki::config::{Config, Environment, LogFormat, Secret};
use koiki::metrics::Metrics;
use sea_orm::sqlx::{self, Connection};
use serde_json::{Value, json};

pub const DEMO_PASSWORD: &str = koiki::seed::demo::DEMO_PASSWORD;
pub const JWT_SECRET: &str = "integration-tests-secret-at-least-32-bytes";

/// Demo accounts, by what they are.
pub const OPERATOR: &str = "operator@koiki.example.jp";
pub const NARA_ADMIN: &str = "admin@pref-nara.example.jp";
pub const NARA_EDITOR: &str = "editor@pref-nara.example.jp";
pub const NARA_CITY_EDITOR: &str = "editor@city-nara.example.jp";
pub const NARA_CITY_MEMBER: &str = "member@city-nara.example.jp";
pub const KANAZAWA_EDITOR: &str = "editor@city-kanazawa.example.jp";
pub const KOCHI_ADMIN: &str = "admin@pref-kochi.example.jp";
pub const OYAMA_EDITOR: &str = "editor@town-oyama.example.jp";
pub const IKOMA_EDITOR: &str = "editor@city-ikoma.example.jp";
pub const IKOMA_MEMBER: &str = "member@city-ikoma.example.jp";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// SQLite always; PostgreSQL too when `KOIKI_TEST_DATABASE_URL` is set.
    pub fn all() -> Vec<Backend> {
        let mut all = vec![Backend::Sqlite];
        if postgres_admin_url().is_some() {
            all.push(Backend::Postgres);
        }
        all
    }
}

fn postgres_admin_url() -> Option<String> {
    std::env::var("KOIKI_TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

/// Runs `test` against a fresh server on every backend in turn. The server lives until the
/// test returns.
pub async fn on_each_backend(test: impl AsyncFn(&TestApp)) {
    for backend in Backend::all() {
        eprintln!("--- on {backend:?}");
        let app = TestApp::spawn(backend).await;
        assert_eq!(app.backend, backend);
        test(&app).await;
    }
}

fn init_logs() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        if std::env::var("TEST_LOG").is_ok() {
            koiki::telemetry::init(LogFormat::Text);
        }
    });
}

/// A configuration for tests: port 0, fixed key, the given database.
pub fn test_config(database_url: String, data_dir: PathBuf) -> Config {
    Config {
        env: Environment::Development,
        database_url,
        data_dir,
        listen: "127.0.0.1:0".parse().expect("address"),
        jwt_secret: Some(Secret::new(JWT_SECRET)),
        jwt_issuer: "koiki".into(),
        jwt_audience: "koiki-api".into(),
        access_token_ttl: Duration::from_secs(15 * 60),
        refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
        database_max_connections: 5,
        database_acquire_timeout: Duration::from_secs(5),
        database_statement_timeout: Duration::from_secs(5),
        max_body_bytes: 1024 * 1024,
        max_batch: 10,
        limits: koiki::graphql::limits::Limits::default(),
        introspection: true,
        field_suggestions: true,
        // Off, so tests that fire hundreds of simultaneous requests measure the rules they
        // test; the rate-limit test turns them on.
        rate_limit_per_ip: 0,
        rate_limit_per_client: 0,
        client_ip_header: None,
        cors_origins: Vec::new(),
        request_timeout: Duration::from_secs(10),
        shutdown_grace: Duration::from_secs(2),
        demo: true,
        log_format: LogFormat::Text,
    }
}

/// Runs `f` on a runtime of its own in a thread of its own (templates are built once per
/// process, outside any one test's runtime, whose pools die with it).
fn blocking<T: Send + 'static>(f: impl FnOnce() -> Fut<T> + Send + 'static) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(f())
    })
    .join()
    .expect("template thread")
}

type Fut<T> = std::pin::Pin<Box<dyn Future<Output = T> + Send>>;

/// Migrates, loads reference data and demo accounts into the database at `url`.
async fn build_template(url: String, data_dir: PathBuf) {
    let config = test_config(url, data_dir);
    let db = prepare_database(&config, &Metrics::default(), Migrations::Apply)
        .await
        .expect("template migrates");
    koiki::seed::demo::ensure(&db)
        .await
        .expect("template demo data");
    db.close().await.expect("template closes");
}

struct SqliteTemplate {
    dir: tempfile::TempDir,
}

fn sqlite_template() -> &'static SqliteTemplate {
    static TEMPLATE: OnceLock<SqliteTemplate> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("template.db");
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let data_dir = dir.path().to_owned();
        blocking(move || Box::pin(build_template(url, data_dir)));
        SqliteTemplate { dir }
    })
}

fn postgres_template() -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let admin = postgres_admin_url().expect("KOIKI_TEST_DATABASE_URL");
        let name = format!("koiki_tpl_{}", std::process::id());
        let (admin2, name2) = (admin.clone(), name.clone());
        blocking(move || {
            Box::pin(async move {
                let mut conn = sqlx::PgConnection::connect(&admin2)
                    .await
                    .expect("admin connection");
                drop_stale_databases(&mut conn).await;
                run(&mut conn, format!("DROP DATABASE IF EXISTS {name2}"))
                    .await
                    .expect("drop");
                run(&mut conn, format!("CREATE DATABASE {name2}"))
                    .await
                    .expect("create template");
                conn.close().await.ok();
                build_template(with_database(&admin2, &name2), std::env::temp_dir()).await;
            })
        });
        name
    })
}

/// Drops databases left behind by test runs whose process is gone.
async fn drop_stale_databases(conn: &mut sqlx::PgConnection) {
    let names: Vec<(String,)> = sqlx::query_as(
        "SELECT datname FROM pg_database WHERE datname LIKE 'koiki\\_tpl\\_%' OR datname LIKE 'koiki\\_t\\_%'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap_or_default();
    for (name,) in names {
        let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
        if !alive {
            let _ = run(
                &mut *conn,
                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            )
            .await;
        }
    }
}

/// Runs one statement on an administrative connection.
async fn run(conn: &mut sqlx::PgConnection, sql: String) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(conn)
        .await
        .map(|_| ())
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// A database for one test, removed when the test ends.
enum TestDatabase {
    Sqlite {
        _dir: tempfile::TempDir,
    },
    Postgres {
        admin: String,
        name: String,
    },
    /// Another server's database, which that server removes.
    Borrowed,
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { admin, name } = self {
            let (admin, name) = (admin.clone(), name.clone());
            blocking(move || {
                Box::pin(async move {
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                        let _ = run(
                            &mut conn,
                            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                        )
                        .await;
                        conn.close().await.ok();
                    }
                })
            });
        }
    }
}

/// A running server and a client for it.
pub struct TestApp {
    pub backend: Backend,
    pub base_url: String,
    pub client: reqwest::Client,
    pub state: Arc<AppState>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
    _database: TestDatabase,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Starts a server whose configuration `adjust` may change first.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
        init_logs();
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = tempfile::tempdir().expect("tempdir");
        let data_dir = dir.path().to_owned();
        let (url, database) = match backend {
            Backend::Sqlite => {
                let template = sqlite_template().dir.path().join("template.db");
                let path = dir.path().join("koiki.db");
                std::fs::copy(&template, &path).expect("copy template");
                (
                    format!("sqlite://{}?mode=rwc", path.display()),
                    TestDatabase::Sqlite { _dir: dir },
                )
            }
            Backend::Postgres => {
                let template = postgres_template();
                let admin = postgres_admin_url().expect("KOIKI_TEST_DATABASE_URL");
                let name = format!("koiki_t_{}_{n}", std::process::id());
                let mut conn = sqlx::PgConnection::connect(&admin)
                    .await
                    .expect("admin connection");
                run(
                    &mut conn,
                    format!("CREATE DATABASE {name} TEMPLATE {template}"),
                )
                .await
                .expect("create test database");
                conn.close().await.ok();
                drop(dir);
                (
                    with_database(&admin, &name),
                    TestDatabase::Postgres { admin, name },
                )
            }
        };
        let mut config = test_config(url, data_dir.clone());
        adjust(&mut config);
        let app = App::build(config).await.expect("server builds");
        let base_url = format!("http://{}", app.local_addr());
        let state = app.state();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run(async move {
            let _ = rx.await;
        }));
        TestApp {
            backend,
            base_url,
            client: reqwest::Client::new(),
            state,
            _shutdown: tx,
            _database: database,
        }
    }

    /// A second server on this server's database, as another instance behind the same load
    /// balancer would be.
    pub async fn sibling(&self) -> TestApp {
        let config = self.state.config.clone();
        let app = App::build(config).await.expect("second server builds");
        let base_url = format!("http://{}", app.local_addr());
        let state = app.state();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run(async move {
            let _ = rx.await;
        }));
        TestApp {
            backend: self.backend,
            base_url,
            client: reqwest::Client::new(),
            state,
            _shutdown: tx,
            _database: TestDatabase::Borrowed,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// POSTs a GraphQL request, optionally with a bearer token; returns status and body.
    pub async fn post_gql(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        let body: Value = response.json().await.expect("JSON body");
        assert_no_internals(&body);
        (status, body)
    }

    /// Runs a query anonymously and returns the body.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.post_gql(None, query, variables).await.1
    }

    /// Runs a query with a token and returns the body.
    pub async fn gql_as(&self, token: &str, query: &str, variables: Value) -> Value {
        self.post_gql(Some(token), query, variables).await.1
    }

    /// Signs in a demo account; returns (access token, refresh token).
    pub async fn sign_in(&self, email: &str) -> (String, String) {
        let body = self
            .gql(
                "mutation($e: String!, $p: String!) { signIn(input: { email: $e, password: $p }) { accessToken refreshToken } }",
                json!({ "e": email, "p": DEMO_PASSWORD }),
            )
            .await;
        let session = &body["data"]["signIn"];
        assert!(session.is_object(), "sign-in of {email} failed: {body}");
        (
            session["accessToken"]
                .as_str()
                .expect("access token")
                .to_owned(),
            session["refreshToken"]
                .as_str()
                .expect("refresh token")
                .to_owned(),
        )
    }

    /// Reads a counter from `/metrics`.
    pub async fn metric(&self, name: &str) -> f64 {
        let text = self
            .client
            .get(self.url("/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        text.lines()
            .filter(|l| l.starts_with(name))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }

    /// SQL statements the server ran for one operation (nothing else runs on a test
    /// server), and the response. The operation runs five times and the fewest count is
    /// kept: dataloaders batch by a short timer, and on a loaded 2-core machine a batch can
    /// split in two now and then (three runs were not always enough for three levels of
    /// nesting while the whole suite ran), whereas an N+1 pattern costs a statement per row
    /// every time.
    pub async fn statements_for(&self, query: &str, variables: Value) -> (u64, Value) {
        self.statements_with(None, query, variables).await
    }

    /// [`Self::statements_for`] as a signed-in user.
    pub async fn statements_for_as(
        &self,
        token: &str,
        query: &str,
        variables: Value,
    ) -> (u64, Value) {
        self.statements_with(Some(token), query, variables).await
    }

    async fn statements_with(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (u64, Value) {
        let mut fewest = u64::MAX;
        let mut body = Value::Null;
        for _ in 0..5 {
            let before = self.state.metrics.db_statements.get();
            body = self.post_gql(token, query, variables.clone()).await.1;
            fewest = fewest.min(self.state.metrics.db_statements.get() - before);
        }
        (fewest, body)
    }
}

/// Fails when an error response carries anything internal: SQL, driver or source names, file
/// paths, stack traces, addresses of the database or secrets. Every GraphQL response the
/// suite receives through [`TestApp::post_gql`] passes through here.
pub fn assert_no_internals(body: &Value) {
    let Some(errors) = body.get("errors").filter(|e| !e.is_null()) else {
        return;
    };
    let text = errors.to_string();
    let lower = text.to_lowercase();
    for needle in [
        "select ",
        "insert into",
        "update \"",
        "delete from",
        "sqlx",
        "sea_orm",
        "sqlite",
        "postgres",
        "pg_",
        "/work/",
        "/root/",
        "/tmp/",
        ".rs:",
        "panicked",
        "backtrace",
        "database error",
        "connection refused",
    ] {
        assert!(
            !lower.contains(needle),
            "an error response leaks `{needle}`: {text}"
        );
    }
    for secret in [JWT_SECRET, DEMO_PASSWORD] {
        assert!(
            !text.contains(secret),
            "an error response leaks a secret: {text}"
        );
    }
}

/// The `extensions.code` of the first error.
pub fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<no code>")
}
