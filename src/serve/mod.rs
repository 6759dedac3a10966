//! `hotline serve`: the office's local web workspace over the same library as the CLI.
//!
//! An axum server with pages rendered on the server ([`pages`], minijinja templates embedded
//! in the binary), a JSON API with the CLI's `--json` shapes ([`api`]), background ingest jobs
//! ([`jobs`]) and the guards that make it safe by default ([`auth`]: loopback unless a token
//! is set, constant-time token check, same-origin POSTs, Host check against DNS rebinding).
//! One [`CaseStore`] is shared by every request; an ingest commits through it, so searches keep
//! answering during an ingest and see each commit.

pub mod api;
pub mod auth;
pub mod jobs;
pub mod pages;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use thiserror::Error;

use crate::index::CaseStore;

/// Default address: loopback only.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8345";
/// Default upload limit in MB.
pub const DEFAULT_MAX_UPLOAD_MB: usize = 200;

/// How to run the server.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The case store directory (created when missing).
    pub index: PathBuf,
    pub addr: SocketAddr,
    /// Access token; required for a non-loopback address.
    pub token: Option<String>,
    /// Largest upload (all files of one request) in MB.
    pub max_upload_mb: usize,
}

/// Why the server did not start.
#[derive(Debug, Error)]
pub enum ServeError {
    #[error("拒绝在非本机地址 {0} 上无令牌运行：请用 --token（或环境变量 HOTLINE_TOKEN）设置访问令牌，或改用 127.0.0.1")]
    PublicWithoutToken(SocketAddr),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot open the case store: {0:#}")]
    Store(anyhow::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl ServeConfig {
    /// Refuses a non-loopback address without a token.
    pub fn check(&self) -> Result<(), ServeError> {
        let has_token = self.token.as_deref().is_some_and(|t| !t.trim().is_empty());
        if !self.addr.ip().is_loopback() && !has_token {
            return Err(ServeError::PublicWithoutToken(self.addr));
        }
        Ok(())
    }
}

/// What every handler shares.
pub struct AppState {
    pub store: Arc<CaseStore>,
    pub token: Option<auth::Token>,
    /// Bound to a loopback address: requests must name a loopback Host.
    pub loopback: bool,
    pub jobs: jobs::Jobs,
    pub templates: pages::Templates,
    /// The tagger with the store's own route model (`None`: the process-wide tagger); loaded
    /// again after each ingest job, which may have retrained that model.
    pub tagger: std::sync::RwLock<Option<Arc<crate::tag::Tagger>>>,
}

impl AppState {
    /// The tagger for this store (see [`AppState::tagger`]).
    pub fn tagger(&self) -> Option<Arc<crate::tag::Tagger>> {
        self.tagger.read().ok().and_then(|t| t.clone())
    }

    /// Loads the store's route model again (after an ingest); on an error the tagger in use
    /// is kept.
    pub fn reload_tagger(&self) {
        if let Ok(t) = crate::tag::store_tagger(&self.store) {
            if let Ok(mut slot) = self.tagger.write() {
                *slot = t.map(Arc::new);
            }
        }
    }
}

pub type Shared = Arc<AppState>;

/// An error answered to a request: a status and a message for the user.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }
    pub fn internal(e: impl std::fmt::Display) -> ApiError {
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: format!("服务器内部错误：{e:#}"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            axum::Json(serde_json::json!({"error": self.message})),
        )
            .into_response()
    }
}

/// Runs `f` on the blocking pool (tantivy reads, tagging, report rendering).
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(ApiError::bad_request(format!("{e:#}"))),
        Err(e) => Err(ApiError::internal(e)),
    }
}

/// The state for `cfg`: opens (or creates) the store.
pub fn state(cfg: &ServeConfig) -> Result<Shared, ServeError> {
    cfg.check()?;
    let store = CaseStore::open(&cfg.index).map_err(ServeError::Store)?;
    let tagger = crate::tag::store_tagger(&store)
        .map_err(ServeError::Store)?
        .map(Arc::new);
    Ok(Arc::new(AppState {
        store: Arc::new(store),
        token: cfg
            .token
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .map(auth::Token::new),
        loopback: cfg.addr.ip().is_loopback(),
        jobs: jobs::Jobs::new(cfg.max_upload_mb)?,
        templates: pages::Templates::new(),
        tagger: std::sync::RwLock::new(tagger),
    }))
}

/// Every route: pages, API, assets, with the guards of [`auth`].
pub fn router(state: Shared) -> Router {
    let upload_limit = state.jobs.max_upload_bytes();
    Router::new()
        .route("/", get(pages::home))
        .route("/search", get(pages::search))
        .route("/case/{id}", get(pages::case))
        .route("/tag", get(pages::tag_form).post(pages::tag_result))
        .route("/ingest", get(pages::ingest))
        .route("/hotspots", get(pages::hotspots))
        .route("/report", get(pages::report))
        .route("/stats", get(pages::stats))
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/assets/{name}", get(pages::asset))
        .route("/api/search", get(api::search))
        .route("/api/similar", get(api::similar))
        .route("/api/tag", post(api::tag))
        .route("/api/cases/{id}", get(api::case))
        .route("/api/hotspots", get(api::hotspots))
        .route("/api/report", get(api::report))
        .route("/api/stats", get(api::stats))
        .route("/api/mapping", post(api::mapping))
        .route(
            "/api/ingest",
            post(jobs::ingest).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/api/jobs/{id}", get(jobs::job))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::guard,
        ))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Headers on every answer: no framing by other sites, no sniffing, scripts only from here.
async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert("x-frame-options", HeaderValue::from_static("SAMEORIGIN"));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'self'",
    ));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    res
}

/// A server running on a background thread (tests, benches); stops when dropped.
pub struct Running {
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// How often the store is reloaded to see commits made by another process (`hotline ingest`
/// in a terminal); this server's own ingests are seen at each of their commits.
const RELOAD_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

fn spawn_reloader(store: Arc<CaseStore>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(RELOAD_EVERY);
        loop {
            tick.tick().await;
            let s = store.clone();
            let _ = tokio::task::spawn_blocking(move || s.reload()).await;
        }
    });
}

fn listen(addr: SocketAddr) -> Result<std::net::TcpListener, ServeError> {
    let l =
        std::net::TcpListener::bind(addr).map_err(|source| ServeError::Bind { addr, source })?;
    l.set_nonblocking(true)?;
    Ok(l)
}

fn runtime() -> Result<tokio::runtime::Runtime, ServeError> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Starts the server on `cfg.addr` (port 0: any free port) on a background thread.
pub fn spawn(cfg: &ServeConfig) -> Result<Running, ServeError> {
    let state = state(cfg)?;
    let listener = listen(cfg.addr)?;
    let addr = listener.local_addr()?;
    let rt = runtime()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        rt.block_on(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                return;
            };
            spawn_reloader(state.store.clone());
            let _ = axum::serve(listener, router(state))
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
    });
    Ok(Running {
        addr,
        shutdown: Some(tx),
        thread: Some(thread),
    })
}

/// Runs the server in the foreground until Ctrl-C; `on_listen` is told the bound address.
pub fn run(cfg: &ServeConfig, on_listen: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    let state = state(cfg)?;
    let listener = listen(cfg.addr)?;
    on_listen(listener.local_addr()?);
    runtime()?.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        spawn_reloader(state.store.clone());
        axum::serve(listener, router(state))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        Ok(())
    })
}
