//! `hotline stats`: counts of stored cases by month, kind and department.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::IndexArgs;

#[derive(Args, Debug)]
pub struct StatsArgs {
    #[command(flatten)]
    pub index: IndexArgs,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(_args: StatsArgs) -> Result<ExitCode> {
    anyhow::bail!("stats: not implemented yet")
}
