//! The JSON API. Each answer has the shape the CLI prints with `--json` (`hotline search`,
//! `similar`, `tag`, `hotspots`, `stats`, `report --format json`), made by the same library
//! calls; the work runs on the blocking pool so slow requests do not hold the others up.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::{blocking, ApiError, Shared};
use crate::hotspots::period::{period_cases, Output, Period};
use crate::hotspots::{find_hotspots, Hotspot, HotspotParams};
use crate::ingest::headers::Mapping;
use crate::report::{self, Format, ReportOptions, YearMonth};
use crate::search::query::QueryOptions;
use crate::search::{self, similar, FilterText, Filters, SearchRequest, SearchResults, SortBy};

/// `/api/search` and the 检索 page's query string.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SearchParams {
    pub q: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub kind: Option<String>,
    pub dept: Option<String>,
    pub town: Option<String>,
    pub topic: Option<String>,
    pub sort: Option<String>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

impl SearchParams {
    /// The library request, read as `hotline search` reads its flags.
    pub fn request(&self) -> Result<SearchRequest, ApiError> {
        let filters = Filters::parse(&FilterText {
            from: self.from.clone(),
            to: self.to.clone(),
            kind: self.kind.clone(),
            dept: self.dept.clone(),
            town: self.town.clone(),
            topic: self.topic.clone(),
        })
        .map_err(|e| ApiError::bad_request(format!("{e:#}")))?;
        Ok(SearchRequest {
            query: self.q.clone().unwrap_or_default(),
            filters,
            sort: SortBy::parse(self.sort.as_deref().unwrap_or(""))
                .map_err(|e| ApiError::bad_request(format!("{e:#}")))?,
            limit: self.limit.unwrap_or(10),
            offset: self.offset.unwrap_or(0),
            options: QueryOptions::default(),
        })
    }
}

/// Runs a search on the blocking pool.
pub async fn run_search(state: &Shared, req: SearchRequest) -> Result<SearchResults, ApiError> {
    let store = state.store.clone();
    blocking(move || search::search(&store, &req)).await
}

pub async fn search(
    State(state): State<Shared>,
    Query(p): Query<SearchParams>,
) -> Result<Json<SearchResults>, ApiError> {
    let req = p.request()?;
    if req.query.trim().is_empty() && req.filters.is_empty() {
        return Err(ApiError::bad_request("请输入检索词或筛选条件"));
    }
    Ok(Json(run_search(&state, req).await?))
}

#[derive(Debug, Deserialize)]
pub struct SimilarParams {
    pub text: Option<String>,
    pub id: Option<String>,
    pub limit: Option<usize>,
}

pub async fn similar(
    State(state): State<Shared>,
    Query(p): Query<SimilarParams>,
) -> Result<Json<Vec<similar::SimilarCase>>, ApiError> {
    let limit = p.limit.unwrap_or(5).min(50);
    let store = state.store.clone();
    let text = p.text.unwrap_or_default();
    let res = match (p.id, text.trim().is_empty()) {
        (Some(id), true) => blocking(move || similar::similar_to_id(&store, &id, limit)).await?,
        (None, false) => blocking(move || similar::similar_to_text(&store, &text, limit)).await?,
        (Some(_), false) => return Err(ApiError::bad_request("id 和 text 只能给一个")),
        (None, true) => return Err(ApiError::bad_request("请给出案件编号 id 或诉求文本 text")),
    };
    Ok(Json(res))
}

#[derive(Debug, Deserialize)]
pub struct TagBody {
    pub text: String,
    #[serde(default)]
    pub title: String,
}

/// The tags of a text as `hotline tag --json` prints them, with the store's own route model
/// when it has one.
pub async fn tag_value(
    state: &Shared,
    text: String,
    title: String,
) -> Result<serde_json::Value, ApiError> {
    let own = state.tagger();
    blocking(move || {
        let t = own.as_deref().unwrap_or_else(|| crate::tag::tagger());
        let tags = t.tag(&title, &text);
        Ok(crate::tag::json::tag_json(None, &text, &tags))
    })
    .await
}

pub async fn tag(
    State(state): State<Shared>,
    Json(body): Json<TagBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    if body.text.trim().is_empty() {
        return Err(ApiError::bad_request("请输入诉求内容"));
    }
    Ok(Json(tag_value(&state, body.text, body.title).await?))
}

pub async fn case(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<crate::model::Case>, ApiError> {
    let store = state.store.clone();
    let id2 = id.clone();
    match blocking(move || store.get(&id2)).await? {
        Some(c) => Ok(Json(c)),
        None => Err(ApiError::not_found(format!("没有编号为 {id} 的案件"))),
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct HotspotsParams {
    pub month: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub topic: Option<String>,
    pub top: Option<usize>,
}

/// A period's hotspots and its case count (the `hotline hotspots --json` fields).
pub struct PeriodHotspots {
    pub period: Option<Period>,
    pub cases: usize,
    pub hotspots: Vec<Hotspot>,
    /// The period's cases by id (for the page's drill-down).
    pub titles: std::collections::HashMap<String, String>,
}

pub async fn load_hotspots(state: &Shared, p: HotspotsParams) -> Result<PeriodHotspots, ApiError> {
    let blank = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
    let store = state.store.clone();
    blocking(move || {
        let period = Period::parse(
            blank(p.month).as_deref(),
            blank(p.from).as_deref(),
            blank(p.to).as_deref(),
        )?;
        let topic = blank(p.topic);
        let pc = period_cases(&store, period, topic.as_deref())?;
        let params = HotspotParams {
            top: p.top.unwrap_or(10),
            previous: pc.previous,
            ..HotspotParams::default()
        };
        let hotspots = find_hotspots(&pc.current, &params);
        let titles = pc
            .current
            .iter()
            .map(|c| {
                let t = c.title.as_deref().unwrap_or(&c.narrative);
                (c.id.clone(), crate::text::excerpt(t, 60))
            })
            .collect();
        Ok(PeriodHotspots {
            period: period.map(|p| p.0),
            cases: pc.current.len(),
            hotspots,
            titles,
        })
    })
    .await
}

pub async fn hotspots(
    State(state): State<Shared>,
    Query(p): Query<HotspotsParams>,
) -> Result<Response, ApiError> {
    let h = load_hotspots(&state, p).await?;
    let out = Output {
        period: h.period,
        cases: h.cases,
        hotspots: &h.hotspots,
    };
    Ok(Json(serde_json::to_value(&out).map_err(ApiError::internal)?).into_response())
}

#[derive(Debug, Deserialize)]
pub struct ReportParams {
    pub month: Option<String>,
    pub format: Option<String>,
    pub title: Option<String>,
}

/// The month's report rendered in `format`, from the store as `hotline report` reads it.
pub async fn render_report(
    state: &Shared,
    month: YearMonth,
    format: Format,
    title: Option<String>,
) -> Result<Vec<u8>, ApiError> {
    let store = state.store.clone();
    blocking(move || {
        let cases = report::store::month_cases(&store, month, false)?;
        let opts = ReportOptions {
            title: title.filter(|t| !t.trim().is_empty()),
            ..ReportOptions::default()
        };
        let built = report::build_month(&cases, month, &opts);
        report::render(&built, format)
    })
    .await
}

fn content_type(format: Format) -> &'static str {
    match format {
        Format::Markdown => "text/markdown; charset=utf-8",
        Format::Html => "text/html; charset=utf-8",
        Format::Json => "application/json",
        Format::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
}

pub async fn report(
    State(state): State<Shared>,
    Query(p): Query<ReportParams>,
) -> Result<Response, ApiError> {
    let month = p
        .month
        .as_deref()
        .ok_or_else(|| ApiError::bad_request("请给出月份 month=YYYY-MM"))?;
    let month = YearMonth::parse(month).map_err(|e| ApiError::bad_request(format!("{e:#}")))?;
    let format = Format::parse(p.format.as_deref().unwrap_or("html"))
        .map_err(|e| ApiError::bad_request(format!("{e:#}")))?;
    let bytes = render_report(&state, month, format, p.title).await?;
    let mut res = ([(header::CONTENT_TYPE, content_type(format))], bytes).into_response();
    if !format.is_text() || format == Format::Markdown {
        let disposition = format!(
            "attachment; filename=\"report-{month}.{}\"",
            format.extension()
        );
        if let Ok(v) = disposition.parse() {
            res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
        }
    }
    Ok(res)
}

pub async fn stats(State(state): State<Shared>) -> Result<Json<crate::index::Stats>, ApiError> {
    let store = state.store.clone();
    Ok(Json(blocking(move || store.stats()).await?))
}

#[derive(Debug, Deserialize)]
pub struct MappingBody {
    pub headers: Vec<String>,
}

/// The column mapping `hotline ingest` would use for a header row:
/// `{"columns": [{header, field, label}]}`.
pub async fn mapping(Json(body): Json<MappingBody>) -> Result<Json<serde_json::Value>, ApiError> {
    let m =
        Mapping::new(&body.headers, &[]).map_err(|e| ApiError::bad_request(format!("{e:#}")))?;
    let cols: Vec<serde_json::Value> = m
        .headers
        .iter()
        .zip(&m.fields)
        .map(|(h, f)| {
            // The field as the exports name it (its first Chinese alias), for the page.
            let label = f.and_then(|f| f.aliases().iter().find(|a| !a.is_ascii()).cloned());
            serde_json::json!({"header": h, "field": f.map(|f| f.name()), "label": label})
        })
        .collect();
    Ok(Json(serde_json::json!({ "columns": cols })))
}
