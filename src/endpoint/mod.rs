//! Where a node is and how it is reached, as users give it: its URL (credentials taken out,
//! never shown) and the secrets that authenticate to it. Below both the configuration, which
//! resolves them, and the live connection, which uses them.

pub mod secret;
pub mod url;
