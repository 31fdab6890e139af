//! Access tokens: short-lived JWTs signed with HS256 by this server.
//!
//! The algorithm is pinned, and `iss`, `aud`, `exp`, `nbf`, `iat`, `sub` and `jti` are all
//! required and checked, with a small leeway; the header's `typ` must be `at+jwt` (RFC 9068)
//! so that no other JWT signed with the same key passes as an access token; and a token that
//! names a key (`kid`) is refused, as this server's keys have none.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use entity::enums::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::Config;
use crate::error::{AppError, AuthFailure};

const TOKEN_TYPE: &str = "at+jwt";
const KEY_FILE: &str = "jwt-secret";
/// Clock skew tolerated on `exp` and `nbf`, in seconds.
const LEEWAY_SECONDS: u64 = 5;

/// The claims of an access token.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    /// The user's id.
    pub sub: String,
    pub exp: i64,
    pub iat: i64,
    pub nbf: i64,
    pub jti: String,
    /// The code of the user's organisation.
    pub org: String,
    pub roles: Vec<Role>,
}

/// Signs and verifies access tokens.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl: chrono::Duration,
}

impl TokenKeys {
    /// Loads the key from the configuration, or (development only) from the data directory,
    /// generating it there with owner-only permissions on first start.
    pub fn load(config: &Config) -> anyhow::Result<Self> {
        let secret = match &config.jwt_secret {
            Some(secret) => secret.expose().as_bytes().to_vec(),
            None if config.is_production() => anyhow::bail!("KOIKI_JWT_SECRET is required"),
            None => load_or_generate_key(&config.data_dir.join(KEY_FILE))?,
        };
        Ok(Self::from_secret(&secret, config))
    }

    pub fn from_secret(secret: &[u8], config: &Config) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&config.jwt_issuer]);
        validation.set_audience(&[&config.jwt_audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECONDS;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: config.jwt_issuer.clone(),
            audience: config.jwt_audience.clone(),
            ttl: chrono::Duration::from_std(config.access_token_ttl)
                .unwrap_or(chrono::Duration::minutes(15)),
        }
    }

    /// Issues an access token for a user; returns it with its expiry.
    pub fn issue(
        &self,
        user_id: Uuid,
        organization_code: &str,
        roles: &[Role],
        ttl: Option<chrono::Duration>,
    ) -> Result<(String, DateTime<Utc>), AppError> {
        let now = Utc::now();
        let expires_at = now + ttl.unwrap_or(self.ttl);
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user_id.to_string(),
            exp: expires_at.timestamp(),
            iat: now.timestamp(),
            nbf: now.timestamp(),
            jti: Uuid::now_v7().to_string(),
            org: organization_code.to_owned(),
            roles: roles.to_vec(),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some(TOKEN_TYPE.to_owned());
        let token = jsonwebtoken::encode(&header, &claims, &self.encoding)
            .context("cannot sign an access token")?;
        Ok((token, expires_at))
    }

    /// Verifies a token's signature, type and claims.
    pub fn verify(&self, token: &str) -> Result<AccessClaims, AppError> {
        let data = jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation)
            .map_err(|error| {
                tracing::debug!(%error, "access token refused");
                AppError::Unauthenticated(AuthFailure::BadToken)
            })?;
        // Our tokens carry no key id: one that names a key names a key we do not have.
        if data.header.typ.as_deref() != Some(TOKEN_TYPE) || data.header.kid.is_some() {
            return Err(AppError::Unauthenticated(AuthFailure::BadToken));
        }
        Ok(data.claims)
    }
}

fn load_or_generate_key(path: &Path) -> anyhow::Result<Vec<u8>> {
    if path.exists() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        return URL_SAFE_NO_PAD
            .decode(text.trim())
            .with_context(|| format!("{} is not a base64url key", path.display()));
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let mut key = vec![0u8; 32];
    rand::rng().fill_bytes(&mut key);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(URL_SAFE_NO_PAD.encode(&key).as_bytes())?;
    tracing::info!(path = %path.display(), "generated a signing key for access tokens");
    Ok(key)
}
