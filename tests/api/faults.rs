//! Database faults, against a PostgreSQL instance of the test's own that it stops and starts:
//! the server starts while the database is down and says so, fails fast while it is gone,
//! recovers by itself when it returns, and a slow database hits the statement timeout.
//!
//! Runs with the PostgreSQL part of the suite (`KOIKI_TEST_DATABASE_URL` set), using the
//! server binaries of the machine's PostgreSQL (`/usr/lib/postgresql/*/bin`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use koiki::app::App;
use serde_json::{Value, json};

use crate::helpers::{error_code, test_config};

const QUERY: &str = r#"{ organization(code: "172014") { name } }"#;

/// A throwaway PostgreSQL cluster on a free loopback port, owned by the `postgres` user
/// (PostgreSQL refuses to run as root).
struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
}

fn as_postgres(program: &Path) -> Command {
    if std::env::var("USER").as_deref() == Ok("postgres") || !is_root() {
        Command::new(program)
    } else {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl Cluster {
    fn create() -> Cluster {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL server binaries under /usr/lib/postgresql")
            .filter_map(Result::ok)
            .map(|e| e.path().join("bin"))
            .find(|p| p.join("initdb").exists())
            .expect("initdb");
        let dir = tempfile::tempdir().expect("tempdir");
        if is_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .expect("chown");
            assert!(status.success());
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let output = as_postgres(&bin.join("initdb"))
            .args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
                "-D",
            ])
            .arg(dir.path().join("data"))
            .output()
            .expect("initdb runs");
        assert!(
            output.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Cluster { bin, dir, port }
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn pg_ctl(&self, args: &[&str]) {
        let output = as_postgres(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(args)
            .output()
            .expect("pg_ctl runs");
        assert!(
            output.status.success(),
            "pg_ctl {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn start(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log");
        self.pg_ctl(&[
            "-w",
            "-t",
            "60",
            "-o",
            &options,
            "-l",
            log.to_str().unwrap_or("log"),
            "start",
        ]);
    }

    /// Stops at once, as a crash or a lost host would.
    fn stop(&self) {
        self.pg_ctl(&["-w", "-m", "immediate", "stop"]);
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = as_postgres(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-w", "-m", "immediate", "stop"])
            .output();
    }
}

async fn post(client: &reqwest::Client, base: &str, query: &str) -> (u16, Value) {
    let response = client
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": query }))
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    crate::helpers::assert_no_internals(&body);
    (status, body)
}

async fn ready(client: &reqwest::Client, base: &str) -> u16 {
    client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .expect("sent")
        .status()
        .as_u16()
}

/// Polls until the server answers the query, or fails after `limit`.
async fn until_served(client: &reqwest::Client, base: &str, limit: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let (_, body) = post(client, base, QUERY).await;
        if body["data"]["organization"]["name"] == "金沢市" {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < limit,
            "not served within {limit:?}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn the_server_outlives_its_database_and_recovers_without_a_restart() {
    if std::env::var("KOIKI_TEST_DATABASE_URL").is_err() {
        eprintln!("PostgreSQL part of the suite not requested (KOIKI_TEST_DATABASE_URL unset)");
        return;
    }
    let cluster = Cluster::create();
    let data_dir = tempfile::tempdir().expect("tempdir");
    let mut config = test_config(cluster.url(), data_dir.path().to_owned());
    config.database_acquire_timeout = Duration::from_secs(1);
    config.database_statement_timeout = Duration::from_secs(1);

    // 1. The database is down: the server starts anyway and says it is not ready.
    let app = App::build(config)
        .await
        .expect("starts without its database");
    let base = format!("http://{}", app.local_addr());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run(async move {
        let _ = rx.await;
    }));
    let client = reqwest::Client::new();
    assert_eq!(ready(&client, &base).await, 503);
    let start = Instant::now();
    let (status, body) = post(&client, &base, QUERY).await;
    assert_eq!(
        (status, error_code(&body)),
        (503, "SERVICE_UNAVAILABLE"),
        "{body}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );

    // 2. It comes up: the server migrates, loads its data and serves, with no restart.
    cluster.start();
    until_served(&client, &base, Duration::from_secs(90)).await;
    assert_eq!(ready(&client, &base).await, 200);

    // 3. It goes away while serving: requests fail fast with a code, readiness says 503.
    cluster.stop();
    let start = Instant::now();
    let (_, body) = post(&client, &base, QUERY).await;
    assert_eq!(error_code(&body), "SERVICE_UNAVAILABLE", "{body}");
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "{:?}",
        start.elapsed()
    );
    assert!(
        body.to_string().find("127.0.0.1").is_none(),
        "no internals: {body}"
    );
    assert_eq!(ready(&client, &base).await, 503);

    // 4. It returns: service resumes by itself.
    cluster.start();
    until_served(&client, &base, Duration::from_secs(30)).await;
    assert_eq!(ready(&client, &base).await, 200);

    // 5. A slow database (a lock held elsewhere) hits the timeout instead of an endless wait.
    use sea_orm::sqlx::{self, Connection};
    let mut holder = sqlx::PgConnection::connect(&cluster.url())
        .await
        .expect("connects");
    sqlx::raw_sql("BEGIN; LOCK TABLE organizations IN ACCESS EXCLUSIVE MODE")
        .execute(&mut holder)
        .await
        .expect("locks");
    let start = Instant::now();
    let (_, body) = post(&client, &base, QUERY).await;
    assert_eq!(error_code(&body), "SERVICE_UNAVAILABLE", "{body}");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    sqlx::raw_sql("ROLLBACK")
        .execute(&mut holder)
        .await
        .expect("unlocks");
    until_served(&client, &base, Duration::from_secs(5)).await;

    let _ = tx.send(());
    server.await.expect("joined").expect("server ends cleanly");
}
