//! `hotline serve` driven over HTTP as the pages and other programs use it: the server runs
//! on an ephemeral loopback port over a store built from corpus/ (plus a few cases whose text
//! tries to break out of the page), and each answer is compared with the library's and the
//! CLI's `--json` for the same request.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use hotline::index::CaseStore;
use hotline::pipeline::{ingest_cases, ingest_paths, IngestOptions};
use hotline::search::{self, SearchRequest};
use hotline::serve::{self, Running, ServeConfig};
use hotline::Case;

/// Case text that would run script or inject markup if a page did not escape it.
const NASTY_NARRATIVE: &str =
    "<script>alert('xss')</script> 路灯坏了 <a href=\"javascript:alert(1)\">点我</a>";
const NASTY_TITLE: &str = "\"><img src=x onerror=alert(1)>路灯标题";

struct Fixture {
    _dir: tempfile::TempDir,
    index: std::path::PathBuf,
    server: Running,
}

fn build_store(index: &Path) {
    let store = CaseStore::open(index).unwrap();
    let corpus = hotline::testdata::project_dir().join("corpus");
    let (files, _) = hotline::ingest::input_files(&[corpus]).unwrap();
    ingest_paths(&store, &files, &IngestOptions::default()).unwrap();
    let mut nasty = Case::new("XSS-1", NASTY_NARRATIVE);
    nasty.title = Some(NASTY_TITLE.to_string());
    nasty.department = Some("<b>住建局</b>".to_string());
    nasty.reply = Some("javascript:alert(2)".to_string());
    ingest_cases(&store, vec![nasty], 100, true).unwrap();
}

/// One server for the whole file (tests run in parallel against it, as staff would).
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let index = dir.path().join("index");
        build_store(&index);
        let server = serve::spawn(&ServeConfig {
            index: index.clone(),
            addr: "127.0.0.1:0".parse().unwrap(),
            token: None,
            max_upload_mb: 5,
        })
        .unwrap();
        Fixture {
            _dir: dir,
            index,
            server,
        }
    })
}

fn url(path: &str) -> String {
    format!("{}{}", fixture().server.url(), path)
}

/// Status and body of a GET.
fn get(path: &str) -> (u16, String) {
    answer(ureq::get(&url(path)).call())
}

fn answer(r: Result<ureq::Response, ureq::Error>) -> (u16, String) {
    match r {
        Ok(res) => (res.status(), res.into_string().unwrap()),
        Err(ureq::Error::Status(code, res)) => (code, res.into_string().unwrap_or_default()),
        Err(e) => panic!("{e}"),
    }
}

fn json(path: &str) -> serde_json::Value {
    json_at(&fixture().server.url(), path)
}

fn json_at(base: &str, path: &str) -> serde_json::Value {
    let (status, body) = answer(ureq::get(&format!("{base}{path}")).call());
    assert_eq!(status, 200, "{path}: {body}");
    rounded(serde_json::from_str(&body).unwrap())
}

fn cli(args: &[&str]) -> serde_json::Value {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hotline"));
    // Every command reads the served store; `tag --index` suggests departments from the
    // store's own history, as the workspace does.
    cmd.args(args).arg("--index").arg(&fixture().index);
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    rounded(serde_json::from_slice(&out.stdout).unwrap())
}

/// `v` with every number rounded to 4 decimals: the same score computed in another process
/// (or summed in another order) may differ in the last bits of an f32.
fn rounded(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Number(n) if n.is_f64() => {
            let x = (n.as_f64().unwrap() * 1e4).round() / 1e4;
            serde_json::json!(x)
        }
        Value::Array(a) => Value::Array(a.into_iter().map(rounded).collect()),
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, rounded(v))).collect()),
        v => v,
    }
}

/// Similar cases in (score, id) order: cases of equal score may come in either order.
fn by_score(v: serde_json::Value) -> Vec<serde_json::Value> {
    let mut a = v.as_array().unwrap().clone();
    a.sort_by(|x, y| {
        let s = |v: &serde_json::Value| v["score"].as_f64().unwrap_or(0.0);
        s(y).total_cmp(&s(x))
            .then_with(|| x["id"].as_str().cmp(&y["id"].as_str()))
    });
    a
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn search_answers_what_the_library_and_the_cli_answer() {
    let f = fixture();
    let store = CaseStore::open(&f.index).unwrap();
    for q in ["路灯", "噪音 扰民", "停水", "\"班车\" -投诉"] {
        let api = json(&format!("/api/search?q={}&limit=10", enc(q)));
        let lib = search::search(&store, &SearchRequest::new(q)).unwrap();
        let lib = rounded(serde_json::to_value(lib).unwrap());
        assert_eq!(api, lib, "{q}");
        assert_eq!(api, cli(&["search", q, "--json"]), "{q}");
    }
    let api = json("/api/search?q=&kind=%E6%8A%95%E8%AF%89&sort=date&limit=5&offset=5");
    let cli_out = cli(&[
        "search", "--kind", "投诉", "--sort", "date", "--limit", "5", "--offset", "5", "--json",
    ]);
    assert_eq!(api, cli_out);
    let (status, body) = get("/api/search?q=");
    assert_eq!(status, 400, "{body}");
    let (status, _) = get("/api/search?q=x&from=2022-13-01");
    assert_eq!(status, 400);
}

#[test]
fn tag_hotspots_stats_and_similar_have_the_cli_shapes() {
    let text = "小区门口路灯不亮已有一周，晚上出行不便，请尽快维修";
    let api: serde_json::Value = ureq::post(&url("/api/tag"))
        .send_json(serde_json::json!({ "text": text }))
        .unwrap()
        .into_json()
        .unwrap();
    let api = rounded(api);
    assert_eq!(api, cli(&["tag", text, "--json"]).clone());
    assert_eq!(api["topic"], "street_lighting");
    assert_eq!(
        json("/api/hotspots?month=2022-06&top=5"),
        cli(&["hotspots", "--month", "2022-06", "--top", "5", "--json"])
    );
    assert_eq!(json("/api/stats"), cli(&["stats", "--json"]));
    assert_eq!(
        by_score(json(&format!("/api/similar?text={}&limit=3", enc(text)))),
        by_score(cli(&["similar", text, "--limit", "3", "--json"]))
    );
    assert_eq!(
        by_score(json("/api/similar?id=WY220600001&limit=3")),
        by_score(cli(&[
            "similar",
            "--id",
            "WY220600001",
            "--limit",
            "3",
            "--json"
        ]))
    );
    let case = json("/api/cases/WY220600001");
    assert_eq!(case["id"], "WY220600001");
    assert_eq!(get("/api/cases/nope").0, 404);
}

#[test]
fn report_downloads_open_as_word_and_excel_files() {
    let res = ureq::get(&url("/api/report?month=2022-06&format=docx"))
        .call()
        .unwrap();
    assert!(res
        .header("content-disposition")
        .unwrap()
        .contains("attachment; filename=\"report-2022-06.docx\""));
    let mut bytes = Vec::new();
    res.into_reader().read_to_end(&mut bytes).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut doc = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut doc)
        .unwrap();
    assert!(doc.contains("2022"), "document.xml has no year");
    let res = ureq::get(&url("/api/report?month=2022-06&format=xlsx"))
        .call()
        .unwrap();
    let mut bytes = Vec::new();
    res.into_reader().read_to_end(&mut bytes).unwrap();
    let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    assert!(zip
        .file_names()
        .filter_map(Result::ok)
        .any(|n| n.starts_with("xl/worksheets/")));
    let (status, html) = get("/api/report?month=2022-06&format=html");
    assert_eq!(status, 200);
    assert!(html.contains("<html"));
    assert_eq!(get("/api/report?month=2022-13&format=docx").0, 400);
    assert_eq!(get("/api/report?month=2022-06&format=exe").0, 400);
}

/// A multipart body with one `file` part per (name, bytes).
fn multipart(files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "hotline-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, bytes) in files {
        write!(
            body,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .unwrap();
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    write!(body, "--{boundary}--\r\n").unwrap();
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn upload(base: &str, files: &[(&str, &[u8])]) -> (u16, String) {
    let (ty, body) = multipart(files);
    answer(
        ureq::post(&format!("{base}/api/ingest"))
            .set("Content-Type", &ty)
            .send_bytes(&body),
    )
}

/// Polls a job until it is no longer running (bounded: a hung job fails the test).
fn wait_job(base: &str, id: u64) -> serde_json::Value {
    for _ in 0..1200 {
        let j = json_at(base, &format!("/api/jobs/{id}"));
        if j["state"] != "running" {
            return j;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("job {id} still running");
}

#[test]
fn an_upload_becomes_a_job_that_completes_and_its_cases_are_found() {
    let csv = "工单编号,受理时间,承办单位,诉求类型,诉求内容\n\
UP-1,2022-06-20 09:00:00,水务局,投诉,翡翠湾小区停水两天无人处理\n\
UP-2,2022-06-21 10:00:00,水务局,投诉,翡翠湾小区又停水了\n\
UP-3,2022-06-22 11:00:00,,投诉,\n";
    // Its own server: the other tests compare answers over a store that must not change.
    let dir = tempfile::tempdir().unwrap();
    let server = serve::spawn(&ServeConfig {
        index: dir.path().join("index"),
        addr: "127.0.0.1:0".parse().unwrap(),
        token: None,
        max_upload_mb: 5,
    })
    .unwrap();
    let base = server.url();
    // A name that tries to leave the upload directory is only a label.
    let (status, body) = upload(&base, &[("../../翡翠湾.csv", csv.as_bytes())]);
    assert_eq!(status, 200, "{body}");
    let id = serde_json::from_str::<serde_json::Value>(&body).unwrap()["job"]
        .as_u64()
        .unwrap();
    let job = wait_job(&base, id);
    assert_eq!(job["state"], "done", "{job}");
    let s = &job["summary"];
    assert_eq!(s["added"], 2, "{s}");
    assert_eq!(s["rejected"], 1, "{s}");
    assert_eq!(s["files"][0]["file"], "../../翡翠湾.csv");
    assert_eq!(s["rejects"][0]["file"], "../../翡翠湾.csv");
    assert_eq!(job["progress"]["cases_done"], 2);
    let hits = json_at(&base, &format!("/api/search?q={}", enc("翡翠湾")));
    assert_eq!(hits["total_hits"], 2, "{hits}");
    assert!(!dir.path().join("index/../../翡翠湾.csv").exists());
    assert_eq!(json_at(&base, "/api/stats")["total"], 2);

    let (status, body) = upload(&base, &[("run.sh", b"echo hi")]);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("不支持的文件类型"));
    let (status, _) = upload(&base, &[]);
    assert_eq!(status, 400);
    // An upload over the limit (5 MB here) is refused from its declared length, before its
    // body is read: the request is sent without its body so that the server's early answer
    // cannot race the client's write.
    let res = raw(
        server.addr,
        &format!(
            "POST /api/ingest HTTP/1.1\r\nHost: {}\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            server.addr,
            6 * 1024 * 1024
        ),
    );
    assert!(res.starts_with("HTTP/1.1 413"), "{res}");
    assert!(res.contains("上传文件过大"), "{res}");
    assert_eq!(
        answer(ureq::get(&format!("{base}/api/jobs/999999")).call()).0,
        404
    );
}

/// Raw request (to send a Host header an HTTP client would not).
fn raw(addr: SocketAddr, request: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

#[test]
fn traversal_foreign_hosts_and_cross_site_posts_are_refused() {
    for p in [
        "/assets/../Cargo.toml",
        "/assets/..%2FCargo.toml",
        "/assets/%2e%2e%2fsrc%2flib.rs",
        "/assets/style.css/../../Cargo.toml",
        "/assets/",
    ] {
        let (status, body) = get(p);
        assert!(status == 404 || status == 400, "{p}: {status}");
        assert!(!body.contains("[package]"), "{p}");
    }
    let addr = fixture().server.addr;
    let res = raw(
        addr,
        "GET /api/stats HTTP/1.1\r\nHost: evil.example:8345\r\nConnection: close\r\n\r\n",
    );
    assert!(res.starts_with("HTTP/1.1 403"), "{res}");
    let res = raw(
        addr,
        &format!(
            "GET /api/stats HTTP/1.1\r\nHost: localhost:{}\r\nConnection: close\r\n\r\n",
            addr.port()
        ),
    );
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    let cross = ureq::post(&url("/api/tag"))
        .set("Origin", "http://evil.example")
        .send_json(serde_json::json!({"text": "停水"}));
    assert_eq!(answer(cross).0, 403);
    let cross = ureq::post(&url("/tag"))
        .set("Sec-Fetch-Site", "cross-site")
        .send_form(&[("text", "停水")]);
    assert_eq!(answer(cross).0, 403);
    let own = ureq::post(&url("/tag"))
        .set("Origin", &fixture().server.url())
        .set("Sec-Fetch-Site", "same-origin")
        .send_form(&[("text", "停水")]);
    assert_eq!(answer(own).0, 200);
}

#[test]
fn a_public_address_needs_a_token_and_the_token_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = ServeConfig {
        index: dir.path().join("index"),
        addr: "0.0.0.0:0".parse().unwrap(),
        token: None,
        max_upload_mb: 1,
    };
    let err = serve::spawn(&cfg).err().expect("refused");
    assert!(err.to_string().contains("--token"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args(["serve", "--addr", "0.0.0.0:0", "--index"])
        .arg(dir.path().join("index"))
        .env_remove("HOTLINE_TOKEN")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("HOTLINE_TOKEN"));

    let server = serve::spawn(&ServeConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        token: Some("open-sesame".into()),
        ..cfg
    })
    .unwrap();
    let u = |p: &str| format!("{}{}", server.url(), p);
    assert_eq!(answer(ureq::get(&u("/api/stats")).call()).0, 401);
    let wrong = ureq::get(&u("/api/stats")).set("Authorization", "Bearer open-sesam");
    assert_eq!(answer(wrong.call()).0, 401);
    let right = ureq::get(&u("/api/stats")).set("Authorization", "Bearer open-sesame");
    assert_eq!(answer(right.call()).0, 200);
    let cookie = ureq::get(&u("/stats")).set("Cookie", "hotline_token=open-sesame");
    assert_eq!(answer(cookie.call()).0, 200);
    // A page without the token sends the browser to the login page.
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let res = agent.get(&u("/search")).call().unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.header("location"), Some("/login"));
    let res = agent
        .post(&u("/login"))
        .send_form(&[("token", "open-sesame")])
        .unwrap();
    assert!(res.header("set-cookie").unwrap().contains("HttpOnly"));
    assert_eq!(answer(ureq::get(&u("/login")).call()).0, 200);
}

#[test]
fn four_hundred_searches_from_eight_clients_all_answer() {
    let queries = [
        "路灯",
        "停水",
        "噪音",
        "班车",
        "拖欠工资",
        "垃圾",
        "物业",
        "占道",
    ];
    let expected: Vec<u64> = queries
        .iter()
        .map(|q| {
            json(&format!("/api/search?q={}", enc(q)))["total_hits"]
                .as_u64()
                .unwrap()
        })
        .collect();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let base = url("/api/search?q=");
            let expected = expected.clone();
            std::thread::spawn(move || {
                let agent = ureq::Agent::new();
                for i in 0..50 {
                    let k = (t + i) % queries.len();
                    let v: serde_json::Value = agent
                        .get(&format!("{base}{}", enc(queries[k])))
                        .call()
                        .unwrap()
                        .into_json()
                        .unwrap();
                    assert_eq!(v["total_hits"].as_u64(), Some(expected[k]));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
fn every_value_shown_in_a_page_is_escaped() {
    for path in [
        format!("/search?q={}", enc("路灯")),
        format!("/search?q={}", enc("<script>alert(1)</script>")),
        "/case/XSS-1".to_string(),
        format!(
            "/search?q=x&dept={}",
            enc("\"><img src=x onerror=alert(1)>")
        ),
    ] {
        let (status, html) = get(&path);
        assert_eq!(status, 200, "{path}");
        assert!(!html.contains("<script>alert"), "{path}");
        assert!(!html.contains("<img src=x"), "{path}");
        assert!(!html.contains("href=\"javascript:"), "{path}");
        assert!(!html.contains("<b>住建局"), "{path}");
    }
    let (_, case) = get("/case/XSS-1");
    assert!(
        case.contains("&lt;script&gt;"),
        "the text is shown, escaped"
    );
    let (_, hits) = get(&format!("/search?q={}", enc("路灯标题")));
    assert!(hits.contains("XSS-1"), "the nasty case is among the hits");
    let tag = ureq::post(&url("/tag"))
        .send_form(&[("text", NASTY_NARRATIVE)])
        .unwrap()
        .into_string()
        .unwrap();
    assert!(!tag.contains("<script>alert"));
    for page in [
        "/search",
        "/tag",
        "/ingest",
        "/hotspots",
        "/report",
        "/stats",
        "/hotspots?month=2022-06",
    ] {
        let (status, html) = get(page);
        assert_eq!(status, 200, "{page}");
        assert!(html.contains("12345 热线工作台"), "{page}");
    }
    assert_eq!(get("/nowhere").0, 404);
}
