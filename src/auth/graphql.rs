//! GraphQL of identity: `viewer`, `signIn`, `refreshToken`, `signOut`, and the `User` type.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entity::enums::Role;
use entity::user;
use sea_orm::EntityTrait;

use super::sessions::{self, Session};
use crate::access;
use crate::error::{AppError, AppResult};
use crate::graphql::scalars::DateTime;
use crate::graphql::{ids, state};
use crate::organizations::graphql::Organization;
use crate::organizations::loaders::OrganizationId;

/// A person's account.
#[derive(Clone, Debug)]
pub struct User(pub user::Model);

#[Object]
impl User {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode("User", self.0.id)
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// Roles within the organisation.
    async fn roles(&self) -> &[Role] {
        &self.0.roles.0
    }
    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organization>> {
        let found = state(ctx)
            .directory
            .load_one(OrganizationId(self.0.organization_id))
            .await
            .map_err(AppError::from)?;
        Ok(found.map(Organization))
    }
}

/// Loads a user for `node(id:)`: only the user themself and their organisation's admins see it.
pub async fn visible_user(ctx: &Context<'_>, id: uuid::Uuid) -> AppResult<Option<User>> {
    let s = state(ctx);
    let Some(found) = user::Entity::find_by_id(id).one(&s.db).await? else {
        return Ok(None);
    };
    Ok(access::can_read_account(&s.viewer, found.id, found.organization_id).then_some(User(found)))
}

/// Who is asking: the signed-in user, their organisation and roles; all empty when anonymous.
pub struct ViewerInfo;

#[Object(name = "Viewer")]
impl ViewerInfo {
    /// The signed-in user, or null when anonymous.
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let s = state(ctx);
        let Some(me) = s.viewer.signed_in() else {
            return Ok(None);
        };
        Ok(user::Entity::find_by_id(me.user_id)
            .one(&s.db)
            .await
            .map_err(AppError::from)?
            .map(User))
    }
    /// The signed-in user's organisation.
    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organization>> {
        let s = state(ctx);
        let Some(me) = s.viewer.signed_in() else {
            return Ok(None);
        };
        let found = s
            .directory
            .load_one(OrganizationId(me.organization_id))
            .await
            .map_err(AppError::from)?;
        Ok(found.map(Organization))
    }
    /// The signed-in user's roles (empty when anonymous).
    async fn roles(&self, ctx: &Context<'_>) -> Vec<Role> {
        state(ctx)
            .viewer
            .signed_in()
            .map(|u| u.roles.clone())
            .unwrap_or_default()
    }
}

#[derive(InputObject)]
pub struct SignInInput {
    email: String,
    password: String,
}

#[derive(InputObject)]
pub struct RefreshTokenInput {
    /// The refresh token from `signIn` or the previous `refreshToken`. Each one works once.
    refresh_token: String,
}

#[derive(InputObject)]
pub struct SignOutInput {
    refresh_token: String,
    /// Revoke every session of the user, not only this one (default false).
    all_sessions: Option<bool>,
}

/// Tokens of a new session. Send the access token as `Authorization: Bearer …`; when it
/// expires, exchange the refresh token for new ones with `refreshToken`.
#[derive(SimpleObject)]
pub struct SessionPayload {
    access_token: String,
    /// Always `Bearer`.
    token_type: &'static str,
    access_token_expires_at: DateTime,
    refresh_token: String,
    refresh_token_expires_at: DateTime,
    user: User,
}

impl From<Session> for SessionPayload {
    fn from(s: Session) -> Self {
        Self {
            access_token: s.access_token,
            token_type: "Bearer",
            access_token_expires_at: DateTime(s.access_token_expires_at),
            refresh_token: s.refresh_token,
            refresh_token_expires_at: DateTime(s.refresh_token_expires_at),
            user: User(s.user),
        }
    }
}

#[derive(SimpleObject)]
pub struct SignOutPayload {
    /// False when the refresh token was not known (signing out twice is not an error).
    signed_out: bool,
}

#[derive(Default)]
pub struct AuthQuery;

#[Object]
impl AuthQuery {
    /// Who is asking.
    async fn viewer(&self) -> ViewerInfo {
        ViewerInfo
    }
}

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Signs in with email and password. A wrong email or password gives `UNAUTHENTICATED`
    /// without saying which.
    async fn sign_in(
        &self,
        ctx: &Context<'_>,
        input: SignInInput,
    ) -> async_graphql::Result<SessionPayload> {
        let s = state(ctx);
        let session = sessions::sign_in(
            &s.db,
            &s.app.keys,
            s.app.config.refresh_token_ttl,
            &input.email,
            input.password,
            s.request_id.clone(),
        )
        .await?;
        Ok(session.into())
    }

    /// Exchanges a refresh token for new tokens. A refresh token that was already used
    /// revokes its whole session.
    async fn refresh_token(
        &self,
        ctx: &Context<'_>,
        input: RefreshTokenInput,
    ) -> async_graphql::Result<SessionPayload> {
        let s = state(ctx);
        let session = sessions::refresh(
            &s.db,
            &s.app.keys,
            s.app.config.refresh_token_ttl,
            &input.refresh_token,
            s.request_id.clone(),
        )
        .await?;
        Ok(session.into())
    }

    /// Ends the session of a refresh token (or all of the user's sessions). Access tokens
    /// already issued stay valid until they expire.
    async fn sign_out(
        &self,
        ctx: &Context<'_>,
        input: SignOutInput,
    ) -> async_graphql::Result<SignOutPayload> {
        let s = state(ctx);
        let signed_out = sessions::sign_out(
            &s.db,
            &input.refresh_token,
            input.all_sessions.unwrap_or(false),
            s.request_id.clone(),
        )
        .await?;
        Ok(SignOutPayload { signed_out })
    }
}
