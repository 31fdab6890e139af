//! Fuzzing: Schemathesis (in GraphQL mode) generates queries and mutations from the live
//! schema and sends them with a signed-in token for a bounded time; the run passes when no
//! response is a server error (HTTP 5xx, an `INTERNAL` error, or an error without a code:
//! see `tests/fuzz/hooks.py`) and none breaks the published schema.
//!
//! Schemathesis is installed, pinned by `tests/fuzz/requirements.txt`, into a virtual
//! environment under the build directory on first use.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use crate::helpers::{Backend, NARA_ADMIN, TestApp};

/// Seconds of fuzzing per database.
const BUDGET_SECONDS: &str = "45";

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz")
}

/// The `schemathesis` command, installed on first use.
fn schemathesis() -> &'static PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-venv");
        let bin = venv.join("bin/schemathesis");
        let requirements = fuzz_dir().join("requirements.txt");
        let stamp = venv.join("requirements.txt");
        let current = std::fs::read(&requirements).expect("requirements");
        if bin.exists() && std::fs::read(&stamp).ok().as_ref() == Some(&current) {
            return bin;
        }
        let _ = std::fs::remove_dir_all(&venv);
        let status = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 runs");
        assert!(status.success(), "python3 -m venv failed");
        let output = Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(&requirements)
            .output()
            .expect("pip runs");
        assert!(
            output.status.success(),
            "installing schemathesis failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::write(&stamp, current).expect("stamp");
        bin
    })
}

async fn fuzz(backend: Backend) {
    let bin = schemathesis().clone();
    let app = TestApp::spawn(backend).await;
    let (token, _) = app.sign_in(NARA_ADMIN).await;
    let url = app.url("/graphql");
    let output = tokio::task::spawn_blocking(move || {
        Command::new(bin)
            .arg("run")
            .arg(url)
            .args(["-H", &format!("Authorization: Bearer {token}")])
            .args([
                "--max-time",
                BUDGET_SECONDS,
                "--seed",
                "1",
                "--workers",
                "2",
            ])
            .args(["--request-timeout", "10"])
            .args([
                "--checks",
                "koiki_no_server_error,response_schema_conformance",
            ])
            .args(["--no-color"])
            // Schemathesis keeps a cache in its working directory: keep it out of the tree.
            .current_dir(env!("CARGO_TARGET_TMPDIR"))
            .env("SCHEMATHESIS_HOOKS", "hooks")
            .env("PYTHONPATH", fuzz_dir())
            .output()
            .expect("schemathesis runs")
    })
    .await
    .expect("joined");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary: String = stdout
        .lines()
        .rev()
        .take(40)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join("\n");
    eprintln!("--- schemathesis on {backend:?}\n{summary}");
    assert!(
        output.status.success(),
        "schemathesis found failures on {backend:?}:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The run really tested something.
    assert!(stdout.contains("generated"), "{stdout}");
}

#[tokio::test]
async fn fuzzing_finds_no_server_error_and_no_schema_violation() {
    for backend in Backend::all() {
        fuzz(backend).await;
    }
}
