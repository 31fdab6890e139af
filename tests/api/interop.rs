//! Real third-party clients against a live server: the packages in `tests/interop/`
//! (pinned by its `package-lock.json`, installed with `npm ci` on first use).

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;

use crate::helpers::{Backend, TestApp};

fn interop_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

/// Installs the pinned packages once per test run (`npm ci` when the lock file is newer
/// than the installed tree).
fn npm_installed() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let dir = interop_dir();
        let marker = dir.join("node_modules/.package-lock.json");
        let fresh = std::fs::metadata(&marker)
            .and_then(|m| m.modified())
            .ok()
            .zip(
                std::fs::metadata(dir.join("package-lock.json"))
                    .and_then(|m| m.modified())
                    .ok(),
            )
            .is_some_and(|(installed, lock)| installed >= lock);
        if fresh {
            return;
        }
        let output = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .output()
            .expect("npm runs (Node.js 20 or newer is needed for the interoperability tests)");
        assert!(
            output.status.success(),
            "npm ci failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    });
}

/// Runs `node SCRIPT ARGS…` in `tests/interop/` off the async runtime.
async fn node(script: &str, args: Vec<String>) -> Output {
    npm_installed();
    let script = script.to_owned();
    tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(&script)
            .args(&args)
            .current_dir(interop_dir())
            .output()
            .expect("node runs")
    })
    .await
    .expect("joined")
}

#[tokio::test]
async fn the_graphql_over_http_audit_passes_every_must_and_should() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let output = node("http-audit.mjs", vec![app.url("/graphql")]).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    eprintln!("{stdout}");
    assert!(
        output.status.success(),
        "a MUST failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: serde_json::Value = stdout
        .lines()
        .find_map(|l| l.strip_prefix("SUMMARY "))
        .and_then(|j| serde_json::from_str(j).ok())
        .expect("a summary line");
    assert_eq!(summary["error"], 0, "{summary}");
    assert!(summary["must"].as_u64() >= Some(10), "{summary}");
    assert_eq!(summary["mustFailed"], serde_json::json!([]), "{summary}");
    assert_eq!(summary["shouldNotOk"], serde_json::json!([]), "{summary}");
}
