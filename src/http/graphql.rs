//! `/graphql`: the GraphQL-over-HTTP handler.
//!
//! Written here rather than taken from async-graphql-axum, whose stock extractor executed
//! mutations sent by GET and as `text/plain` POSTs (which browsers send cross-origin without
//! a preflight), ran unlimited batches and answered 200 to requests that did not parse. Here:
//! POST needs `application/json`; GET runs queries only (405 otherwise) or serves GraphiQL
//! to browsers; batches are limited; parse and validation failures are 400 under
//! `application/graphql-response+json`; every error carries `extensions.code`.

use std::sync::Arc;

use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{BatchRequest, Request, Response, ServerError, Value};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse};

use super::rate_limit::RetryAfter;
use crate::app::AppState;
use crate::auth::Viewer;
use crate::auth::sessions;
use crate::error::{AppError, AuthFailure};
use crate::graphql::RequestState;
use crate::graphql::limits;
use crate::i18n::{Lang, with_lang};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// How the client wants the response, read from `Accept`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum MediaType {
    /// `application/graphql-response+json`: request errors get a 4xx status.
    GraphqlResponse,
    /// `application/json` (and no `Accept` at all): always 200 for a well-formed request.
    Json,
}

impl MediaType {
    fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
            return Some(Self::Json);
        };
        let mut json = false;
        for part in accept.split(',') {
            let media = part
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            match media.as_str() {
                GRAPHQL_RESPONSE => return Some(Self::GraphqlResponse),
                JSON | "*/*" | "application/*" => json = true,
                _ => {}
            }
        }
        json.then_some(Self::Json)
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        }
    }
}

/// An error response outside GraphQL execution (bad body, bad token, …), still shaped as a
/// GraphQL response so clients parse one format.
fn error_response(status: StatusCode, code: &str, message: String) -> axum::response::Response {
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
    let body = serde_json::to_vec(&Response::from_errors(vec![error])).unwrap_or_default();
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// The id the request-id layer gave this request.
fn request_id_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

pub(super) fn lang_of(headers: &HeaderMap) -> Lang {
    Lang::from_accept_language(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// Reads the bearer token, if any, into the Viewer. A token that is present but bad is an
/// error, never a silent fall-back to anonymous.
async fn viewer_of(app: &AppState, headers: &HeaderMap) -> Result<Viewer, AppError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(Viewer::Anonymous);
    };
    let bad = || AppError::Unauthenticated(AuthFailure::BadToken);
    let value = value.to_str().map_err(|_| bad())?;
    let (scheme, token) = value.split_once(' ').ok_or_else(bad)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(bad());
    }
    sessions::viewer_from_token(&app.db, &app.keys, token.trim()).await
}

/// 429 with `Retry-After`, code `RATE_LIMITED`.
pub(super) fn too_many_requests(retry: RetryAfter, lang: Lang) -> axum::response::Response {
    let seconds = retry.seconds();
    let mut response = error_response(
        StatusCode::TOO_MANY_REQUESTS,
        "RATE_LIMITED",
        match lang {
            Lang::En => format!("Too many requests; try again in {seconds} s."),
            Lang::Ja => format!("リクエストが多すぎます。{seconds}秒後に再度お試しください。"),
        },
    );
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

fn auth_error(error: AppError, lang: Lang) -> axum::response::Response {
    let status = match &error {
        AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let code = error.code();
    let gql = error.into_graphql(lang);
    let mut response = error_response(status, code, gql.message);
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
    }
    response
}

/// `POST /graphql`.
pub async fn post(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let lang = lang_of(&headers);
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(JSON));
    if !is_json {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            match lang {
                Lang::En => {
                    "Send GraphQL requests as POST with Content-Type: application/json.".into()
                }
                Lang::Ja => {
                    "GraphQLリクエストは Content-Type: application/json のPOSTで送ってください。"
                        .into()
                }
            },
        );
    }
    let Some(media) = MediaType::from_headers(&headers) else {
        return not_acceptable();
    };
    let batch: BatchRequest = match serde_json::from_slice(&body) {
        Ok(batch) => batch,
        Err(_) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                match lang {
                    Lang::En => "The body is not a GraphQL request in JSON.".into(),
                    Lang::Ja => "本文がJSON形式のGraphQLリクエストではありません。".into(),
                },
            );
        }
    };
    let caller = match Caller::from_headers(app.clone(), &headers, lang, media).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    match batch {
        BatchRequest::Single(request) => {
            let (response, status) = execute(&caller, request, Method::POST).await;
            respond(status, media, &body_of(response))
        }
        BatchRequest::Batch(requests) => {
            if app.config.max_batch == 0
                || requests.len() > app.config.max_batch
                || requests.is_empty()
            {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    "BATCH_TOO_LARGE",
                    match lang {
                        Lang::En => {
                            format!("A batch may hold 1 to {} operations.", app.config.max_batch)
                        }
                        Lang::Ja => {
                            format!("一度に送れる操作は1〜{}件です。", app.config.max_batch)
                        }
                    },
                );
            }
            let mut responses = Vec::with_capacity(requests.len());
            for request in requests {
                responses.push(body_of(execute(&caller, request, Method::POST).await.0));
            }
            respond(StatusCode::OK, media, &responses)
        }
    }
}

/// `GET /graphql`: GraphiQL for a browser, or a query from the query string.
pub async fn get(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> axum::response::Response {
    let lang = lang_of(&headers);
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let query = query.unwrap_or_default();
    if query.is_empty() || (wants_html && !query.contains("query=")) {
        return graphiql();
    }
    let Some(media) = MediaType::from_headers(&headers) else {
        return not_acceptable();
    };
    let request = match async_graphql::http::parse_query_string(&query) {
        Ok(request) => request,
        Err(_) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                match lang {
                    Lang::En => "The query string is not a GraphQL request.".into(),
                    Lang::Ja => "クエリ文字列がGraphQLリクエストではありません。".into(),
                },
            );
        }
    };
    let caller = match Caller::from_headers(app.clone(), &headers, lang, media).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let (response, status) = execute(&caller, request, Method::GET).await;
    if status == StatusCode::METHOD_NOT_ALLOWED {
        let mut r = respond(status, MediaType::Json, &body_of(response));
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return r;
    }
    respond(status, media, &body_of(response))
}

/// A response as its JSON body. A request that failed before execution (it did not parse,
/// validate or pass a limit) has no `data` entry at all, as the GraphQL-over-HTTP
/// specification asks, rather than `"data": null`.
fn body_of(response: Response) -> serde_json::Value {
    let not_executed = response.data == Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let mut body = serde_json::to_value(&response).unwrap_or_default();
    if not_executed && let Some(object) = body.as_object_mut() {
        object.remove("data");
    }
    body
}

fn not_acceptable() -> axum::response::Response {
    error_response(
        StatusCode::NOT_ACCEPTABLE,
        "NOT_ACCEPTABLE",
        "Accept application/graphql-response+json or application/json.".into(),
    )
}

fn graphiql() -> axum::response::Response {
    Html(
        async_graphql::http::GraphiQLSource::build()
            .endpoint("/graphql")
            .title("Koiki GraphQL")
            .finish(),
    )
    .into_response()
}

fn respond<T: serde::Serialize>(
    status: StatusCode,
    media: MediaType,
    body: &T,
) -> axum::response::Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut response = (status, bytes).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(media.content_type()),
    );
    response
}

/// The type and name of the operation a request will run, if the document names one
/// unambiguously.
fn operation_of(request: &mut Request) -> Option<(OperationType, Option<String>)> {
    let name = request.operation_name.clone();
    let document = request.parsed_query().ok()?;
    match (&document.operations, name) {
        (DocumentOperations::Single(op), name) => Some((op.node.ty, name)),
        (DocumentOperations::Multiple(ops), Some(name)) => ops
            .iter()
            .find(|(n, _)| n.as_str() == name)
            .map(|(_, op)| (op.node.ty, Some(name))),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops
            .iter()
            .next()
            .map(|(n, op)| (op.node.ty, Some(n.to_string()))),
        _ => None,
    }
}

/// The type of the operation a request will run, if the document names one unambiguously.
fn operation_type(request: &mut Request) -> Option<OperationType> {
    operation_of(request).map(|(ty, _)| ty)
}

/// Who sent a request and how they want the answer: what every operation of it shares.
struct Caller {
    app: Arc<AppState>,
    viewer: Viewer,
    request_id: Option<String>,
    lang: Lang,
    media: MediaType,
}

impl Caller {
    /// Reads the caller from the headers; a bad token is an error response.
    async fn from_headers(
        app: Arc<AppState>,
        headers: &HeaderMap,
        lang: Lang,
        media: MediaType,
    ) -> Result<Self, axum::response::Response> {
        if !app.ready.load(std::sync::atomic::Ordering::Acquire) {
            let error = AppError::Unavailable;
            let code = error.code();
            let message = error.into_graphql(lang).message;
            return Err(error_response(
                StatusCode::SERVICE_UNAVAILABLE,
                code,
                message,
            ));
        }
        let viewer = viewer_of(&app, headers)
            .await
            .map_err(|e| auth_error(e, lang))?;
        if let Some(user) = viewer.signed_in() {
            app.rate_limits
                .check_client(&user.user_id.to_string())
                .map_err(|retry| too_many_requests(retry, lang))?;
        }
        let request_id = request_id_of(headers);
        Ok(Self {
            app,
            viewer,
            request_id,
            lang,
            media,
        })
    }
}

/// Executes one operation and gives every error a code. Returns the status the response
/// should carry on its own (400 for request errors under graphql-response+json, 405 for a
/// mutation over GET).
async fn execute(caller: &Caller, mut request: Request, method: Method) -> (Response, StatusCode) {
    let Caller {
        app,
        viewer,
        request_id,
        lang,
        media,
    } = caller;
    let (lang, media) = (*lang, *media);
    let request_error_status = if media == MediaType::GraphqlResponse {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let limits = &app.config.limits;
    let exceeded = match limits::check_tokens(&request.query, limits.tokens) {
        Err(exceeded) => Some(exceeded),
        Ok(()) => {
            if let Err(mut error) = request.parsed_query().map(|_| ()) {
                classify(&mut error, lang, Phase::Parse);
                return (Response::from_errors(vec![error]), request_error_status);
            }
            request
                .parsed_query()
                .ok()
                .and_then(|d| limits::check(d, limits).err())
        }
    };
    let strings = if exceeded.is_none() {
        // The document is parsed (and cached in the request) by now; the variables are
        // taken out for the check only because the parse borrows the request.
        let variables = std::mem::take(&mut request.variables);
        let checked = match request.parsed_query() {
            Ok(document) => limits::check_strings(document, &variables),
            Err(_) => Ok(()),
        };
        request.variables = variables;
        checked
    } else {
        Ok(())
    };
    if let Err(invalid) = strings {
        let error = invalid.into_graphql(lang);
        let mut server_error = ServerError::new(error.message, None);
        server_error.extensions = error.extensions;
        return (
            Response::from_errors(vec![server_error]),
            request_error_status,
        );
    }
    if let Some(exceeded) = exceeded {
        let mut error = ServerError::new(exceeded.message(lang), None);
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", exceeded.code());
        return (Response::from_errors(vec![error]), request_error_status);
    }
    if method == Method::GET && operation_type(&mut request) != Some(OperationType::Query) {
        let mut error = ServerError::new(
            match lang {
                Lang::En => "Only queries may be sent with GET; send mutations with POST.",
                Lang::Ja => {
                    "GETで送れるのはクエリだけです。ミューテーションはPOSTで送ってください。"
                }
            },
            None,
        );
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", "METHOD_NOT_ALLOWED");
        return (
            Response::from_errors(vec![error]),
            StatusCode::METHOD_NOT_ALLOWED,
        );
    }
    let (kind, name) = match operation_of(&mut request) {
        Some((OperationType::Mutation, name)) => ("mutation", name),
        Some((OperationType::Subscription, name)) => ("subscription", name),
        Some((OperationType::Query, name)) => ("query", name),
        None => ("query", None),
    };
    let request = request.data(RequestState::new(
        app.clone(),
        viewer.clone(),
        request_id.clone(),
    ));
    let started = std::time::Instant::now();
    let mut response = with_lang(lang, app.schema.execute(request)).await;
    app.metrics
        .graphql_operation(kind, name.as_deref(), started.elapsed().as_secs_f64());
    let request_failed = response.data == Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let phase = if request_failed {
        Phase::Validation
    } else {
        Phase::Execution
    };
    for error in &mut response.errors {
        classify(error, lang, phase);
        if let Some(code) = error.extensions.as_ref().and_then(|e| e.get("code")) {
            app.metrics.graphql_error(&code.to_string());
        }
    }
    let status = if request_failed {
        request_error_status
    } else {
        StatusCode::OK
    };
    (response, status)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Parse,
    Validation,
    Execution,
}

/// Gives an error without a code (one raised by async-graphql itself) its code, and a
/// message in the request's language where we can.
fn classify(error: &mut ServerError, lang: Lang, phase: Phase) {
    if error
        .extensions
        .as_ref()
        .is_some_and(|e| e.get("code").is_some())
    {
        return;
    }
    let message = error.message.clone();
    let (code, field) = if message.starts_with("Invalid value for argument")
        || message.starts_with("Failed to parse")
        || message.starts_with("Variable")
        || message.starts_with("Expected input type")
        || message.contains("is not a valid")
    {
        ("VALIDATION", first_quoted(&message))
    } else if message.contains("nested too deep") {
        ("QUERY_TOO_DEEP", None)
    } else if message.contains("too complex") {
        ("QUERY_TOO_COMPLEX", None)
    } else {
        match phase {
            Phase::Parse => ("GRAPHQL_PARSE_FAILED", None),
            Phase::Validation => ("GRAPHQL_VALIDATION_FAILED", None),
            Phase::Execution => {
                // Nothing we raised, and not a request problem: treat as internal and keep
                // the text in the log only.
                let id = uuid::Uuid::now_v7();
                tracing::error!(error_id = %id, error = %message, path = ?error.path, "unclassified GraphQL error");
                error.message = match lang {
                    Lang::En => format!("Internal error. Quote reference {id} when reporting it."),
                    Lang::Ja => format!(
                        "内部エラーが発生しました。お問い合わせの際は参照番号 {id} をお伝えください。"
                    ),
                };
                let ext = error.extensions.get_or_insert_with(Default::default);
                ext.set("code", "INTERNAL");
                ext.set("errorId", id.to_string());
                return;
            }
        }
    };
    if lang == Lang::Ja {
        error.message = format!("リクエストが正しくありません: {message}");
    }
    let ext = error.extensions.get_or_insert_with(Default::default);
    ext.set("code", code);
    if let Some(field) = field {
        ext.set("field", field);
    }
}

/// The first `"…"`-quoted word of an async-graphql message: the argument or variable named.
fn first_quoted(message: &str) -> Option<String> {
    let start = message.find('"')? + 1;
    let len = message[start..].find('"')?;
    Some(
        message[start..start + len]
            .trim_start_matches('$')
            .to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_headers_choose_the_media_type() {
        let mut h = HeaderMap::new();
        assert!(MediaType::from_headers(&h) == Some(MediaType::Json));
        h.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/graphql-response+json, application/json;q=0.9"),
        );
        assert!(MediaType::from_headers(&h) == Some(MediaType::GraphqlResponse));
        h.insert(header::ACCEPT, HeaderValue::from_static("*/*"));
        assert!(MediaType::from_headers(&h) == Some(MediaType::Json));
        h.insert(header::ACCEPT, HeaderValue::from_static("text/plain"));
        assert!(MediaType::from_headers(&h).is_none());
    }

    #[test]
    fn quoted_names_are_extracted() {
        assert_eq!(
            first_quoted(r#"Invalid value for argument "filter.kind", enumeration"#).as_deref(),
            Some("filter.kind")
        );
        assert_eq!(first_quoted("no quotes"), None);
    }
}
