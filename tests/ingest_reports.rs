//! Report documents: the five seed reports in corpus/ and a markdown report written for this
//! test (tests/fixtures/ingest/report.md).

use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use hotline::ingest::{read_path, Batch, ReadOptions};
use hotline::{Case, Kind, RecordType, Satisfaction};

fn corpus(prefix: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix))
        })
        .unwrap_or_else(|| panic!("no corpus/{prefix}*"))
}

fn read(p: &Path) -> Batch {
    let b = read_path(p, &ReadOptions::default()).unwrap();
    assert!(b.rejects.is_empty(), "{:?}", b.rejects);
    assert_eq!(b.read, b.cases.len());
    b
}

fn dt(s: &str) -> Option<NaiveDateTime> {
    Some(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
}

fn cases(b: &Batch, record: RecordType) -> Vec<&Case> {
    b.cases.iter().filter(|c| c.record == record).collect()
}

#[test]
fn seed_002_yields_its_case_number_blocks() {
    let b = read(&corpus("002"));
    let numbered: Vec<&Case> = b
        .cases
        .iter()
        .filter(|c| c.id.starts_with("2020000"))
        .collect();
    assert_eq!(numbered.len(), 13);
    assert!(numbered.iter().all(|c| c.record == RecordType::ReportCase));
    let c = b.cases.iter().find(|c| c.id == "20200000805").unwrap();
    assert_eq!(c.department.as_deref(), Some("民安街道办事处"));
    assert!(c.narrative.starts_with("民安街道湘鄂路158号"));
    assert!(c.reply.as_deref().unwrap().contains("已没有麻将馆的存在"));
    assert_eq!(c.reply_at, dt("2020-01-14 00:00"));
    assert_eq!(c.satisfaction, Some(Satisfaction::Satisfied));
    assert_eq!(c.kind, Some(Kind::Complaint));
    assert_eq!(c.town.as_deref(), Some("民安街道"));
    assert_eq!(c.source.region.as_deref(), Some("龙山县"));
    assert_eq!(c.source.period.as_deref(), Some("2020年第一季度"));
    assert_eq!(c.source.section.as_deref(), Some("工单办理案例摘选"));
    // 来电咨询 / 来电举报, and a reply without 派单至.
    let c = b.cases.iter().find(|c| c.id == "20200006840").unwrap();
    assert_eq!(c.kind, Some(Kind::Inquiry));
    let c = b.cases.iter().find(|c| c.id == "20200007266").unwrap();
    assert_eq!(c.kind, Some(Kind::Report));
    assert_eq!(c.department.as_deref(), Some("县文化市场综合执法局"));
    assert!(!c.narrative.contains("bookmark"));
    // The frequent-problem headings are kept as hotspot paragraphs.
    assert_eq!(cases(&b, RecordType::ReportHotspot).len(), 4);
}

#[test]
fn seed_003_yields_exactly_its_three_typical_cases() {
    let b = read(&corpus("003"));
    let typical = cases(&b, RecordType::ReportCase);
    assert_eq!(typical.len(), 3);
    let users: Vec<_> = typical.iter().map(|c| c.user.as_deref().unwrap()).collect();
    assert_eq!(users, ["刘先生", "吴先生", "袁女士"]);
    let kinds: Vec<_> = typical.iter().map(|c| c.kind.unwrap()).collect();
    assert_eq!(
        kinds,
        [Kind::HelpRequest, Kind::Complaint, Kind::HelpRequest]
    );
    assert_eq!(typical[0].received_at, dt("2023-04-10 00:00"));
    assert_eq!(typical[0].department.as_deref(), Some("县交警大队"));
    assert!(typical[0]
        .reply
        .as_deref()
        .unwrap()
        .contains("再次来电表扬"));
    assert!(typical[0].narrative.starts_with("因家中小孩高烧惊厥"));
    assert_eq!(typical[1].department.as_deref(), Some("县住建局"));
    assert_eq!(typical[1].town.as_deref(), Some("荣家湾镇"));
    assert_eq!(typical[2].satisfaction, Some(Satisfaction::Satisfied));
    // The line broken mid-sentence (`有渣土洒` / `落在`) is joined.
    assert!(typical[2]
        .reply
        .as_deref()
        .unwrap()
        .contains("有渣土洒落在袁女士"));
    for c in &typical {
        assert_eq!(c.source.region.as_deref(), Some("岳阳县"));
        assert_eq!(c.source.period.as_deref(), Some("2023年4月"));
        assert_eq!(c.source.section.as_deref(), Some("典型案例"));
    }
    let hot = cases(&b, RecordType::ReportHotspot);
    let titles: Vec<_> = hot.iter().map(|c| c.title.as_deref().unwrap()).collect();
    assert_eq!(titles, ["消费维权类", "学校管理类", "三农服务类"]);
}

#[test]
fn seed_000_yields_the_11_14_emergency_case() {
    let b = read(&corpus("000"));
    let em: Vec<&Case> = b
        .cases
        .iter()
        .filter(|c| c.source.section.as_deref() == Some("应急处置"))
        .collect();
    assert_eq!(em.len(), 1);
    let c = em[0];
    assert_eq!(c.record, RecordType::ReportCase);
    assert_eq!(c.received_at, dt("2020-11-14 19:53"));
    assert_eq!(c.user.as_deref(), Some("吴先生"));
    assert!(c.narrative.contains("利龙村桥梁处"));
    assert!(
        c.narrative.contains("官渡镇至龙仙镇方向"),
        "{}",
        c.narrative
    );
    assert_eq!(c.department.as_deref(), Some("翁源公路事务中心"));
    assert!(c.reply.as_deref().unwrap().contains("11月16日填埋完毕"));
    assert_eq!(c.source.region.as_deref(), Some("翁源县"));
    assert_eq!(c.source.period.as_deref(), Some("2020年11月"));
    let hot = cases(&b, RecordType::ReportHotspot);
    let titles: Vec<_> = hot.iter().map(|c| c.title.as_deref().unwrap()).collect();
    assert_eq!(titles, ["道路照明问题", "用水问题", "服务态度问题"]);
    assert!(hot[0].narrative.contains("106国道路段路灯"));
}

#[test]
fn seed_001_yields_the_6_6_emergency_case() {
    let b = read(&corpus("001"));
    let c = b
        .cases
        .iter()
        .find(|c| c.source.section.as_deref() == Some("应急处置"))
        .unwrap();
    assert_eq!(c.received_at, dt("2022-06-06 06:46"));
    assert!(c.narrative.contains("塌方"));
    assert_eq!(c.town.as_deref(), Some("新江镇"));
    assert_eq!(c.department.as_deref(), Some("公路事务中心"));
    assert_eq!(c.source.period.as_deref(), Some("2022年6月"));
    assert_eq!(cases(&b, RecordType::ReportHotspot).len(), 2);
}

#[test]
fn seed_004_yields_its_two_cited_cases() {
    let b = read(&corpus("004"));
    assert_eq!(b.cases.len(), 2);
    assert!(b
        .cases
        .iter()
        .all(|c| c.department.as_deref() == Some("郭楼街道")));
    assert!(b.cases[0].narrative.contains("违规建房"));
    assert_eq!(b.cases[1].received_at, dt("2023-10-17 12:00"));
    assert_eq!(b.cases[0].source.period.as_deref(), Some("2023年10月"));
}

#[test]
fn report_ids_are_stable_and_unique() {
    let mut all = Vec::new();
    for p in ["000", "001", "002", "003", "004"] {
        let a = read(&corpus(p));
        let b = read(&corpus(p));
        let ids_a: Vec<_> = a.cases.iter().map(|c| c.id.clone()).collect();
        let ids_b: Vec<_> = b.cases.iter().map(|c| c.id.clone()).collect();
        assert_eq!(ids_a, ids_b);
        assert!(a.duplicate_ids.is_empty());
        all.extend(ids_a);
    }
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), n);
}

#[test]
fn markdown_reports_are_read_too() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ingest/report.md");
    let b = read(&p);
    let em = b
        .cases
        .iter()
        .find(|c| c.source.section.as_deref() == Some("应急处置"))
        .unwrap();
    assert_eq!(em.received_at, dt("2024-03-09 22:10"));
    assert_eq!(em.user.as_deref(), Some("李女士"));
    assert_eq!(em.town.as_deref(), Some("古槐街道"));
    assert_eq!(em.source.region.as_deref(), Some("清溪县"));
    let typical: Vec<&Case> = b
        .cases
        .iter()
        .filter(|c| c.source.section.as_deref() == Some("典型案例"))
        .collect();
    assert_eq!(typical.len(), 2);
    assert_eq!(typical[0].kind, Some(Kind::Complaint));
    assert_eq!(typical[0].department.as_deref(), Some("县城管局"));
    assert_eq!(typical[1].kind, Some(Kind::Inquiry));
    assert_eq!(typical[1].received_at, dt("2024-03-20 00:00"));
    let hot = cases(&b, RecordType::ReportHotspot);
    let titles: Vec<_> = hot.iter().map(|c| c.title.as_deref().unwrap()).collect();
    assert_eq!(titles, ["春耕用水类", "校园周边安全类"]);
    assert!(hot[0].narrative.contains("水渠堵塞、抽水泵站"));
}

#[test]
fn odd_documents_never_crash() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("empty.txt", ""),
        ("notes.txt", "随便写的一些笔记\n没有任何结构"),
        (
            "broken.txt",
            "三、应急处置情况\n\n案件公文号123456789来电反映：\n\n（1）\n1.\n◆",
        ),
        ("ascii.md", "# Title\n\nplain english text only."),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        let b = read_path(&p, &ReadOptions::default()).unwrap();
        assert!(b.cases.iter().all(|c| !c.narrative.is_empty()), "{name}");
    }
}
