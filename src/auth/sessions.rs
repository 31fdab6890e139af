//! Signing in and out: passwords, access tokens and rotating refresh tokens.
//!
//! A refresh token is 32 random bytes, handed to the client once and stored only as its
//! SHA-256. Each use rotates it: the old one is marked used and a new one of the same family
//! is issued. Presenting a used token again means it was copied, so the whole family is
//! revoked (RFC 6819 §5.2.2.3) and the legitimate holder must sign in again.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use entity::{organization, refresh_token, user};
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set, TransactionTrait,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::audit::{self, Actor, Change};
use crate::auth::password;
use crate::auth::token::TokenKeys;
use crate::auth::viewer::{SignedIn, Viewer};
use crate::error::{AppError, AppResult, AuthFailure, Invalid};
use crate::text;

/// What a successful sign-in or refresh hands to the client.
pub struct Session {
    pub access_token: String,
    pub access_token_expires_at: DateTime<Utc>,
    pub refresh_token: String,
    pub refresh_token_expires_at: DateTime<Utc>,
    pub user: user::Model,
}

/// Lower-cases and checks an email address as typed.
pub fn normalize_email(field: &str, email: &str) -> AppResult<String> {
    let email = email.trim().to_lowercase();
    text::check_line(field, &email, 254)?;
    let valid = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !domain.contains('@')
    }) && !email.contains(char::is_whitespace);
    if valid {
        Ok(email)
    } else {
        Err(AppError::invalid(field, Invalid::Email))
    }
}

/// Signs a user in with email and password. An unknown email and a wrong password give the
/// same answer, after the same amount of work.
#[tracing::instrument(skip_all)]
pub async fn sign_in(
    db: &DatabaseConnection,
    keys: &TokenKeys,
    refresh_ttl: std::time::Duration,
    email: &str,
    password: String,
    request_id: Option<String>,
) -> AppResult<Session> {
    let bad = || AppError::Unauthenticated(AuthFailure::BadCredentials);
    if password.chars().count() > password::MAX_LENGTH {
        return Err(bad());
    }
    let email = normalize_email("email", email)?;
    let found = user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(db)
        .await?;
    let stored = found.as_ref().and_then(|u| u.password_hash.clone());
    let matches = password::verify(password, stored).await?;
    let user = match found {
        Some(user) if matches && user.disabled_at.is_none() => user,
        _ => return Err(bad()),
    };
    let now = Utc::now();
    user::Entity::update_many()
        .col_expr(user::Column::LastSignInAt, Expr::value(now))
        .filter(user::Column::Id.eq(user.id))
        .exec(db)
        .await?;
    let txn = db.begin().await?;
    audit::record(
        &txn,
        &actor_of(&user, request_id),
        session_change("session.sign_in", &user, None),
    )
    .await?;
    let session = start_session(&txn, keys, refresh_ttl, user, Uuid::now_v7()).await?;
    txn.commit().await?;
    Ok(session)
}

/// The user as the actor of their own session events.
fn actor_of(user: &user::Model, request_id: Option<String>) -> Actor {
    Actor {
        user_id: Some(user.id),
        organization_id: Some(user.organization_id),
        request_id,
    }
}

fn session_change(
    action: &'static str,
    user: &user::Model,
    after: Option<serde_json::Value>,
) -> Change {
    Change {
        action,
        entity: "User",
        entity_id: Some(user.id),
        organization_id: Some(user.organization_id),
        before: None,
        after,
    }
}

/// Exchanges a refresh token for a new access token and a new refresh token.
#[tracing::instrument(skip_all)]
pub async fn refresh(
    db: &DatabaseConnection,
    keys: &TokenKeys,
    refresh_ttl: std::time::Duration,
    presented: &str,
    request_id: Option<String>,
) -> AppResult<Session> {
    let bad = || AppError::Unauthenticated(AuthFailure::BadRefreshToken);
    let now = Utc::now();
    let Some(stored) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash_token(presented)))
        .one(db)
        .await?
    else {
        return Err(bad());
    };
    if stored.revoked_at.is_some() || stored.expires_at <= now {
        return Err(bad());
    }
    let txn = db.begin().await?;
    // Marking it used is the guard: of two concurrent uses, one finds it already used.
    let marked = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(stored.id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if marked.rows_affected != 1 {
        txn.rollback().await?;
        tracing::warn!(family = %stored.family_id, "refresh token reused; revoking its family");
        let txn = db.begin().await?;
        revoke_family(&txn, stored.family_id).await?;
        if let Some(user) = user::Entity::find_by_id(stored.user_id).one(&txn).await? {
            let change = session_change("session.refresh_token_reused", &user, None);
            audit::record(&txn, &actor_of(&user, request_id), change).await?;
        }
        txn.commit().await?;
        return Err(bad());
    }
    let user = user::Entity::find_by_id(stored.user_id)
        .one(&txn)
        .await?
        .filter(|u| u.disabled_at.is_none())
        .ok_or_else(bad)?;
    let session = start_session(&txn, keys, refresh_ttl, user, stored.family_id).await?;
    txn.commit().await?;
    Ok(session)
}

/// Revokes the session the refresh token belongs to, or every session of its user.
/// Returns whether the token was known.
#[tracing::instrument(skip_all)]
pub async fn sign_out(
    db: &DatabaseConnection,
    presented: &str,
    all_sessions: bool,
    request_id: Option<String>,
) -> AppResult<bool> {
    let Some(stored) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash_token(presented)))
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    let scope = if all_sessions {
        refresh_token::Column::UserId.eq(stored.user_id)
    } else {
        refresh_token::Column::FamilyId.eq(stored.family_id)
    };
    let txn = db.begin().await?;
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(scope)
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if let Some(user) = user::Entity::find_by_id(stored.user_id).one(&txn).await? {
        let after = serde_json::json!({ "allSessions": all_sessions });
        let change = session_change("session.sign_out", &user, Some(after));
        audit::record(&txn, &actor_of(&user, request_id), change).await?;
    }
    txn.commit().await?;
    Ok(true)
}

async fn revoke_family<C: ConnectionTrait>(db: &C, family_id: Uuid) -> AppResult<()> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

async fn start_session<C: ConnectionTrait>(
    db: &C,
    keys: &TokenKeys,
    refresh_ttl: std::time::Duration,
    user: user::Model,
    family_id: Uuid,
) -> AppResult<Session> {
    let organization = organization::Entity::find_by_id(user.organization_id)
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("user {} has no organisation", user.id))?;
    let (access_token, access_token_expires_at) =
        keys.issue(user.id, &organization.code, &user.roles.0, None)?;
    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    let refresh_token = URL_SAFE_NO_PAD.encode(raw);
    let now = Utc::now();
    let refresh_token_expires_at =
        now + chrono::Duration::from_std(refresh_ttl).unwrap_or(chrono::Duration::days(30));
    refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user.id),
        family_id: Set(family_id),
        token_hash: Set(hash_token(&refresh_token)),
        expires_at: Set(refresh_token_expires_at),
        used_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(Session {
        access_token,
        access_token_expires_at,
        refresh_token,
        refresh_token_expires_at,
        user,
    })
}

fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Turns a verified access token into the Viewer. The user must still exist and be enabled,
/// and still belong to the organisation the token names; roles come from the database, so a
/// role taken away applies at once.
#[tracing::instrument(skip_all)]
pub async fn viewer_from_token(
    db: &DatabaseConnection,
    keys: &TokenKeys,
    token: &str,
) -> AppResult<Viewer> {
    let bad = || AppError::Unauthenticated(AuthFailure::BadToken);
    let claims = keys.verify(token)?;
    let user_id = Uuid::parse_str(&claims.sub).map_err(|_| bad())?;
    let Some((user, Some(organization))) = user::Entity::find_by_id(user_id)
        .find_also_related(organization::Entity)
        .one(db)
        .await?
    else {
        return Err(bad());
    };
    if user.disabled_at.is_some() || organization.code != claims.org {
        return Err(bad());
    }
    Ok(Viewer::User(signed_in(&user, &organization)))
}

/// The Viewer of a user of an organisation.
pub fn signed_in(user: &user::Model, organization: &organization::Model) -> SignedIn {
    use entity::enums::OrganizationKind;
    let prefecture_id = match organization.kind {
        OrganizationKind::Prefecture => Some(organization.id),
        OrganizationKind::National | OrganizationKind::Partner => None,
        _ => organization.prefecture_id,
    };
    SignedIn {
        user_id: user.id,
        organization_id: organization.id,
        organization_code: organization.code.clone(),
        organization_kind: organization.kind,
        prefecture_id,
        roles: user.roles.0.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            normalize_email("email", " Admin@Nara.Example.JP ")
                .ok()
                .as_deref(),
            Some("admin@nara.example.jp")
        );
        for bad in [
            "",
            "no-at-sign",
            "@example.jp",
            "a@b",
            "a b@example.jp",
            "a@b@c.jp",
        ] {
            assert!(normalize_email("email", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn token_hashes_are_hex_sha256() {
        assert_eq!(hash_token("abc").len(), 64);
        assert_ne!(hash_token("abc"), hash_token("abd"));
    }
}
