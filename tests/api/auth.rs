use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::helpers::{
    DEMO_PASSWORD, KANAZAWA_EDITOR, KOCHI_ADMIN, NARA_ADMIN, NARA_CITY_EDITOR, NARA_CITY_MEMBER,
    NARA_EDITOR, OPERATOR, error_code, on_each_backend,
};

const VIEWER: &str =
    "{ viewer { user { email displayName roles } organization { code name } roles } }";
const REFRESH: &str = "mutation($t: String!) { refreshToken(input: { refreshToken: $t }) { accessToken refreshToken tokenType } }";

#[tokio::test]
async fn signed_in_users_see_themselves_and_anonymous_viewers_see_nothing() {
    on_each_backend(async |app| {
        let anonymous = app.gql(VIEWER, json!({})).await;
        assert_eq!(
            anonymous["data"]["viewer"],
            json!({ "user": null, "organization": null, "roles": [] })
        );

        let (access, _) = app.sign_in(NARA_ADMIN).await;
        let me = app.gql_as(&access, VIEWER, json!({})).await;
        assert_eq!(me["data"]["viewer"]["user"]["email"], NARA_ADMIN, "{me}");
        assert_eq!(me["data"]["viewer"]["organization"]["code"], "290009");
        assert_eq!(me["data"]["viewer"]["organization"]["name"], "奈良県");
        assert_eq!(me["data"]["viewer"]["roles"], json!(["ADMIN"]));
    })
    .await;
}

#[tokio::test]
async fn unknown_email_and_wrong_password_get_the_same_answer() {
    on_each_backend(async |app| {
        let q = "mutation($e: String!, $p: String!) { signIn(input: { email: $e, password: $p }) { accessToken } }";
        let wrong_password = app.gql(q, json!({ "e": NARA_ADMIN, "p": "not-the-password" })).await;
        let unknown = app.gql(q, json!({ "e": "nobody@example.jp", "p": DEMO_PASSWORD })).await;
        assert_eq!(error_code(&wrong_password), "UNAUTHENTICATED", "{wrong_password}");
        assert_eq!(wrong_password["errors"][0]["message"], unknown["errors"][0]["message"]);
        assert_eq!(error_code(&unknown), "UNAUTHENTICATED");
        // Emails are matched case-insensitively.
        let upper = app.gql(q, json!({ "e": NARA_ADMIN.to_uppercase(), "p": DEMO_PASSWORD })).await;
        assert!(upper["data"]["signIn"]["accessToken"].is_string(), "{upper}");
        let malformed = app.gql(q, json!({ "e": "not an email", "p": DEMO_PASSWORD })).await;
        assert_eq!(error_code(&malformed), "VALIDATION", "{malformed}");
        assert_eq!(malformed["errors"][0]["extensions"]["field"], "email");
    })
    .await;
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_reused_one_revokes_the_session() {
    on_each_backend(async |app| {
        let (_, first) = app.sign_in(NARA_CITY_MEMBER).await;
        let rotated = app.gql(REFRESH, json!({ "t": first })).await;
        let second = rotated["data"]["refreshToken"]["refreshToken"]
            .as_str()
            .expect("rotated")
            .to_owned();
        assert_eq!(rotated["data"]["refreshToken"]["tokenType"], "Bearer");
        let access = rotated["data"]["refreshToken"]["accessToken"]
            .as_str()
            .expect("access");
        let me = app.gql_as(access, VIEWER, json!({})).await;
        assert_eq!(
            me["data"]["viewer"]["user"]["email"], NARA_CITY_MEMBER,
            "{me}"
        );

        // The first token again: refused, and the whole family with it.
        let reuse = app.gql(REFRESH, json!({ "t": first })).await;
        assert_eq!(error_code(&reuse), "UNAUTHENTICATED", "{reuse}");
        let after = app.gql(REFRESH, json!({ "t": second })).await;
        assert_eq!(error_code(&after), "UNAUTHENTICATED", "{after}");

        // Another session of the same user is not affected.
        let (_, other) = app.sign_in(NARA_CITY_MEMBER).await;
        let ok = app.gql(REFRESH, json!({ "t": other })).await;
        assert!(
            ok["data"]["refreshToken"]["accessToken"].is_string(),
            "{ok}"
        );
        let garbage = app.gql(REFRESH, json!({ "t": "garbage" })).await;
        assert_eq!(error_code(&garbage), "UNAUTHENTICATED");
    })
    .await;
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    on_each_backend(async |app| {
        let sign_out = "mutation($t: String!, $all: Boolean) { signOut(input: { refreshToken: $t, allSessions: $all }) { signedOut } }";
        let (_, one) = app.sign_in(NARA_ADMIN).await;
        let (_, two) = app.sign_in(NARA_ADMIN).await;
        let out = app.gql(sign_out, json!({ "t": one })).await;
        assert_eq!(out["data"]["signOut"]["signedOut"], true, "{out}");
        assert_eq!(error_code(&app.gql(REFRESH, json!({ "t": one })).await), "UNAUTHENTICATED");
        // The other session lives until all sessions are signed out.
        let (_, three) = app.sign_in(NARA_ADMIN).await;
        let rotated = app.gql(REFRESH, json!({ "t": two })).await;
        let two = rotated["data"]["refreshToken"]["refreshToken"].as_str().expect("still valid").to_owned();
        app.gql(sign_out, json!({ "t": three, "all": true })).await;
        assert_eq!(error_code(&app.gql(REFRESH, json!({ "t": two })).await), "UNAUTHENTICATED");
        let again = app.gql(sign_out, json!({ "t": "unknown" })).await;
        assert_eq!(again["data"]["signOut"]["signedOut"], false, "{again}");
    })
    .await;
}

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

#[tokio::test]
async fn bad_tokens_are_refused_not_treated_as_anonymous() {
    on_each_backend(async |app| {
        let (good, _) = app.sign_in(NARA_ADMIN).await;
        let parts: Vec<&str> = good.split('.').collect();
        let payload: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("payload"))
                .expect("json");

        let mut tampered = payload.clone();
        tampered["roles"] = json!(["OPERATOR"]);
        let tampered = format!("{}.{}.{}", parts[0], b64(&tampered), parts[2]);
        let none = format!(
            "{}.{}.",
            b64(&json!({ "alg": "none", "typ": "at+jwt" })),
            parts[1]
        );

        let sign = |claims: &Value, typ: Option<&str>, secret: &[u8]| {
            let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
            header.typ = typ.map(str::to_owned);
            jsonwebtoken::encode(
                &header,
                claims,
                &jsonwebtoken::EncodingKey::from_secret(secret),
            )
            .expect("signs")
        };
        let secret = crate::helpers::JWT_SECRET.as_bytes();
        let now = chrono::Utc::now().timestamp();
        let with = |key: &str, value: Value| {
            let mut c = payload.clone();
            c[key] = value;
            c
        };
        let cases = [
            ("garbage", "not-a-jwt".to_owned()),
            ("tampered payload", tampered),
            ("alg none", none),
            (
                "wrong key",
                sign(
                    &payload,
                    Some("at+jwt"),
                    b"another-secret-another-secret-xx",
                ),
            ),
            ("not an access token", sign(&payload, Some("JWT"), secret)),
            ("unknown key id", {
                let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
                header.typ = Some("at+jwt".to_owned());
                header.kid = Some("another-key".to_owned());
                jsonwebtoken::encode(
                    &header,
                    &payload,
                    &jsonwebtoken::EncodingKey::from_secret(secret),
                )
                .expect("signs")
            }),
            (
                // An asymmetric algorithm in place of the pinned HS256 (alg confusion).
                "RS256 header",
                format!(
                    "{}.{}.{}",
                    b64(&json!({ "alg": "RS256", "typ": "at+jwt" })),
                    parts[1],
                    parts[2]
                ),
            ),
            (
                "expired",
                sign(&with("exp", json!(now - 120)), Some("at+jwt"), secret),
            ),
            (
                "not yet valid",
                sign(&with("nbf", json!(now + 600)), Some("at+jwt"), secret),
            ),
            (
                "wrong audience",
                sign(&with("aud", json!("someone-else")), Some("at+jwt"), secret),
            ),
            (
                "wrong issuer",
                sign(&with("iss", json!("evil")), Some("at+jwt"), secret),
            ),
            (
                "unknown user",
                sign(
                    &with("sub", json!(uuid::Uuid::now_v7().to_string())),
                    Some("at+jwt"),
                    secret,
                ),
            ),
        ];
        for (what, token) in cases {
            let (status, body) = app.post_gql(Some(&token), VIEWER, json!({})).await;
            assert_eq!(status, 401, "{what}: {body}");
            assert_eq!(error_code(&body), "UNAUTHENTICATED", "{what}: {body}");
            assert!(body["data"].is_null(), "{what}");
        }
        // The untouched token still works: the cases above failed for their own reason.
        let (status, _) = app.post_gql(Some(&good), VIEWER, json!({})).await;
        assert_eq!(status, 200);
        // A scheme other than Bearer is refused too.
        let response = app
            .client
            .post(app.url("/graphql"))
            .header("Authorization", "Basic YWRtaW46YWRtaW4=")
            .json(&json!({ "query": VIEWER }))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 401);
    })
    .await;
}

#[tokio::test]
async fn messages_follow_accept_language_and_codes_do_not() {
    on_each_backend(async |app| {
        let send = |lang: &'static str| {
            app.client
                .post(app.url("/graphql"))
                .header("Accept-Language", lang)
                .json(&json!({ "query": r#"{ organization(code: "172015") { name } }"# }))
                .send()
        };
        let ja: Value = send("ja,en;q=0.5")
            .await
            .expect("sent")
            .json()
            .await
            .expect("json");
        let en: Value = send("en-GB")
            .await
            .expect("sent")
            .json()
            .await
            .expect("json");
        assert_eq!(error_code(&ja), "VALIDATION");
        assert_eq!(error_code(&en), "VALIDATION");
        assert!(
            ja["errors"][0]["message"]
                .as_str()
                .unwrap_or("")
                .contains("検査数字"),
            "{ja}"
        );
        assert!(
            en["errors"][0]["message"]
                .as_str()
                .unwrap_or("")
                .contains("check digit"),
            "{en}"
        );
    })
    .await;
}

#[tokio::test]
async fn every_demo_account_signs_in_with_its_organisation_and_role() {
    on_each_backend(async |app| {
        for (email, code, role) in [
            (OPERATOR, "KOIKI-OPS", "OPERATOR"),
            (NARA_ADMIN, "290009", "ADMIN"),
            (NARA_EDITOR, "290009", "EDITOR"),
            (NARA_CITY_EDITOR, "292010", "EDITOR"),
            (NARA_CITY_MEMBER, "292010", "MEMBER"),
            (KANAZAWA_EDITOR, "172014", "EDITOR"),
            (KOCHI_ADMIN, "390003", "ADMIN"),
        ] {
            let (access, _) = app.sign_in(email).await;
            let me = app.gql_as(&access, VIEWER, json!({})).await;
            assert_eq!(
                me["data"]["viewer"]["organization"]["code"], code,
                "{email}: {me}"
            );
            assert_eq!(me["data"]["viewer"]["roles"], json!([role]), "{email}");
        }
    })
    .await;
}

#[tokio::test]
async fn sessions_leave_an_audit_trail_with_the_request_id() {
    on_each_backend(async |app| {
        use entity::audit_event;
        use sea_orm::{EntityTrait, QueryOrder};
        let (_, refresh) = app.sign_in(NARA_CITY_MEMBER).await;
        app.gql(REFRESH, json!({ "t": refresh })).await;
        // The first token again: a reuse, recorded.
        app.gql(REFRESH, json!({ "t": refresh })).await;
        let (_, other) = app.sign_in(NARA_CITY_MEMBER).await;
        let response = app
            .client
            .post(app.url("/graphql"))
            .json(&json!({
                "query": "mutation($t: String!) { signOut(input: { refreshToken: $t }) { signedOut } }",
                "variables": { "t": other }
            }))
            .send()
            .await
            .expect("sent");
        let request_id = response.headers()["x-request-id"].to_str().expect("ascii").to_owned();

        let events = audit_event::Entity::find()
            .order_by_asc(audit_event::Column::Id)
            .all(&app.state.db)
            .await
            .expect("events");
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            ["session.sign_in", "session.refresh_token_reused", "session.sign_in", "session.sign_out"]
        );
        let sign_out = &events[3];
        assert_eq!(sign_out.request_id.as_deref(), Some(request_id.as_str()));
        assert_eq!(sign_out.entity, "User");
        assert_eq!(sign_out.actor_user_id, sign_out.entity_id);
        assert!(sign_out.actor_organization_id.is_some());
        assert_eq!(sign_out.after, Some(json!({ "allSessions": false })));
        // No secrets in the trail.
        let text = serde_json::to_string(&events).expect("json");
        assert!(!text.contains(&refresh) && !text.contains(&other) && !text.contains(DEMO_PASSWORD));
    })
    .await;
}

#[tokio::test]
async fn tokens_of_disabled_or_removed_users_stop_working_at_once() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    on_each_backend(async |app| {
        let (token, _) = app.sign_in(crate::helpers::NARA_EDITOR).await;
        let (status, _) = app.post_gql(Some(&token), VIEWER, json!({})).await;
        assert_eq!(status, 200);
        entity::user::Entity::update_many()
            .col_expr(
                entity::user::Column::DisabledAt,
                Expr::value(chrono::Utc::now()),
            )
            .filter(entity::user::Column::Email.eq(crate::helpers::NARA_EDITOR))
            .exec(&app.state.db)
            .await
            .expect("disabled");
        let (status, body) = app.post_gql(Some(&token), VIEWER, json!({})).await;
        assert_eq!(
            (status, error_code(&body)),
            (401, "UNAUTHENTICATED"),
            "{body}"
        );
    })
    .await;
}
