//! `hotline serve`: starts the local web workspace ([`crate::serve`]).

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::IndexArgs;
use crate::serve::{self, ServeConfig, DEFAULT_ADDR, DEFAULT_MAX_UPLOAD_MB};

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub index: IndexArgs,
    /// Address to listen on; anything but loopback needs --token.
    #[arg(long, default_value = DEFAULT_ADDR)]
    pub addr: SocketAddr,
    /// Access token every request must carry (header `Authorization: Bearer T`, or the
    /// login page's cookie).
    #[arg(long, env = "HOTLINE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Largest upload in MB.
    #[arg(long, default_value_t = DEFAULT_MAX_UPLOAD_MB)]
    pub max_upload_mb: usize,
}

pub fn run(args: ServeArgs) -> Result<ExitCode> {
    let cfg = ServeConfig {
        index: args.index.index.clone(),
        addr: args.addr,
        token: args.token.clone(),
        max_upload_mb: args.max_upload_mb,
    };
    serve::run(&cfg, |addr| {
        eprintln!(
            "hotline: 工作台已启动：http://{addr}/ （案件库 {}，Ctrl-C 退出）",
            cfg.index.display()
        );
    })?;
    Ok(ExitCode::SUCCESS)
}
