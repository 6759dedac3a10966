//! `hotline hotspots`: a period's concrete hotspots with their heat.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::IndexArgs;

#[derive(Args, Debug)]
pub struct HotspotsArgs {
    #[command(flatten)]
    pub index: IndexArgs,
    #[arg(long)]
    pub from: Option<String>,
    #[arg(long)]
    pub to: Option<String>,
    /// YYYY-MM.
    #[arg(long)]
    pub month: Option<String>,
    #[arg(long)]
    pub topic: Option<String>,
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    #[arg(long)]
    pub json: bool,
}

pub fn run(_args: HotspotsArgs) -> Result<ExitCode> {
    anyhow::bail!("hotspots: not implemented yet")
}
