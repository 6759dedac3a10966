//! The pages of the workspace (检索, 案件, 智能分类, 导入, 热点, 月报, 统计), rendered on the
//! server from minijinja templates embedded in the binary, with HTML autoescaping: every value
//! a page shows is escaped, except the search snippets, which the library escapes itself before
//! marking the matched words. Static assets are a fixed table, so no path can leave them.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use minijinja::{context, Environment, Value};
use serde::{Deserialize, Serialize};

use super::api::{self, HotspotsParams, SearchParams};
use super::{blocking, ApiError, Shared};
use crate::model::Kind;
use crate::report::{charts, topic_name, Format, YearMonth, TOPICS};
use crate::search::similar;

/// Hits per page on 检索.
const PAGE: usize = 20;

const TEMPLATES: [(&str, &str); 10] = [
    ("base.html", include_str!("templates/base.html")),
    ("search.html", include_str!("templates/search.html")),
    ("case.html", include_str!("templates/case.html")),
    ("tag.html", include_str!("templates/tag.html")),
    ("ingest.html", include_str!("templates/ingest.html")),
    ("hotspots.html", include_str!("templates/hotspots.html")),
    ("report.html", include_str!("templates/report.html")),
    ("stats.html", include_str!("templates/stats.html")),
    ("login.html", include_str!("templates/login.html")),
    ("error.html", include_str!("templates/error.html")),
];

/// The embedded assets: name, content type, bytes.
const ASSETS: [(&str, &str, &str); 2] = [
    (
        "style.css",
        "text/css; charset=utf-8",
        include_str!("assets/style.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/app.js"),
    ),
];

/// The page templates (HTML autoescape on: every name ends in `.html`).
pub struct Templates {
    env: Environment<'static>,
}

impl Default for Templates {
    fn default() -> Self {
        Templates::new()
    }
}

impl Templates {
    pub fn new() -> Templates {
        let mut env = Environment::new();
        for (name, src) in TEMPLATES {
            env.add_template(name, src)
                .unwrap_or_else(|e| panic!("template {name}: {e:#}"));
        }
        env.add_global("topics", Value::from_serialize(TOPICS));
        env.add_global(
            "kinds",
            Value::from_serialize(Kind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>()),
        );
        env.add_filter("topic_name", |id: String| topic_name(&id).to_string());
        Templates { env }
    }

    /// The rendered page, or a 500 naming the template error.
    pub fn page(&self, name: &str, ctx: Value) -> Response {
        match self.env.get_template(name).and_then(|t| t.render(ctx)) {
            Ok(html) => Html(html).into_response(),
            Err(e) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("页面生成失败：{e:#}"),
            )
                .into_response(),
        }
    }

    /// An error page with the status of `e`.
    pub fn error(&self, e: ApiError) -> Response {
        let page = self.page(
            "error.html",
            context! { status => e.status.as_u16(), message => e.message },
        );
        (e.status, page).into_response()
    }
}

pub async fn home() -> Redirect {
    Redirect::to("/search")
}

pub async fn not_found(State(state): State<Shared>) -> Response {
    state.templates.error(ApiError::not_found("页面不存在"))
}

pub async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, ty, body)) => (
            [
                (header::CONTENT_TYPE, *ty),
                (header::CACHE_CONTROL, "max-age=3600"),
            ],
            *body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// The query string of `p` at another offset (paging links).
fn query_at(p: &SearchParams, offset: usize) -> BTreeMap<&'static str, String> {
    let mut q = BTreeMap::new();
    for (k, v) in [
        ("q", &p.q),
        ("from", &p.from),
        ("to", &p.to),
        ("kind", &p.kind),
        ("dept", &p.dept),
        ("town", &p.town),
        ("topic", &p.topic),
        ("sort", &p.sort),
    ] {
        if let Some(v) = v.as_ref().filter(|v| !v.trim().is_empty()) {
            q.insert(k, v.clone());
        }
    }
    q.insert("offset", offset.to_string());
    q
}

pub async fn search(State(state): State<Shared>, Query(p): Query<SearchParams>) -> Response {
    let mut p = p;
    p.limit = Some(PAGE);
    let offset = p.offset.unwrap_or(0);
    let req = match p.request() {
        Ok(r) => r,
        Err(e) => {
            return state.templates.page(
                "search.html",
                context! { p => form_of(&p), error => e.message },
            )
        }
    };
    if req.query.trim().is_empty() && req.filters.is_empty() {
        return state
            .templates
            .page("search.html", context! { p => form_of(&p) });
    }
    match api::run_search(&state, req).await {
        Ok(res) => {
            let shown = res.hits.len();
            let prev = (offset > 0).then(|| query_at(&p, offset.saturating_sub(PAGE)));
            let next = (offset + shown < res.total_hits).then(|| query_at(&p, offset + PAGE));
            state.templates.page(
                "search.html",
                context! {
                    p => form_of(&p), res => res, first => offset + 1,
                    last => offset + shown, prev => prev, next => next,
                },
            )
        }
        Err(e) => state.templates.page(
            "search.html",
            context! { p => form_of(&p), error => e.message },
        ),
    }
}

/// The form fields as typed, for refilling the form.
#[derive(Serialize)]
struct FormValues<'a> {
    q: &'a str,
    from: &'a str,
    to: &'a str,
    kind: &'a str,
    dept: &'a str,
    town: &'a str,
    topic: &'a str,
    sort: &'a str,
}

fn text(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

fn form_of(p: &SearchParams) -> FormValues<'_> {
    let s = text;
    FormValues {
        q: s(&p.q),
        from: s(&p.from),
        to: s(&p.to),
        kind: s(&p.kind),
        dept: s(&p.dept),
        town: s(&p.town),
        topic: s(&p.topic),
        sort: s(&p.sort),
    }
}

pub async fn case(State(state): State<Shared>, Path(id): Path<String>) -> Response {
    let store = state.store.clone();
    let found = blocking(move || {
        let Some(case) = store.get(&id)? else {
            return Ok(None);
        };
        let similar = similar::similar_to_id(&store, &id, 5)?;
        Ok(Some((case, similar)))
    })
    .await;
    match found {
        Ok(Some((case, similar))) => state
            .templates
            .page("case.html", context! { case => case, similar => similar }),
        Ok(None) => state
            .templates
            .error(ApiError::not_found("没有这个编号的案件")),
        Err(e) => state.templates.error(e),
    }
}

#[derive(Debug, Deserialize)]
pub struct TagForm {
    #[serde(default)]
    pub text: String,
}

pub async fn tag_form(State(state): State<Shared>) -> Response {
    state.templates.page("tag.html", context! {})
}

pub async fn tag_result(State(state): State<Shared>, Form(form): Form<TagForm>) -> Response {
    let text = form.text.trim().to_string();
    if text.is_empty() {
        return state
            .templates
            .page("tag.html", context! { error => "请粘贴诉求内容" });
    }
    let tags = match api::tag_value(&state, text.clone(), String::new()).await {
        Ok(t) => t,
        Err(e) => return state.templates.error(e),
    };
    let store = state.store.clone();
    let t2 = text.clone();
    let similar = blocking(move || similar::similar_to_text(&store, &t2, 5))
        .await
        .unwrap_or_default();
    state.templates.page(
        "tag.html",
        context! { text => text, tags => tags, similar => similar },
    )
}

pub async fn ingest(State(state): State<Shared>) -> Response {
    state.templates.page(
        "ingest.html",
        context! { max_mb => state.jobs.max_upload_bytes() / (1024 * 1024) },
    )
}

/// The latest month with cases (the default of 热点 and 月报).
async fn latest_month(state: &Shared) -> Option<String> {
    let store = state.store.clone();
    let stats = blocking(move || store.stats()).await.ok()?;
    stats.by_month.keys().next_back().cloned()
}

#[derive(Debug, Deserialize)]
pub struct MonthParams {
    pub month: Option<String>,
    pub top: Option<usize>,
}

fn trend(count: usize, previous: Option<usize>) -> &'static str {
    match previous {
        None => "无上月数据",
        Some(0) => "新出现",
        Some(p) if count > p => "上升",
        Some(p) if count < p => "下降",
        Some(_) => "持平",
    }
}

pub async fn hotspots(State(state): State<Shared>, Query(p): Query<MonthParams>) -> Response {
    let month = match p.month.filter(|m| !m.trim().is_empty()) {
        Some(m) => m,
        None => match latest_month(&state).await {
            Some(m) => m,
            None => {
                return state
                    .templates
                    .page("hotspots.html", context! { empty => true })
            }
        },
    };
    let top = p.top.unwrap_or(10).clamp(1, 50);
    let params = HotspotsParams {
        month: Some(month.clone()),
        top: Some(top),
        ..HotspotsParams::default()
    };
    let h = match api::load_hotspots(&state, params).await {
        Ok(h) => h,
        Err(e) => {
            return state.templates.page(
                "hotspots.html",
                context! { month => month, top => top, error => e.message },
            )
        }
    };
    let bars: Vec<(String, usize)> = h
        .hotspots
        .iter()
        .map(|s| (crate::text::excerpt(&s.label, 14), s.case_count))
        .collect();
    let chart = charts::hbar("热点件数", &bars).ok().flatten();
    let rows: Vec<Value> = h
        .hotspots
        .iter()
        .map(|s| {
            let cases: Vec<(String, String)> = s
                .case_ids
                .iter()
                .map(|id| (id.clone(), h.titles.get(id).cloned().unwrap_or_default()))
                .collect();
            context! {
                s => s, trend => trend(s.case_count, s.previous_count),
                heat => format!("{:.2}", s.heat), cases => cases,
                first => s.first.map(|t| t.date().to_string()),
                last => s.last.map(|t| t.date().to_string()),
            }
        })
        .collect();
    state.templates.page(
        "hotspots.html",
        context! {
            month => month, top => top, cases => h.cases, rows => rows,
            chart => chart.map(Value::from_safe_string),
        },
    )
}

pub async fn report(State(state): State<Shared>, Query(p): Query<MonthParams>) -> Response {
    let month = match p.month.filter(|m| !m.trim().is_empty()) {
        Some(m) => Some(m),
        None => latest_month(&state).await,
    };
    let Some(month) = month else {
        return state
            .templates
            .page("report.html", context! { empty => true });
    };
    let ym = match YearMonth::parse(&month) {
        Ok(m) => m,
        Err(e) => {
            return state.templates.page(
                "report.html",
                context! { month => month, error => format!("{e:#}") },
            )
        }
    };
    let formats: Vec<(&str, &str)> = [Format::Docx, Format::Xlsx, Format::Markdown, Format::Html]
        .iter()
        .map(|f| {
            (
                f.extension(),
                match f {
                    Format::Docx => "Word（docx）",
                    Format::Xlsx => "Excel（xlsx）",
                    Format::Markdown => "Markdown",
                    _ => "网页（html）",
                },
            )
        })
        .collect();
    state.templates.page(
        "report.html",
        context! { month => ym.to_string(), month_zh => ym.zh(), formats => formats },
    )
}

pub async fn stats(State(state): State<Shared>) -> Response {
    let store = state.store.clone();
    match blocking(move || store.stats()).await {
        Ok(s) => {
            let months: Vec<(String, u64)> =
                s.by_month.iter().map(|(k, v)| (k.clone(), *v)).collect();
            let max = months.iter().map(|m| m.1).max().unwrap_or(1).max(1);
            state.templates.page(
                "stats.html",
                context! { s => s, months => months, max => max },
            )
        }
        Err(e) => state.templates.error(e),
    }
}
