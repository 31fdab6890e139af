//! The HTTP contract: content types, methods, batches, limits, status codes and error codes.

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, error_code, on_each_backend};

const QUERY: &str = r#"{ organization(code: "172014") { name } }"#;
const MUTATION: &str = r#"mutation { signOut(input: { refreshToken: "x" }) { signedOut } }"#;

#[tokio::test]
async fn mutations_sent_as_text_plain_or_by_get_are_refused() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let response = app
        .client
        .post(app.url("/graphql"))
        .header(CONTENT_TYPE, "text/plain")
        .body(json!({ "query": MUTATION }).to_string())
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 415);
    let body: Value = response.json().await.expect("json");
    assert_eq!(error_code(&body), "UNSUPPORTED_MEDIA_TYPE");

    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", MUTATION)])
        .header(ACCEPT, "application/json")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 405);
    assert_eq!(
        response
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok()),
        Some("POST")
    );

    // Queries over GET are fine.
    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", QUERY)])
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["data"]["organization"]["name"], "金沢市");
}

#[tokio::test]
async fn browsers_get_graphiql() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let response = app
        .client
        .get(app.url("/graphql"))
        .header(ACCEPT, "text/html")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let html = response.text().await.expect("text");
    assert!(
        html.contains("graphiql") && html.contains("/graphql"),
        "{html}"
    );
}

#[tokio::test]
async fn request_errors_get_codes_and_4xx_under_the_graphql_media_type() {
    on_each_backend(async |app| {
        let send = |body: String, accept: &'static str| {
            app.client
                .post(app.url("/graphql"))
                .header(CONTENT_TYPE, "application/json")
                .header(ACCEPT, accept)
                .body(body)
                .send()
        };
        let gql_media = "application/graphql-response+json";
        for (body, code) in [
            (json!({ "query": "{ organization(" }).to_string(), "GRAPHQL_PARSE_FAILED"),
            (json!({ "query": "{ nonsense }" }).to_string(), "GRAPHQL_VALIDATION_FAILED"),
            (json!({ "query": "{ organizations(filter: { kind: CASTLE }) { totalCount } }" }).to_string(), "VALIDATION"),
        ] {
            let response = send(body.clone(), gql_media).await.expect("sent");
            assert_eq!(response.status(), 400, "{body}");
            assert!(
                response.headers()[CONTENT_TYPE].to_str().unwrap_or("").starts_with(gql_media),
                "{body}"
            );
            let json: Value = response.json().await.expect("json");
            assert_eq!(error_code(&json), code, "{json}");
            // Under plain JSON the same request is a 200 with the same error.
            let response = send(body, "application/json").await.expect("sent");
            assert_eq!(response.status(), 200);
            let json: Value = response.json().await.expect("json");
            assert_eq!(error_code(&json), code, "{json}");
        }
        // An unknown enum value names the argument.
        let json: Value = send(json!({ "query": "{ organizations(filter: { kind: CASTLE }) { totalCount } }" }).to_string(), gql_media)
            .await
            .expect("sent")
            .json()
            .await
            .expect("json");
        assert!(json["errors"][0]["extensions"]["field"].as_str().unwrap_or("").contains("filter"), "{json}");
        // An unknown enum value through a variable is a VALIDATION error too.
        let json: Value = send(
            json!({ "query": "query($k: OrganizationKind) { organizations(filter: { kind: $k }) { totalCount } }", "variables": { "k": "CASTLE" } }).to_string(),
            "application/json",
        )
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
        assert_eq!(error_code(&json), "VALIDATION", "{json}");

        // Not JSON at all.
        let response = send("{not json".into(), "application/json").await.expect("sent");
        assert_eq!(response.status(), 400);
        let json: Value = response.json().await.expect("json");
        assert_eq!(error_code(&json), "BAD_REQUEST");
        // A string that is too long.
        let long = "あ".repeat(101);
        let json = app
            .gql("query($s: String!) { organizations(filter: { search: $s }) { totalCount } }", json!({ "s": long }))
            .await;
        assert_eq!(error_code(&json), "VALIDATION", "{json}");
        assert_eq!(json["errors"][0]["extensions"]["field"], "filter.search");
        // NUL and other control characters.
        let json = app
            .gql("query($s: String!) { organizations(filter: { search: $s }) { totalCount } }", json!({ "s": "金\u{0}沢" }))
            .await;
        assert_eq!(error_code(&json), "VALIDATION", "{json}");
    })
    .await;
}

#[tokio::test]
async fn batches_are_limited_and_bodies_are_bounded() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let batch = |n: usize| Value::Array((0..n).map(|_| json!({ "query": QUERY })).collect());
    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&batch(2))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body[1]["data"]["organization"]["name"], "金沢市", "{body}");

    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&batch(11))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json");
    assert_eq!(error_code(&body), "BATCH_TOO_LARGE");

    let huge = json!({ "query": QUERY, "variables": { "pad": "x".repeat(1024 * 1024 + 10) } });
    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&huge)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 413);
}

#[tokio::test]
async fn batching_can_be_switched_off() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.max_batch = 0).await;
    let response = app
        .client
        .post(app.url("/graphql"))
        .json(&json!([{ "query": QUERY }]))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn deep_wide_and_aliased_queries_are_refused_with_a_code() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let deep = "{ organization(code: \"172014\") { prefecture { municipalities(first: 1) { edges { node { prefecture { municipalities(first: 1) { edges { node { prefecture { municipalities(first: 1) { edges { node { name } } } } } } } } } } } } } }";
    let body = app.gql(deep, json!({})).await;
    assert_eq!(error_code(&body), "QUERY_TOO_DEEP", "{body}");
    let aliased: Vec<String> = (0..16)
        .map(|i| format!("o{i}: organizations {{ totalCount }}"))
        .collect();
    let body = app
        .gql(&format!("{{ {} }}", aliased.join(" ")), json!({}))
        .await;
    assert_eq!(error_code(&body), "TOO_MANY_ALIASES", "{body}");
    let ok: Vec<String> = (0..15)
        .map(|i| format!("o{i}: organization(code: \"172014\") {{ name }}"))
        .collect();
    let body = app.gql(&format!("{{ {} }}", ok.join(" ")), json!({})).await;
    assert_eq!(body["data"]["o14"]["name"], "金沢市", "{body}");
    let wide = "{ organizations(first: 100) { edges { node { municipalities(first: 100) { edges { node { municipalities(first: 100) { edges { node { name } } } } } } } } } }";
    let body = app.gql(wide, json!({})).await;
    assert_eq!(error_code(&body), "QUERY_TOO_COMPLEX", "{body}");
    // Depth 10 passes, 11 does not.
    let nest = |levels: usize| {
        let mut q = "name".to_owned();
        for _ in 0..levels.saturating_sub(2) {
            q = format!("prefecture {{ {q} }}");
        }
        format!("{{ organization(code: \"172014\") {{ {q} }} }}")
    };
    let body = app.gql(&nest(10), json!({})).await;
    assert!(body["errors"].is_null(), "{body}");
    let body = app.gql(&nest(11), json!({})).await;
    assert_eq!(error_code(&body), "QUERY_TOO_DEEP", "{body}");
    // Tools' introspection nests `ofType` deeper than that, and is not held to it.
    let introspection = "{ __schema { types { name fields { name type { name ofType { name ofType { name ofType { name ofType { name ofType { name ofType { name ofType { name } } } } } } } } } } } }";
    let body = app.gql(introspection, json!({})).await;
    assert!(body["data"]["__schema"]["types"].is_array(), "{body}");
    let directives = format!(
        "{{ organization(code: \"172014\") {{ name {} }} }}",
        "@include(if: true) ".repeat(51)
    );
    let body = app.gql(&directives, json!({})).await;
    assert_eq!(error_code(&body), "TOO_MANY_DIRECTIVES", "{body}");
    // 2,001 tokens: refused before parsing; the body is far below the byte limit.
    let tokens = format!(
        "{{ organization(code: \"172014\") {{ {} }} }}",
        "name ".repeat(1_991)
    );
    let body = app.gql(&tokens, json!({})).await;
    assert_eq!(error_code(&body), "TOO_MANY_TOKENS", "{body}");
    let tokens = format!(
        "{{ organization(code: \"172014\") {{ {} }} }}",
        "name ".repeat(1_990)
    );
    let body = app.gql(&tokens, json!({})).await;
    assert_eq!(body["data"]["organization"]["name"], "金沢市", "{body}");
    // Page sizes are bounded too.
    let body = app
        .gql("{ organizations(first: 101) { totalCount } }", json!({}))
        .await;
    assert_eq!(error_code(&body), "VALIDATION", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "first", "{body}");
}

#[tokio::test]
async fn limits_follow_the_configuration() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.limits.depth = 3;
        c.limits.aliases = 1;
        c.limits.tokens = 10;
        c.introspection = false;
        c.field_suggestions = false;
    })
    .await;
    let body = app
        .gql(
            "{ organization(code: \"172014\") { prefecture { prefecture { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "TOO_MANY_TOKENS", "{body}");
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.limits.depth = 3;
        c.limits.aliases = 1;
        c.introspection = false;
        c.field_suggestions = false;
    })
    .await;
    let body = app
        .gql(
            "{ organization(code: \"172014\") { prefecture { prefecture { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "QUERY_TOO_DEEP", "{body}");
    let body = app
        .gql("{ a: viewer { roles } b: viewer { roles } }", json!({}))
        .await;
    assert_eq!(error_code(&body), "TOO_MANY_ALIASES", "{body}");
    // With introspection off, `__schema` answers null.
    let body = app
        .gql("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert!(body["data"]["__schema"].is_null(), "{body}");
    let body = app
        .gql("{ organizatio(code: \"172014\") { name } }", json!({}))
        .await;
    assert_eq!(error_code(&body), "GRAPHQL_VALIDATION_FAILED", "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap_or("");
    assert!(!message.contains("Did you mean"), "{message}");
    // A normal query still runs.
    let body = app
        .gql("{ organization(code: \"172014\") { name } }", json!({}))
        .await;
    assert_eq!(body["data"]["organization"]["name"], "金沢市", "{body}");

    // The defaults suggest, as development servers do.
    let app = TestApp::spawn(Backend::Sqlite).await;
    let body = app
        .gql("{ organizatio(code: \"172014\") { name } }", json!({}))
        .await;
    let message = body["errors"][0]["message"].as_str().unwrap_or("");
    assert!(message.contains("Did you mean"), "{message}");
    let body = app
        .gql("{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(
        body["data"]["__schema"]["queryType"]["name"], "Query",
        "{body}"
    );
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after_per_ip_and_per_user() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.rate_limit_per_ip = 5).await;
    let mut statuses = Vec::new();
    let mut last = None;
    for _ in 0..7 {
        let response = app
            .client
            .post(app.url("/graphql"))
            .json(&json!({ "query": QUERY }))
            .send()
            .await
            .expect("sent");
        statuses.push(response.status().as_u16());
        last = Some(response);
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429, 429]);
    let response = last.expect("a response");
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=12).contains(&retry), "{retry}");
    let body: Value = response.json().await.expect("json");
    assert_eq!(error_code(&body), "RATE_LIMITED", "{body}");
    // Health checks are never limited.
    let health = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("sent");
    assert_eq!(health.status(), 200);

    // Per user: the third request of a user with a bucket of 2 is refused, while another
    // user still gets through.
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.rate_limit_per_client = 2).await;
    let (nara, _) = app.sign_in(crate::helpers::NARA_ADMIN).await;
    let (kochi, _) = app.sign_in(crate::helpers::KOCHI_ADMIN).await;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(app.post_gql(Some(&nara), QUERY, json!({})).await.0);
    }
    assert_eq!(statuses, [200, 200, 429]);
    assert_eq!(app.post_gql(Some(&kochi), QUERY, json!({})).await.0, 200);
}

#[tokio::test]
async fn health_readiness_metrics_request_ids_and_security_headers() {
    on_each_backend(async |app| {
        let health = app
            .client
            .get(app.url("/healthz"))
            .send()
            .await
            .expect("sent");
        assert_eq!(health.status(), 200);
        let ready = app
            .client
            .get(app.url("/readyz"))
            .send()
            .await
            .expect("sent");
        assert_eq!(ready.status(), 200);
        let response = app
            .client
            .post(app.url("/graphql"))
            .json(&json!({ "query": QUERY }))
            .send()
            .await
            .expect("sent");
        assert!(response.headers().get("x-request-id").is_some());
        for (name, value) in [
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "no-referrer"),
        ] {
            let got = response.headers().get(name).and_then(|v| v.to_str().ok());
            assert_eq!(got, Some(value), "{name}");
        }
        assert!(response.headers().get("server").is_none());
        let metrics = app
            .client
            .get(app.url("/metrics"))
            .send()
            .await
            .expect("sent")
            .text()
            .await
            .expect("text");
        assert!(metrics.contains("koiki_db_statements_total"), "{metrics}");
        assert!(metrics.contains("koiki_http_requests_total"), "{metrics}");
        assert!(app.metric("koiki_db_statements_total").await > 0.0);
        // Operations by type and name, with a latency histogram; errors by code; the pool.
        app.gql(
            "query Kanazawa { organization(code: \"172014\") { name } }",
            json!({}),
        )
        .await;
        app.gql("{ organization(code: \"172015\") { name } }", json!({}))
            .await;
        let count = app
            .metric(r#"koiki_graphql_operations_count{type="query",name="Kanazawa"}"#)
            .await;
        assert_eq!(count, 1.0);
        assert!(
            app.metric(r#"koiki_graphql_operations_count{type="query",name="-"}"#)
                .await
                > 0.0
        );
        assert!(
            app.metric(r#"koiki_graphql_errors_total{code="VALIDATION"}"#)
                .await
                >= 1.0
        );
        let metrics = app
            .client
            .get(app.url("/metrics"))
            .send()
            .await
            .expect("sent")
            .text()
            .await
            .expect("text");
        for name in [
            "koiki_db_pool_in_use",
            "koiki_db_pool_idle",
            "koiki_subscriptions_open",
        ] {
            assert!(metrics.contains(name), "{name}: {metrics}");
        }
        assert!(app.metric("koiki_db_pool_idle").await >= 1.0, "{metrics}");
    })
    .await;
}

#[tokio::test]
async fn error_responses_never_carry_internals() {
    on_each_backend(async |app| {
        let bodies = [
            app.gql("{ organization(", json!({})).await,
            app.gql(r#"{ organization(code: "1") { name } }"#, json!({}))
                .await,
            app.gql(
                r#"{ node(id: "T3JnYW5pemF0aW9uOm5vdC1hLXV1aWQ") { id } }"#,
                json!({}),
            )
            .await,
            app.post_gql(Some("x.y.z"), QUERY, json!({})).await.1,
        ];
        for body in bodies {
            let text = body.to_string().to_lowercase();
            assert!(body["errors"].is_array(), "{body}");
            for leak in [
                "select ", "sqlite", "postgres", "/tmp", "sqlx", "panicked", "stack",
            ] {
                assert!(!text.contains(leak), "{leak} in {body}");
            }
        }
    })
    .await;
}

#[tokio::test]
async fn cors_answers_configured_origins_only() {
    let portal = "https://portal.pref.nara.example.jp";
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.cors_origins = vec![reqwest::header::HeaderValue::from_static(portal)];
    })
    .await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "content-type, authorization",
            )
            .send()
    };
    let allowed = preflight(portal).await.expect("sent");
    let headers = allowed.headers();
    assert_eq!(headers["access-control-allow-origin"], portal);
    let methods = headers["access-control-allow-methods"]
        .to_str()
        .expect("ascii");
    assert!(methods.contains("POST"), "{methods}");
    let allowed_headers = headers["access-control-allow-headers"]
        .to_str()
        .expect("ascii")
        .to_ascii_lowercase();
    assert!(
        allowed_headers.contains("authorization"),
        "{allowed_headers}"
    );

    let refused = preflight("https://evil.example.com").await.expect("sent");
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    let post = |origin: &'static str| {
        app.client
            .post(app.url("/graphql"))
            .header("Origin", origin)
            .json(&json!({ "query": QUERY }))
            .send()
    };
    let response = post(portal).await.expect("sent");
    assert_eq!(response.headers()["access-control-allow-origin"], portal);
    let response = post("https://evil.example.com").await.expect("sent");
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    // Without configured origins nobody gets CORS headers.
    let closed = TestApp::spawn(Backend::Sqlite).await;
    let response = closed
        .client
        .post(closed.url("/graphql"))
        .header("Origin", portal)
        .json(&json!({ "query": QUERY }))
        .send()
        .await
        .expect("sent");
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[tokio::test]
async fn control_characters_and_endless_strings_are_refused_anywhere_in_a_request() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let body = app
        .gql(
            "query($s: String!) { organizations(filter: { search: $s }) { totalCount } }",
            json!({ "s": "金沢\u{0}" }),
        )
        .await;
    assert_eq!(error_code(&body), "VALIDATION", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "s", "{body}");
    let body = app
        .gql(
            "{ organizations(filter: { search: \"a\\u0007\" }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "VALIDATION", "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["field"], "filter.search",
        "{body}"
    );
    let body = app
        .gql(
            "mutation($e: String!) { signIn(input: { email: $e, password: \"x\" }) { accessToken } }",
            json!({ "e": "あ".repeat(50_001) }),
        )
        .await;
    assert_eq!(error_code(&body), "VALIDATION", "{body}");
    // Line breaks and tabs are text where a field allows them (a password does).
    let body = app
        .gql(
            "mutation($p: String!) { signIn(input: { email: \"admin@pref-nara.example.jp\", password: $p }) { accessToken } }",
            json!({ "p": "two\tlines\n" }),
        )
        .await;
    assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
}
