//! The Viewer: who is asking. Built once per request by the HTTP layer from the bearer token
//! (or anonymous when there is none); every area's rules take it as an argument.

use entity::enums::{OrganizationKind, Role};
use uuid::Uuid;

/// A signed-in user, as far as the sharing rules need to know them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedIn {
    pub user_id: Uuid,
    pub organization_id: Uuid,
    pub organization_code: String,
    pub organization_kind: OrganizationKind,
    /// The prefecture the organisation belongs to: its own id for a prefecture, its
    /// prefecture's id for a municipality, none for national and partner bodies.
    pub prefecture_id: Option<Uuid>,
    pub roles: Vec<Role>,
}

/// Who is asking.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Viewer {
    #[default]
    Anonymous,
    User(SignedIn),
}

impl Viewer {
    pub fn signed_in(&self) -> Option<&SignedIn> {
        match self {
            Self::User(user) => Some(user),
            Self::Anonymous => None,
        }
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.signed_in().is_some_and(|u| u.roles.contains(&role))
    }

    pub fn organization_id(&self) -> Option<Uuid> {
        self.signed_in().map(|u| u.organization_id)
    }
}
