//! Accounts for scripts: `koiki token` issues an access token for a service account of an
//! organisation and role, creating the account on first use. Service accounts have no
//! password, so they cannot sign in; their tokens expire like any other.

use chrono::Utc;
use entity::enums::Role;
use entity::user::RoleList;
use entity::{organization, user};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::auth::token::TokenKeys;
use crate::error::{AppError, AppResult};
use crate::organizations::{self, OrgCode};

/// Issues a token for the service account of `code` with `role`, valid for `ttl`.
pub async fn token_for(
    db: &DatabaseConnection,
    keys: &TokenKeys,
    code: &str,
    role: Role,
    ttl: chrono::Duration,
) -> AppResult<String> {
    let code = OrgCode::parse("org", code)?;
    let organization: organization::Model = organizations::find_by_code(db, &code)
        .await?
        .ok_or(AppError::not_found("Organization"))?;
    let role_name = serde_json::to_value(role)
        .ok()
        .and_then(|v| v.as_str().map(str::to_lowercase))
        .unwrap_or_default();
    let email = format!(
        "script-{role_name}@{}.koiki.invalid",
        code.as_str().to_lowercase()
    );
    let account = match user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(db)
        .await?
    {
        Some(account) => account,
        None => {
            let now = Utc::now();
            let model = user::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(organization.id),
                email: Set(email.clone()),
                display_name: Set(format!("Script ({role_name})")),
                password_hash: Set(None),
                roles: Set(RoleList(vec![role])),
                disabled_at: Set(None),
                last_sign_in_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            };
            user::Entity::insert(model).exec_with_returning(db).await?
        }
    };
    let (token, _) = keys.issue(account.id, &organization.code, &account.roles.0, Some(ttl))?;
    Ok(token)
}
