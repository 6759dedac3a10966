//! The workspace in a real browser: headless Chromium driven through chromedriver (WebDriver)
//! types a query and sees hits, pastes a complaint and sees its topic, uploads a file and
//! watches the progress reach done, and opens the month's report; every page is saved as a
//! screenshot in `$HOTLINE_SCREENSHOTS` (default `target/serve-screenshots`).
//!
//! Runs only with `HOTLINE_BROWSER=1` and `/usr/bin/chromedriver` present (`.ci/run`
//! installs Debian's chromium and chromium-driver); otherwise it says why and passes.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hotline::index::CaseStore;
use hotline::pipeline::{ingest_paths, IngestOptions};
use hotline::serve::{self, ServeConfig};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// Kills chromedriver when the test ends, however it ends.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_driver() -> (Driver, u16) {
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver(child);
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (driver, port);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("chromedriver did not listen on {port}");
}

async fn browser(port: u16, profile: &Path) -> Client {
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1280,1000", "--lang=zh-CN",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    });
    let caps = caps.as_object().unwrap().clone();
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session")
}

fn shots_dir() -> PathBuf {
    let dir = std::env::var_os("HOTLINE_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| hotline::testdata::project_dir().join("target/serve-screenshots"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    std::fs::write(shots_dir().join(format!("{name}.png")), png).unwrap();
}

fn wait(c: &Client) -> fantoccini::wait::Wait<'_> {
    c.wait().at_most(Duration::from_secs(60))
}

#[test]
fn the_pages_work_in_a_browser() {
    if std::env::var("HOTLINE_BROWSER").as_deref() != Ok("1") {
        println!("skipped: set HOTLINE_BROWSER=1 to drive the pages in headless Chromium");
        return;
    }
    if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
        println!("skipped: needs {CHROMEDRIVER} and {CHROMIUM} (apt-get install chromium chromium-driver)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let corpus = hotline::testdata::project_dir().join("corpus");
    let store = CaseStore::open(&index).unwrap();
    let csv = corpus.join("wengyuan_2022-06_workorders.csv");
    let (docs, _) = hotline::ingest::input_files(std::slice::from_ref(&corpus)).unwrap();
    let docs: Vec<PathBuf> = docs.into_iter().filter(|p| *p != csv).collect();
    ingest_paths(&store, &docs, &IngestOptions::default()).unwrap();
    drop(store);
    let server = serve::spawn(&ServeConfig {
        index,
        addr: "127.0.0.1:0".parse().unwrap(),
        token: None,
        max_upload_mb: 50,
    })
    .unwrap();
    let base = server.url();
    let (_driver, port) = start_driver();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = browser(port, &dir.path().join("profile")).await;
        let result = drive(&c, &base, &csv).await;
        let _ = c.close().await;
        result
    })
    .unwrap();
    println!("screenshots in {}", shots_dir().display());
}

async fn drive(c: &Client, base: &str, csv: &Path) -> Result<(), fantoccini::error::CmdError> {
    // 导入: upload the month's export and watch the job reach done.
    c.goto(&format!("{base}/ingest")).await?;
    c.find(Locator::Css("#file"))
        .await?
        .send_keys(&csv.display().to_string())
        .await?;
    wait(c)
        .for_element(Locator::Css("#mapping-body table"))
        .await?;
    c.find(Locator::Css("#upload")).await?.click().await?;
    wait(c)
        .for_element(Locator::Css("#job-state[data-state=done]"))
        .await?;
    let counts = c.find(Locator::Css(".done-counts")).await?.text().await?;
    assert!(counts.contains("新增 694"), "{counts}");
    let bar = c
        .execute("return document.getElementById('bar').value;", vec![])
        .await?;
    assert_eq!(bar.as_f64(), Some(100.0));
    shot(c, "ingest").await;

    // 检索: type a query, see highlighted hits.
    c.goto(&format!("{base}/search")).await?;
    let q = c.find(Locator::Css("#q")).await?;
    q.send_keys("路灯").await?;
    c.find(Locator::Css("#search-form button"))
        .await?
        .click()
        .await?;
    wait(c).for_element(Locator::Css("#hits .hit")).await?;
    let hits = c.find_all(Locator::Css("#hits .hit")).await?;
    assert!(!hits.is_empty());
    assert!(!c.find_all(Locator::Css("#hits mark")).await?.is_empty());
    shot(c, "search").await;

    // 案件: the first hit, its tags and similar cases.
    c.find(Locator::Css("#hits .hit a.title"))
        .await?
        .click()
        .await?;
    wait(c).for_element(Locator::Css("#narrative")).await?;
    shot(c, "case").await;

    // 智能分类: paste a complaint, see its topic.
    c.goto(&format!("{base}/tag")).await?;
    c.find(Locator::Css("#text"))
        .await?
        .send_keys("市民来电反映：翁城镇新街路段路灯不亮已有一周，晚上出行很不方便，请尽快维修。")
        .await?;
    c.find(Locator::Css("#tag-form button"))
        .await?
        .click()
        .await?;
    let topic = wait(c)
        .for_element(Locator::Css("#topic"))
        .await?
        .text()
        .await?;
    assert!(topic.contains("道路照明"), "{topic}");
    shot(c, "tag").await;

    // 热点 and 统计.
    c.goto(&format!("{base}/hotspots?month=2022-06")).await?;
    wait(c)
        .for_element(Locator::Css("#hotspots tbody tr"))
        .await?;
    shot(c, "hotspots").await;
    c.goto(&format!("{base}/stats")).await?;
    let total = wait(c)
        .for_element(Locator::Css("#total"))
        .await?
        .text()
        .await?;
    assert!(total.parse::<u64>().unwrap_or(0) > 694, "{total}");
    shot(c, "stats").await;

    // 月报: the month's report in the preview, with the download links.
    c.goto(&format!("{base}/report?month=2022-06")).await?;
    wait(c).for_element(Locator::Css("#dl-docx")).await?;
    let frame = c.find(Locator::Css("#preview")).await?;
    frame.clone().enter_frame().await?;
    let text = wait(c)
        .for_element(Locator::Css("body"))
        .await?
        .text()
        .await?;
    assert!(text.contains("2022"), "{text}");
    c.enter_parent_frame().await?;
    shot(c, "report").await;
    Ok(())
}
