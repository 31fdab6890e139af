//! Who is asking: passwords, tokens, sessions and the Viewer.

pub mod graphql;
pub mod password;
pub mod sessions;
pub mod token;
pub mod viewer;

pub use viewer::Viewer;
