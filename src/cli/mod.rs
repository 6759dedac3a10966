//! Command implementations: argument structs (clap) and the `run` functions `main.rs` calls.
//!
//! Each file here parses nothing itself and holds no pipeline logic: it wires a stage of the
//! library to the terminal (human output, `--json`, exit status).

use std::path::PathBuf;

use clap::Args;

pub mod demo;
pub mod hotspots;
pub mod ingest;
pub mod report;
pub mod search;
pub mod segment;
pub mod serve;
pub mod stats;
pub mod tag;
pub mod urgency;

/// Where the case store lives: `--index DIR`, else `$HOTLINE_INDEX`, else `./hotline-index`.
#[derive(Args, Debug, Clone)]
pub struct IndexArgs {
    /// The case store directory.
    #[arg(long = "index", env = "HOTLINE_INDEX", default_value = "hotline-index")]
    pub index: PathBuf,
}
