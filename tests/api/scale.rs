//! Several servers on one database: nothing a request needs lives in one server's memory.
//! Sessions are signed tokens checked against the database, refresh tokens are rows; what
//! stays local (rate-limit buckets, per-request dataloaders) needs no sharing.

use serde_json::json;

use crate::helpers::{Backend, NARA_ADMIN, TestApp, error_code};

const REFRESH: &str = "mutation($t: String!) { refreshToken(input: { refreshToken: $t }) { accessToken refreshToken } }";
const SIGN_OUT: &str = "mutation($t: String!) { signOut(input: { refreshToken: $t, allSessions: true }) { signedOut } }";

#[tokio::test]
async fn two_servers_on_one_database_serve_each_others_sessions_and_writes() {
    for backend in Backend::all() {
        let a = TestApp::spawn(backend).await;
        let b = a.sibling().await;
        assert_ne!(a.base_url, b.base_url);

        // Signed in on A, the token works on B.
        let (access, refresh) = a.sign_in(NARA_ADMIN).await;
        let body = b
            .gql_as(&access, "{ viewer { user { email } } }", json!({}))
            .await;
        assert_eq!(
            body["data"]["viewer"]["user"]["email"], NARA_ADMIN,
            "{body}"
        );

        // A refresh on B rotates A's refresh token (a row written by A); reusing the old
        // one on A is caught, because the rotation is in the shared database.
        let rotated = b.gql(REFRESH, json!({ "t": refresh })).await;
        let next = rotated["data"]["refreshToken"]["refreshToken"]
            .as_str()
            .expect("rotated")
            .to_owned();
        let reused = a.gql(REFRESH, json!({ "t": refresh })).await;
        assert_eq!(error_code(&reused), "UNAUTHENTICATED", "{reused}");
        // The reuse revoked the whole session, for both servers.
        let after = b.gql(REFRESH, json!({ "t": next })).await;
        assert_eq!(error_code(&after), "UNAUTHENTICATED", "{after}");

        // A sign-out on A is seen by B, and the audit trail written by both is one.
        let (_, refresh) = b.sign_in(NARA_ADMIN).await;
        let out = a.gql(SIGN_OUT, json!({ "t": refresh })).await;
        assert_eq!(out["data"]["signOut"]["signedOut"], true, "{out}");
        let refused = b.gql(REFRESH, json!({ "t": refresh })).await;
        assert_eq!(error_code(&refused), "UNAUTHENTICATED", "{refused}");
        let (admin, _) = a.sign_in(NARA_ADMIN).await;
        let trail = b
            .gql_as(
                &admin,
                "{ auditEvents(filter: { entity: \"User\" }, first: 100) { edges { node { action } } } }",
                json!({}),
            )
            .await;
        let actions: Vec<&str> = trail["data"]["auditEvents"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .filter_map(|e| e["node"]["action"].as_str())
            .collect();
        assert!(
            actions.contains(&"session.sign_out")
                && actions.contains(&"session.refresh_token_reused"),
            "{actions:?}"
        );
    }
}
