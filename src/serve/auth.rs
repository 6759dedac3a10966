//! The guards in front of every route: the Host check of a loopback bind (no DNS rebinding),
//! the access token (header `Authorization: Bearer T`, or the cookie the login page sets),
//! compared as SHA-256 digests in constant time, and the same-origin check of every POST.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{ApiError, Shared};

/// The cookie the login page sets.
pub const COOKIE: &str = "hotline_token";

/// The access token, kept as its digest.
pub struct Token([u8; 32]);

impl Token {
    pub fn new(token: &str) -> Token {
        Token(Sha256::digest(token.trim().as_bytes()).into())
    }

    /// True when `given` is the token; the time taken does not depend on where they differ.
    pub fn matches(&self, given: &str) -> bool {
        let d: [u8; 32] = Sha256::digest(given.trim().as_bytes()).into();
        self.0.ct_eq(&d).into()
    }
}

/// The token a request carries: bearer header, else the login cookie.
fn presented(headers: &HeaderMap) -> Option<String> {
    if let Some(v) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        if let Some(t) = v.strip_prefix("Bearer ") {
            return Some(t.to_string());
        }
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

/// The host part of a Host header (`127.0.0.1:8345` → `127.0.0.1`, `[::1]:80` → `::1`).
fn host_name(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("");
    }
    host.rsplit_once(':').map_or(host, |(h, _)| h)
}

fn loopback_host(host: &str) -> bool {
    let h = host_name(host).to_ascii_lowercase();
    h == "localhost"
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// True when a state-changing request comes from this site's own pages, or from a client
/// that is not a browser (no `Origin`, no `Sec-Fetch-Site`).
fn same_origin(headers: &HeaderMap) -> bool {
    let get = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    if let Some(site) = get("sec-fetch-site") {
        if site != "same-origin" && site != "none" {
            return false;
        }
    }
    match (get("origin"), get("host")) {
        (Some(origin), Some(host)) => {
            origin.strip_prefix("http://") == Some(host)
                || origin.strip_prefix("https://") == Some(host)
        }
        (Some(_), None) => false,
        (None, _) => true,
    }
}

fn refuse(status: StatusCode, message: &str) -> Response {
    ApiError {
        status,
        message: message.to_string(),
    }
    .into_response()
}

/// Host check, token check and same-origin check, in that order.
pub async fn guard(State(state): State<Shared>, req: Request, next: Next) -> Response {
    let headers = req.headers();
    if state.loopback {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !loopback_host(host) {
            return refuse(StatusCode::FORBIDDEN, "请求的主机名不是本机，已拒绝");
        }
    }
    if req.method() != Method::GET && req.method() != Method::HEAD && !same_origin(headers) {
        return refuse(StatusCode::FORBIDDEN, "跨站请求已拒绝");
    }
    let path = req.uri().path();
    let open = path == "/login" || path.starts_with("/assets/");
    if let Some(token) = &state.token {
        let ok = presented(headers).is_some_and(|t| token.matches(&t));
        if !ok && !open {
            if path.starts_with("/api/") {
                return refuse(StatusCode::UNAUTHORIZED, "需要访问令牌");
            }
            return Redirect::to("/login").into_response();
        }
    }
    next.run(req).await
}

#[derive(Deserialize)]
pub struct LoginForm {
    token: String,
}

pub async fn login_form(State(state): State<Shared>) -> Response {
    state.templates.page("login.html", minijinja::context! {})
}

pub async fn login(State(state): State<Shared>, Form(form): Form<LoginForm>) -> Response {
    match &state.token {
        Some(t) if t.matches(&form.token) => {
            let cookie = format!(
                "{COOKIE}={}; Path=/; HttpOnly; SameSite=Strict",
                form.token.trim()
            );
            ([(header::SET_COOKIE, cookie)], Redirect::to("/search")).into_response()
        }
        Some(_) => (
            StatusCode::UNAUTHORIZED,
            state.templates.page(
                "login.html",
                minijinja::context! { error => "令牌不正确，请重新输入" },
            ),
        )
            .into_response(),
        None => Redirect::to("/search").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_hosts_and_origins() {
        let t = Token::new("s3cret");
        assert!(t.matches("s3cret"));
        assert!(!t.matches("s3cre"));
        assert!(!t.matches(""));
        assert!(loopback_host("127.0.0.1:8345"));
        assert!(loopback_host("localhost:8345"));
        assert!(loopback_host("[::1]:8345"));
        assert!(!loopback_host("evil.example:8345"));
        assert!(!loopback_host("127.0.0.1.evil.example"));
        let mut h = HeaderMap::new();
        assert!(same_origin(&h));
        h.insert("host", "127.0.0.1:8345".parse().unwrap());
        h.insert("origin", "http://127.0.0.1:8345".parse().unwrap());
        assert!(same_origin(&h));
        h.insert("origin", "http://evil.example".parse().unwrap());
        assert!(!same_origin(&h));
        let mut h = HeaderMap::new();
        h.insert("sec-fetch-site", "cross-site".parse().unwrap());
        assert!(!same_origin(&h));
    }
}
