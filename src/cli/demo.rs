//! `hotline demo`: builds a fresh index from corpus/ and shows what the product does.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// The corpus directory (default: corpus/ of this project).
    #[arg(long)]
    pub corpus: Option<PathBuf>,
    /// Where to write the report files (default: a temporary directory).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(_args: DemoArgs) -> Result<ExitCode> {
    anyhow::bail!("demo: not implemented yet")
}
