//! The audit trail as its readers see it: admins read their organisation's events, the
//! operator reads all, nobody else reads any.

use serde_json::{Value, json};

use crate::helpers::{
    KOCHI_ADMIN, NARA_ADMIN, NARA_EDITOR, OPERATOR, TestApp, error_code, on_each_backend,
};

const EVENTS: &str = r#"query($f: AuditEventFilter, $first: Int, $after: String) {
  auditEvents(filter: $f, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { action entity entityId occurredAt requestId
      organization { code } actorOrganization { code } actor { email } before after } }
  }
}"#;

fn nodes(body: &Value) -> Vec<Value> {
    body["data"]["auditEvents"]["edges"]
        .as_array()
        .map(|edges| edges.iter().map(|e| e["node"].clone()).collect())
        .unwrap_or_default()
}

async fn events(app: &TestApp, token: Option<&str>, filter: Value) -> Value {
    app.post_gql(token, EVENTS, json!({ "f": filter, "first": 50 }))
        .await
        .1
}

#[tokio::test]
async fn admins_read_their_organisations_events_and_the_operator_reads_all() {
    on_each_backend(async |app| {
        let (nara, _) = app.sign_in(NARA_ADMIN).await;
        let (kochi, _) = app.sign_in(KOCHI_ADMIN).await;
        let (operator, _) = app.sign_in(OPERATOR).await;

        let body = events(app, Some(&nara), Value::Null).await;
        let seen = nodes(&body);
        assert!(!seen.is_empty(), "{body}");
        assert!(
            seen.iter().all(|e| e["organization"]["code"] == "290009"),
            "only Nara's: {body}"
        );
        let sign_in = seen
            .iter()
            .find(|e| e["action"] == "session.sign_in")
            .expect("the sign-in is there");
        assert_eq!(sign_in["entity"], "User");
        assert_eq!(sign_in["actor"]["email"], NARA_ADMIN);
        assert!(sign_in["requestId"].is_string());
        assert!(sign_in["entityId"].is_string());
        // Newest first.
        let times: Vec<&str> = seen
            .iter()
            .filter_map(|e| e["occurredAt"].as_str())
            .collect();
        let mut sorted = times.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(times, sorted);

        let body = events(app, Some(&nara), json!({ "organizationCode": "390003" })).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{body}");

        let body = events(app, Some(&operator), Value::Null).await;
        let codes: Vec<&str> = nodes(&body)
            .iter()
            .filter_map(|e| e["organization"]["code"].as_str())
            .map(|c| {
                if c == "290009" {
                    "nara"
                } else if c == "390003" {
                    "kochi"
                } else {
                    "other"
                }
            })
            .collect();
        assert!(
            codes.contains(&"nara") && codes.contains(&"kochi"),
            "{body}"
        );
        let body = events(
            app,
            Some(&operator),
            json!({ "organizationCode": "390003" }),
        )
        .await;
        assert!(
            nodes(&body)
                .iter()
                .all(|e| e["organization"]["code"] == "390003")
                && !nodes(&body).is_empty(),
            "{body}"
        );
        // Kochi's admin reads Kochi's, not Nara's.
        let body = events(app, Some(&kochi), json!({ "entity": "User" })).await;
        assert!(
            nodes(&body)
                .iter()
                .all(|e| e["organization"]["code"] == "390003"),
            "{body}"
        );
    })
    .await;
}

#[tokio::test]
async fn others_cannot_read_the_trail_and_filters_are_checked() {
    on_each_backend(async |app| {
        let (editor, _) = app.sign_in(NARA_EDITOR).await;
        let body = events(app, Some(&editor), Value::Null).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
        let body = events(app, None, Value::Null).await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");

        let (admin, _) = app.sign_in(NARA_ADMIN).await;
        let body = events(
            app,
            Some(&admin),
            json!({ "from": "2026-12-01T00:00:00Z", "to": "2026-01-01T00:00:00Z" }),
        )
        .await;
        assert_eq!(error_code(&body), "VALIDATION", "{body}");
        let body = events(app, Some(&admin), json!({ "from": "2999-01-01T00:00:00Z" })).await;
        assert_eq!(body["data"]["auditEvents"]["totalCount"], 0, "{body}");

        // Pages follow each other without repeats.
        app.sign_in(NARA_ADMIN).await;
        let first = app
            .post_gql(Some(&admin), EVENTS, json!({ "first": 1 }))
            .await
            .1;
        let cursor = first["data"]["auditEvents"]["pageInfo"]["endCursor"].clone();
        assert_eq!(
            first["data"]["auditEvents"]["pageInfo"]["hasNextPage"], true,
            "{first}"
        );
        let second = app
            .post_gql(Some(&admin), EVENTS, json!({ "first": 1, "after": cursor }))
            .await
            .1;
        let (a, b) = (nodes(&first), nodes(&second));
        assert_eq!((a.len(), b.len()), (1, 1), "{second}");
        assert!(a[0]["occurredAt"].as_str() >= b[0]["occurredAt"].as_str());
        assert_ne!(a[0], b[0]);
    })
    .await;
}
