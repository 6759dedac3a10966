//! Ingest jobs: `POST /api/ingest` stores the uploaded files in a temporary directory (as
//! `upload-N.ext`: a sent file name never becomes a path), answers `{"job": ID}` at once and
//! ingests on the blocking pool; `GET /api/jobs/ID` tells its state, progress and, when done,
//! the ingest summary (with the sent file names). One ingest runs at a time: a second upload
//! meanwhile is refused with 409. The files are removed when the ingest ends.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use serde::Serialize;

use super::{ApiError, Shared};
use crate::pipeline::{ingest_paths_observed, IngestOptions, IngestProgress, IngestReport};

/// Extensions an upload may have (the inputs `hotline ingest` reads).
pub const EXTENSIONS: [&str; 6] = ["csv", "tsv", "xlsx", "jsonl", "txt", "md"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Running,
    Done,
    Failed,
}

/// One ingest job as `GET /api/jobs/ID` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Job {
    pub id: u64,
    pub state: JobState,
    /// The file names as sent.
    pub files: Vec<String>,
    pub progress: IngestProgress,
    /// The ingest summary (`hotline ingest --json`), when done.
    pub summary: Option<IngestReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The jobs of this server and the one-at-a-time guard.
pub struct Jobs {
    jobs: Mutex<HashMap<u64, Job>>,
    busy: Arc<AtomicBool>,
    next: AtomicU64,
    dir: tempfile::TempDir,
    max_upload_mb: usize,
}

impl Jobs {
    pub fn new(max_upload_mb: usize) -> std::io::Result<Jobs> {
        Ok(Jobs {
            jobs: Mutex::new(HashMap::new()),
            busy: Arc::new(AtomicBool::new(false)),
            next: AtomicU64::new(1),
            dir: tempfile::Builder::new()
                .prefix("hotline-uploads")
                .tempdir()?,
            max_upload_mb,
        })
    }

    pub fn max_upload_bytes(&self) -> usize {
        self.max_upload_mb.saturating_mul(1024 * 1024)
    }

    fn update(&self, id: u64, f: impl FnOnce(&mut Job)) {
        if let Ok(mut jobs) = self.jobs.lock() {
            if let Some(j) = jobs.get_mut(&id) {
                f(j);
            }
        }
    }

    pub fn get(&self, id: u64) -> Option<Job> {
        self.jobs.lock().ok()?.get(&id).cloned()
    }
}

/// Clears the busy flag when the ingest ends, however it ends.
struct BusyGuard(Arc<AtomicBool>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// The extension of a sent file name, when it is one `hotline ingest` reads.
fn upload_extension(name: &str) -> Option<String> {
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    EXTENSIONS.contains(&ext.as_str()).then_some(ext)
}

fn too_large(max_mb: usize) -> ApiError {
    ApiError {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        message: format!("上传文件过大（上限 {max_mb} MB，可用 --max-upload-mb 调整）"),
    }
}

/// Writes the `file` fields of the request into `dir`; returns (path, sent name) pairs.
async fn receive(
    multipart: &mut Multipart,
    dir: &std::path::Path,
    max_mb: usize,
) -> Result<Vec<(PathBuf, String)>, ApiError> {
    let mut files = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large(max_mb)),
            Err(e) => return Err(ApiError::bad_request(format!("上传内容无法读取：{e}"))),
        };
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("").to_string();
        let Some(ext) = upload_extension(&name) else {
            return Err(ApiError::bad_request(format!(
                "不支持的文件类型：{name}（请上传 {} 文件）",
                EXTENSIONS.join("、")
            )));
        };
        let path = dir.join(format!("upload-{}.{ext}", files.len() + 1));
        let mut out = std::fs::File::create(&path).map_err(ApiError::internal)?;
        let mut field = field;
        loop {
            match field.chunk().await {
                Ok(Some(bytes)) => out.write_all(&bytes).map_err(ApiError::internal)?,
                Ok(None) => break,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    return Err(too_large(max_mb))
                }
                Err(e) => return Err(ApiError::bad_request(format!("上传中断：{e}"))),
            }
        }
        files.push((path, name));
    }
    Ok(files)
}

/// The summary with the sent names in place of the temporary paths.
fn rename_files(report: &mut IngestReport, files: &[(PathBuf, String)]) {
    let names: HashMap<String, &str> = files
        .iter()
        .flat_map(|(p, n)| {
            let full = p.display().to_string();
            let base = p
                .file_name()
                .map(|f| f.to_string_lossy().to_string())
                .unwrap_or_default();
            [(full, n.as_str()), (base, n.as_str())]
        })
        .collect();
    let rename = |s: &mut String| {
        if let Some(n) = names.get(s.as_str()) {
            *s = n.to_string();
        } else {
            for (path, n) in files {
                *s = s.replace(&path.display().to_string(), n);
            }
        }
    };
    for f in &mut report.files {
        rename(&mut f.file);
        if let Some(e) = &mut f.error {
            rename(e);
        }
        for w in &mut f.warnings {
            rename(w);
        }
    }
    for r in &mut report.rejects {
        rename(&mut r.file);
    }
}

/// The request's declared length, when it says one.
fn declared_length(headers: &HeaderMap) -> Option<usize> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

pub async fn ingest(
    State(state): State<Shared>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Result<Json<serde_json::Value>, ApiError> {
    let jobs = &state.jobs;
    // A body declared over the limit is refused before any of it is read (a body without a
    // length is cut off by the limit while it streams in).
    if declared_length(&headers).is_some_and(|n| n > jobs.max_upload_bytes()) {
        return Err(too_large(jobs.max_upload_mb));
    }
    if jobs
        .busy
        .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
        .is_err()
    {
        return Err(ApiError {
            status: StatusCode::CONFLICT,
            message: "已有导入任务正在进行，请等待其完成后再上传".into(),
        });
    }
    let guard = BusyGuard(jobs.busy.clone());
    let id = jobs.next.fetch_add(1, Ordering::SeqCst);
    let dir = jobs.dir.path().join(format!("job-{id}"));
    std::fs::create_dir_all(&dir).map_err(ApiError::internal)?;
    let files = match receive(&mut multipart, &dir, jobs.max_upload_mb).await {
        Ok(f) if f.is_empty() => Err(ApiError::bad_request("请选择要导入的文件（字段 file）")),
        r => r,
    };
    let files = match files {
        Ok(f) => f,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(e);
        }
    };
    let job = Job {
        id,
        state: JobState::Running,
        files: files.iter().map(|(_, n)| n.clone()).collect(),
        progress: IngestProgress {
            files: files.len(),
            ..IngestProgress::default()
        },
        summary: None,
        error: None,
    };
    if let Ok(mut all) = jobs.jobs.lock() {
        all.insert(id, job);
    }
    let state2 = state.clone();
    tokio::task::spawn_blocking(move || {
        let _guard = guard;
        let paths: Vec<PathBuf> = files.iter().map(|(p, _)| p.clone()).collect();
        let result = ingest_paths_observed(&state2.store, &paths, &IngestOptions::default(), |p| {
            state2.jobs.update(id, |j| j.progress = p)
        });
        let _ = std::fs::remove_dir_all(&dir);
        state2.reload_tagger();
        state2.jobs.update(id, |j| match result {
            Ok(mut report) => {
                rename_files(&mut report, &files);
                j.state = JobState::Done;
                j.summary = Some(report);
            }
            Err(e) => {
                j.state = JobState::Failed;
                j.error = Some(format!("导入失败：{e:#}"));
            }
        });
    });
    Ok(Json(serde_json::json!({ "job": id })))
}

pub async fn job(State(state): State<Shared>, Path(id): Path<u64>) -> Result<Json<Job>, ApiError> {
    state
        .jobs
        .get(id)
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("没有编号为 {id} 的导入任务")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_extensions_are_taken() {
        assert_eq!(upload_extension("六月.CSV").as_deref(), Some("csv"));
        assert_eq!(upload_extension("../../etc/passwd"), None);
        assert_eq!(upload_extension("a.xlsx/../../x.sh"), None);
        assert_eq!(upload_extension("noext"), None);
    }
}
