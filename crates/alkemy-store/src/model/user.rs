//! Users and their API tokens.

use std::fmt;

use alkemy_core::{TokenId, UserId};
use serde::{Deserialize, Serialize};

use super::Timestamp;

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Id.
    pub id: UserId,
    /// E-mail address, unique (stored lower-cased).
    pub email: String,
    /// Name shown to collaborators.
    pub display_name: String,
    /// The password hash (argon2id PHC string) the server checks, if a
    /// password is set; the store never sees passwords.
    pub password_hash: Option<String>,
    /// When the account was made.
    pub created_at: Timestamp,
}

/// What is needed to make a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// E-mail address.
    pub email: String,
    /// Name shown to collaborators.
    pub display_name: String,
    /// Argon2id PHC string, if the account has a password.
    pub password_hash: Option<String>,
}

/// An API token as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    /// Id.
    pub id: TokenId,
    /// Owner.
    pub user_id: UserId,
    /// What the user called it.
    pub name: String,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it was last used to authenticate.
    pub last_used_at: Option<Timestamp>,
}

/// The secret of a new API token, shown to the user once; only its BLAKE3
/// hash is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSecret(pub String);

impl TokenSecret {
    /// The secret text (`alk_…`).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The hash that is stored and looked up.
    pub fn hash(secret: &str) -> [u8; 32] {
        *blake3::hash(secret.as_bytes()).as_bytes()
    }
}

impl fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenSecret(…)")
    }
}
