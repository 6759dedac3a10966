//! `hotline ingest PATH...`: reads exports and report documents into the case store.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::IndexArgs;

#[derive(Args, Debug)]
pub struct IngestArgs {
    /// Files to ingest: csv, xlsx, jsonl, or report documents (txt).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub index: IndexArgs,
    /// Map a field to a column header, overriding the automatic mapping: `--map narrative=内容`.
    #[arg(long = "map", value_name = "FIELD=列名")]
    pub map: Vec<String>,
    /// The xlsx sheet to read (default: the first).
    #[arg(long)]
    pub sheet: Option<String>,
    /// Print the summary as JSON, with the list of rejected rows.
    #[arg(long)]
    pub json: bool,
}

pub fn run(_args: IngestArgs) -> Result<ExitCode> {
    anyhow::bail!("ingest: not implemented yet")
}
