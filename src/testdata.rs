//! Locating the shared public datasets (`../shared` beside the checkout) for evaluations and
//! the tests gated on their presence.

use std::path::PathBuf;

/// `$HOTLINE_SHARED` if set, else `../shared` beside the crate root; `None` when absent.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("HOTLINE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    dir.join("datasets").is_dir().then_some(dir)
}

/// The crate root (where corpus/ and models/ live).
pub fn project_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
