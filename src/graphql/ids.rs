//! Global ids for `Node`: `base64url("Type:uuid")`, opaque to clients and safe to expose
//! (UUIDv7 carries no sequence to guess from).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::error::{AppError, Invalid};

/// The global id of a record of GraphQL type `type_name`.
pub fn encode(type_name: &str, id: Uuid) -> async_graphql::ID {
    async_graphql::ID(URL_SAFE_NO_PAD.encode(format!("{type_name}:{id}")))
}

/// Splits a global id into its type name and uuid.
pub fn decode_any(field: &str, global: &str) -> Result<(String, Uuid), AppError> {
    let invalid = || AppError::invalid(field, Invalid::Id);
    if global.len() > 128 {
        return Err(invalid());
    }
    let bytes = URL_SAFE_NO_PAD
        .decode(global.trim_end_matches('='))
        .map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (type_name, id) = text.split_once(':').ok_or_else(invalid)?;
    let id = Uuid::parse_str(id).map_err(|_| invalid())?;
    Ok((type_name.to_owned(), id))
}

/// Decodes a global id that must name `type_name`.
pub fn decode(field: &str, type_name: &str, global: &str) -> Result<Uuid, AppError> {
    match decode_any(field, global)? {
        (t, id) if t == type_name => Ok(id),
        _ => Err(AppError::invalid(field, Invalid::Id)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_keep_their_type() {
        let id = Uuid::now_v7();
        let global = encode("Organization", id);
        assert_eq!(decode("id", "Organization", &global).ok(), Some(id));
        assert!(decode("id", "Council", &global).is_err());
        assert!(decode("id", "Organization", "not-an-id").is_err());
        assert!(decode("id", "Organization", "").is_err());
    }
}
