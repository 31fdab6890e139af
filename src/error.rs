//! The one error type at the boundary between the areas and their clients.
//!
//! Every error a client can act on carries a stable `extensions.code`; its message is written
//! for a person, in Japanese when the request prefers it, in English otherwise. Internal errors
//! are logged once with an id and reach the client only as `INTERNAL` plus that id: no SQL,
//! file path, stack or secret ever leaves through here.

use std::fmt;

use sea_orm::DbErr;
use uuid::Uuid;

use crate::i18n::{Lang, current_lang};

/// Why an input value was refused. Each reason knows how to say itself in both languages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invalid {
    /// An organisation code that is not six digits (or an operator-assigned code).
    OrgCodeFormat,
    /// A six-digit code whose last digit does not match the check-digit rule.
    OrgCodeCheckDigit {
        expected: char,
    },
    /// A six-digit code whose first two digits are not a prefecture (01–47).
    OrgCodePrefecture,
    TooLong {
        max: usize,
    },
    Empty,
    ControlCharacters,
    /// A global id that does not decode, or names another type.
    Id,
    Cursor,
    PageSize {
        max: u64,
    },
    /// `first` and `last` together, or a negative count.
    PageArguments,
    Range {
        min: i64,
        max: i64,
    },
    Email,
    /// A value that is not one of the allowed values (enums, formats).
    Value {
        expected: &'static str,
    },
}

impl Invalid {
    fn message(&self, lang: Lang) -> String {
        use Invalid::*;
        match (self, lang) {
            (OrgCodeFormat, Lang::En) => "must be a 6-digit local government code".into(),
            (OrgCodeFormat, Lang::Ja) => "6桁の全国地方公共団体コードを指定してください".into(),
            (OrgCodeCheckDigit { expected }, Lang::En) => {
                format!("check digit is wrong (expected {expected})")
            }
            (OrgCodeCheckDigit { expected }, Lang::Ja) => {
                format!("検査数字が正しくありません（正しくは {expected}）")
            }
            (OrgCodePrefecture, Lang::En) => "first two digits must be a prefecture (01–47)".into(),
            (OrgCodePrefecture, Lang::Ja) => {
                "先頭2桁は都道府県コード（01〜47）でなければなりません".into()
            }
            (TooLong { max }, Lang::En) => format!("must be at most {max} characters"),
            (TooLong { max }, Lang::Ja) => format!("{max}文字以内で入力してください"),
            (Empty, Lang::En) => "must not be empty".into(),
            (Empty, Lang::Ja) => "入力してください".into(),
            (ControlCharacters, Lang::En) => "must not contain control characters".into(),
            (ControlCharacters, Lang::Ja) => "制御文字は使えません".into(),
            (Id, Lang::En) => "is not a valid id for this type".into(),
            (Id, Lang::Ja) => "この種類のIDとして正しくありません".into(),
            (Cursor, Lang::En) => "is not a valid cursor".into(),
            (Cursor, Lang::Ja) => "カーソルが正しくありません".into(),
            (PageSize { max }, Lang::En) => format!("must be between 0 and {max}"),
            (PageSize { max }, Lang::Ja) => format!("0以上{max}以下で指定してください"),
            (PageArguments, Lang::En) => {
                "use either first/after or last/before, with counts of 0 or more".into()
            }
            (PageArguments, Lang::Ja) => {
                "first/after と last/before のどちらか一方を、0以上の数で指定してください".into()
            }
            (Range { min, max }, Lang::En) => format!("must be between {min} and {max}"),
            (Range { min, max }, Lang::Ja) => format!("{min}以上{max}以下で指定してください"),
            (Email, Lang::En) => "is not an email address".into(),
            (Email, Lang::Ja) => "メールアドレスの形式ではありません".into(),
            (Value { expected }, Lang::En) => format!("must be {expected}"),
            (Value { expected }, Lang::Ja) => format!("{expected} のいずれかを指定してください"),
        }
    }
}

/// Why a request is not authenticated. The variants are for logs; clients see one message
/// per variant that never says which part of a credential was wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthFailure {
    /// Sign-in with an unknown email or a wrong password (deliberately indistinguishable).
    BadCredentials,
    /// A bearer token that is malformed, forged, expired or meant for another audience.
    BadToken,
    /// A refresh token that is unknown, expired, revoked or already used.
    BadRefreshToken,
    /// The operation needs a signed-in user.
    SignInRequired,
}

/// A rule of one area that a request broke (a quota, a full course, a closed window, …).
///
/// Each area declares its own violations beside its rules and gives each a stable code and
/// a message in both languages, so that this module does not grow with every area; extra
/// facts a client can act on (the count used, the next window) go into `extensions`.
pub trait RuleViolation: Send + Sync + 'static {
    /// The stable `extensions.code`.
    fn code(&self) -> &'static str;
    /// What a person is told.
    fn message(&self, lang: Lang) -> String;
    /// Extra machine-readable facts, added to `extensions` next to `code`.
    fn extensions(&self, _extensions: &mut async_graphql::ErrorExtensionValues) {}
}

/// The error every area function returns.
pub enum AppError {
    Unauthenticated(AuthFailure),
    Forbidden,
    /// Also used when a record exists but is not visible to the viewer: no existence leak.
    NotFound {
        entity: &'static str,
    },
    Validation {
        field: String,
        reason: Invalid,
    },
    /// A unique rule was broken (the same email twice, …).
    Conflict {
        field: String,
    },
    /// The record is not in a state that allows the action (`INVALID_TRANSITION`); names the
    /// current state.
    InvalidTransition {
        entity: &'static str,
        action: &'static str,
        state: String,
    },
    /// An area rule, with the area's own code.
    Rule(Box<dyn RuleViolation>),
    /// The database cannot be reached right now; the client may retry.
    Unavailable,
    Internal(anyhow::Error),
}

impl AppError {
    pub fn invalid(field: impl Into<String>, reason: Invalid) -> Self {
        Self::Validation {
            field: field.into(),
            reason,
        }
    }

    pub fn not_found(entity: &'static str) -> Self {
        Self::NotFound { entity }
    }

    /// `INVALID_TRANSITION`: `action` is not allowed on an `entity` in `state`.
    pub fn transition(
        entity: &'static str,
        action: &'static str,
        state: impl Into<String>,
    ) -> Self {
        Self::InvalidTransition {
            entity,
            action,
            state: state.into(),
        }
    }

    /// An area rule's violation.
    pub fn rule(violation: impl RuleViolation) -> Self {
        Self::Rule(Box::new(violation))
    }

    /// The stable code clients branch on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound { .. } => "NOT_FOUND",
            Self::Validation { .. } => "VALIDATION",
            Self::Conflict { .. } => "CONFLICT",
            Self::InvalidTransition { .. } => "INVALID_TRANSITION",
            Self::Rule(rule) => rule.code(),
            Self::Unavailable => "SERVICE_UNAVAILABLE",
            Self::Internal(_) => "INTERNAL",
        }
    }

    fn message(&self, lang: Lang, error_id: Option<Uuid>) -> String {
        match (self, lang) {
            (Self::Unauthenticated(f), Lang::En) => match f {
                AuthFailure::BadCredentials => "The email or password is not correct.".into(),
                AuthFailure::BadToken => "The access token is not valid or has expired.".into(),
                AuthFailure::BadRefreshToken => {
                    "The refresh token is not valid, has expired or was already used.".into()
                }
                AuthFailure::SignInRequired => "Sign in to do this.".into(),
            },
            (Self::Unauthenticated(f), Lang::Ja) => match f {
                AuthFailure::BadCredentials => {
                    "メールアドレスまたはパスワードが正しくありません。".into()
                }
                AuthFailure::BadToken => {
                    "アクセストークンが正しくないか、有効期限が切れています。".into()
                }
                AuthFailure::BadRefreshToken => {
                    "リフレッシュトークンが正しくないか、期限切れまたは使用済みです。".into()
                }
                AuthFailure::SignInRequired => "この操作にはサインインが必要です。".into(),
            },
            (Self::Forbidden, Lang::En) => "You are not allowed to do this.".into(),
            (Self::Forbidden, Lang::Ja) => "この操作を行う権限がありません。".into(),
            (Self::NotFound { entity }, Lang::En) => format!("{entity} not found."),
            (Self::NotFound { entity }, Lang::Ja) => {
                format!("{}が見つかりません。", entity_ja(entity))
            }
            (Self::Validation { field, reason }, lang) => match lang {
                Lang::En => format!("`{field}` {}", reason.message(lang)),
                Lang::Ja => format!("`{field}`: {}", reason.message(lang)),
            },
            (Self::Conflict { field }, Lang::En) => {
                format!("`{field}` is already taken by another record.")
            }
            (Self::Conflict { field }, Lang::Ja) => format!("`{field}` は既に使われています。"),
            (
                Self::InvalidTransition {
                    entity,
                    action,
                    state,
                },
                Lang::En,
            ) => format!("Cannot {action} a {entity} that is {state}."),
            (
                Self::InvalidTransition {
                    entity,
                    action,
                    state,
                },
                Lang::Ja,
            ) => format!(
                "{}は現在 {state} のため、{action} はできません。",
                entity_ja(entity)
            ),
            (Self::Rule(rule), lang) => rule.message(lang),
            (Self::Unavailable, Lang::En) => {
                "The service is temporarily unavailable; try again shortly.".into()
            }
            (Self::Unavailable, Lang::Ja) => {
                "一時的に利用できません。しばらくしてから再度お試しください。".into()
            }
            (Self::Internal(_), Lang::En) => format!(
                "Internal error. Quote reference {} when reporting it.",
                error_id.unwrap_or_default()
            ),
            (Self::Internal(_), Lang::Ja) => format!(
                "内部エラーが発生しました。お問い合わせの際は参照番号 {} をお伝えください。",
                error_id.unwrap_or_default()
            ),
        }
    }

    /// Turns the error into the GraphQL error a client sees. Internal errors are logged here,
    /// once, with the id the client is given.
    pub fn into_graphql(self, lang: Lang) -> async_graphql::Error {
        let error_id = match &self {
            Self::Internal(source) => {
                let id = Uuid::now_v7();
                tracing::error!(error_id = %id, error = ?source, "internal error");
                Some(id)
            }
            Self::Unavailable => {
                tracing::warn!("database unavailable");
                None
            }
            _ => None,
        };
        let mut error = async_graphql::Error::new(self.message(lang, error_id));
        let code = self.code();
        let extensions = error.extensions.get_or_insert_with(Default::default);
        extensions.set("code", code);
        match &self {
            Self::Validation { field, .. } | Self::Conflict { field } => {
                extensions.set("field", field.as_str());
            }
            Self::InvalidTransition { state, .. } => extensions.set("state", state.as_str()),
            Self::Rule(rule) => rule.extensions(extensions),
            _ => {}
        }
        if let Some(id) = error_id {
            extensions.set("errorId", id.to_string());
        }
        error
    }
}

fn entity_ja(entity: &str) -> &str {
    match entity {
        "Organization" => "団体",
        "Council" => "協議会",
        "User" => "ユーザー",
        "AdvisorPool" => "人材バンク",
        "Advisor" => "アドバイザー",
        "DispatchRequest" => "派遣依頼",
        "Course" => "研修",
        "CourseSession" => "研修日程",
        "Enrollment" => "受講申込",
        "CaseStudy" => "事例",
        _ => "対象",
    }
}

// Deliberately not `Display`: async-graphql converts every `Display` type into an error that
// carries only its message, which would drop the code. `From` below keeps it.
impl fmt::Debug for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Internal(e) => write!(f, "Internal({e:?})"),
            other => write!(f, "{}: {}", other.code(), other.message(Lang::En, None)),
        }
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(error: AppError) -> Self {
        error.into_graphql(current_lang())
    }
}

impl From<DbErr> for AppError {
    fn from(error: DbErr) -> Self {
        if is_unavailable(&error) {
            Self::Unavailable
        } else {
            Self::Internal(error.into())
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(error: anyhow::Error) -> Self {
        Self::Internal(error)
    }
}

/// A database error that means "cannot reach the database (now)" rather than "this statement
/// is wrong": no connection, a connection lost mid-request, the server shutting down or
/// refusing connections, or a statement or lock timeout. Clients may retry these.
pub fn is_unavailable(error: &DbErr) -> bool {
    match error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e))
        | DbErr::Query(sea_orm::RuntimeErr::SqlxError(e)) => is_unavailable_sqlx(e),
        _ => false,
    }
}

fn is_unavailable_sqlx(error: &sea_orm::sqlx::Error) -> bool {
    use sea_orm::sqlx::Error;
    match error {
        Error::Io(_)
        | Error::Tls(_)
        | Error::PoolTimedOut
        | Error::PoolClosed
        | Error::WorkerCrashed => true,
        Error::Database(db) => db.code().is_some_and(|code| {
            // 08: connection exception; 57P0x: shutdown or crash; 57014: statement timeout;
            // 55P03: lock timeout; 53300: too many connections.
            code.starts_with("08")
                || code.starts_with("57P0")
                || matches!(code.as_ref(), "57014" | "55P03" | "53300")
        }),
        _ => false,
    }
}

/// [`is_unavailable`] for an error of any kind: true when a database or driver error in its
/// chain says the database cannot be reached.
pub fn is_unavailable_any(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.downcast_ref::<DbErr>().is_some_and(is_unavailable)
            || cause
                .downcast_ref::<sea_orm::sqlx::Error>()
                .is_some_and(is_unavailable_sqlx)
    })
}

/// Maps a unique-constraint violation to `CONFLICT` on `field`; any other error passes through.
pub fn on_unique_violation(error: DbErr, field: &str) -> AppError {
    match error.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict {
            field: field.to_owned(),
        },
        _ => error.into(),
    }
}

pub type AppResult<T> = Result<T, AppError>;
