//! The report's prose rules on fixtures written here: 二、热点问题 as the seeds write it (a
//! problem heading, "市民反映的主要诉求有：一是……", the topic's 建议 from
//! models/report_suggestions.toml, no pasted letters), 三 (only urgent cases, told with whom the
//! office called and when it was solved; typical cases with a full handling record, no internal
//! ids), times as the seeds print them, unknown statuses, other documents' paragraphs left out,
//! the satisfaction chart's colours, the closing block from the office profile, and the length.

use chrono::{NaiveDate, NaiveDateTime};
use hotline::model::{Case, Kind, RecordType, Satisfaction, Status, Tags};
use hotline::report::profile::{suggestion, OfficeProfile};
use hotline::report::{self, charts, outline::ChartKind, Format, MonthlyReport, ReportOptions};

fn at(d: u32, h: u32, m: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2022, 6, d)
        .unwrap()
        .and_hms_opt(h, m, 0)
        .unwrap()
}

fn case(id: &str, day: u32, topic: &str, title: &str, text: &str) -> Case {
    let mut c = Case::new(id, text);
    c.title = Some(title.to_string());
    c.received_at = Some(at(day, 9, 30));
    c.kind = Some(Kind::Complaint);
    c.status = Some(Status::Closed);
    c.department = Some("城管局".to_string());
    c.satisfaction = Some(Satisfaction::Satisfied);
    c.tags = Some(Tags {
        topic: topic.to_string(),
        topic_confidence: 0.8,
        ..Tags::default()
    });
    c
}

const LONG_LETTER: &str =
    "尊敬的领导您好，我家住在城关镇幸福路一带，幸福路的路灯已经连续两个多月晚上不亮了，\
晚上出门黑灯瞎火，老人小孩走路经常摔跤，附近还有一所小学，学生晚自习放学回家非常危险，\
我们多次向社区反映都没有结果，希望有关部门尽快派人维修路灯，保障我们出行安全，谢谢。";

fn lighting_month() -> Vec<Case> {
    let mut cases = Vec::new();
    for i in 0..6 {
        let mut c = case(
            &format!("L{i}"),
            i + 1,
            "street_lighting",
            "幸福路路灯长期不亮",
            LONG_LETTER,
        );
        c.reply = Some("城管局已派员维修幸福路路灯，现已恢复照明。".into());
        cases.push(c);
    }
    for i in 0..3 {
        cases.push(case(
            &format!("M{i}"),
            i + 10,
            "street_lighting",
            "建设路路灯开启时间太晚",
            "建设路路灯每天晚上七点半才亮，冬天天黑得早，希望调整开灯时间。",
        ));
    }
    for i in 0..4 {
        cases.push(case(
            &format!("W{i}"),
            i + 3,
            "water_supply",
            "城东小区经常停水",
            "城东小区经常无故停水，自来水公司没有提前通知，影响居民生活。",
        ));
    }
    cases
}

fn build(cases: &[Case]) -> MonthlyReport {
    let opts = ReportOptions {
        hotspots: false,
        issued: NaiveDate::from_ymd_opt(2022, 7, 29),
        ..ReportOptions::with_title("翁源县")
    };
    report::build(cases, "2022-06", &opts).unwrap()
}

fn markdown(r: &MonthlyReport) -> String {
    String::from_utf8(report::render(r, Format::Markdown).unwrap()).unwrap()
}

/// The Markdown before the annex.
fn body(md: &str) -> &str {
    md.split("\n## 附件").next().unwrap()
}

#[test]
fn a_leading_topic_is_a_heading_a_paragraph_of_appeals_and_a_suggestion() {
    let r = build(&lighting_month());
    let md = markdown(&r);
    assert!(md.contains("### （一）道路照明问题"), "{md}");
    assert!(
        md.contains("本月共受理道路照明类诉求9件，占工单总量的69.23%。市民反映的主要诉求有：一是幸福路路灯长期不亮（6件）；二是建设路路灯开启时间太晚（3件）。"),
        "{md}"
    );
    assert!(md.contains(&suggestion("street_lighting")));
    assert!(suggestion("street_lighting").starts_with("建议有关职能部门"));
    // A topic without an entry gets the default sentence with its name.
    assert!(suggestion("no_such_topic").contains("no_such_topic"));
    // Abstracted: no letter pasted into 二 (三's typical cases tell theirs).
    let hot = md
        .split("## 二、热点问题")
        .nth(1)
        .unwrap()
        .split("## 三")
        .next()
        .unwrap();
    assert!(!hot.contains("老人小孩走路经常摔跤"), "{hot}");
    assert!(!hot.contains("典型诉求"), "{hot}");
}

#[test]
fn appeals_without_titles_skip_greetings() {
    let mut cases = lighting_month();
    for c in &mut cases {
        c.title = None;
    }
    let r = build(&cases);
    let t = &r.hotspot_topics[0];
    assert_eq!(t.appeals[0].text, "我家住在城关镇幸福路一带");
    assert!(t.appeals.iter().all(|a| a.text.chars().count() <= 36));
}

#[test]
fn only_urgent_cases_are_told_with_whom_the_office_called_and_when_it_was_solved() {
    let mut cases = lighting_month();
    let r = build(&cases);
    assert!(r.urgent_cases.is_empty());
    assert!(markdown(&r).contains("本月未发现需应急处置的工单。"));

    let mut u = case(
        "U1",
        6,
        "road_damage",
        "S41省道塌方",
        "S41省道新江镇太坪村路段塌方，有棵树倒在路上阻挡车辆通行，希望尽快处理。",
    );
    u.received_at = Some(at(6, 20, 0));
    u.department = Some("公路事务中心".into());
    u.reply = Some("公路事务中心已派养护所人员清理倒树和塌方，恢复交通。".into());
    u.closed_at = Some(at(7, 7, 10));
    u.tags.as_mut().unwrap().urgent = true;
    cases.push(u);
    let r = build(&cases);
    assert_eq!(r.urgent_cases.len(), 1);
    let md = markdown(&r);
    let story = "6月6日20时，市民反映：S41省道新江镇太坪村路段塌方，有棵树倒在路上阻挡车辆通行，希望尽快处理。接到工单后，我县12345热线办第一时间联系公路事务中心，公路事务中心回复：公路事务中心已派养护所人员清理倒树和塌方，恢复交通。该问题已于6月7日办结。";
    assert!(md.contains(story), "{md}");
    assert!(!md.contains("20时0分"));
}

#[test]
fn typical_cases_have_a_full_record_and_no_internal_id() {
    let mut cases = lighting_month();
    let mut doc = Case::new(
        "岳阳县2023年4月-5d7ffc-典型案例-1",
        "刘先生6月10日来电求助：家门口道路每天有超载货车经过。县交警大队受理后查处三台超载货车。",
    );
    doc.record = RecordType::ReportCase;
    doc.source.section = Some("典型案例".into());
    doc.source.period = Some("2022年6月".into());
    cases.push(doc);
    // No department: not a full handling record.
    let mut bare = case("B1", 20, "noise", "工地噪音", "夜间工地施工噪音扰民。");
    bare.department = None;
    bare.reply = Some("已处理。".into());
    cases.push(bare);
    let r = build(&cases);
    let md = markdown(&r);
    assert!(!md.contains("5d7ffc"), "{md}");
    assert!(!md.contains("工单编号"), "{md}");
    assert!(md.contains("1. 刘先生6月10日来电求助"), "{md}");
    // Salutations are left out of the story.
    assert!(
        md.contains("市民来电投诉：我家住在城关镇幸福路一带"),
        "{md}"
    );
    assert!(r.typical_cases.iter().all(|c| c.id != "B1"));
    assert!(
        md.contains("6月1日9时30分，市民来电投诉：")
            && md.contains("城管局受理工单后回复：城管局已派员"),
        "{md}"
    );
    assert!(md.contains("回访：满意。"));
}

#[test]
fn an_unknown_status_is_not_counted_as_in_progress() {
    let mut cases = lighting_month();
    for c in cases.iter_mut().take(4) {
        c.status = None;
        c.reply = None;
        c.satisfaction = None;
    }
    let r = build(&cases);
    assert_eq!((r.closed, r.in_progress, r.unknown_status), (9, 0, 4));
    let md = markdown(&r);
    assert!(
        md.contains("正在处理中的工单0件，另有4件未注明办理状态。"),
        "{md}"
    );
    for c in &mut cases {
        c.status = None;
        c.reply = None;
        c.satisfaction = None;
    }
    let md = markdown(&build(&cases));
    assert!(
        md.contains("转派工单总量为13件（工单数据未注明办理状态）。"),
        "{md}"
    );
    assert!(!md.contains("正在处理中"));
}

#[test]
fn other_documents_hotspot_paragraphs_are_not_pasted_in() {
    let mut cases = lighting_month();
    let mut h = Case::new(
        "doc-热点-1",
        "消费维权类。共受理案件数140件，主要集中在网购商品货不对板。",
    );
    h.record = RecordType::ReportHotspot;
    h.source.period = Some("2022年6月".into());
    cases.push(h);
    let r = build(&cases);
    assert_eq!(r.report_hotspots.len(), 1, "kept in the data");
    let md = markdown(&r);
    assert!(!md.contains("报告文档所列热点"), "{md}");
    assert!(!md.contains("货不对板"), "{md}");
}

/// The fill of the legend swatch drawn just before `label` in an SVG.
fn swatch(svg: &str, label: &str) -> String {
    let at = svg.find(&format!("\n{label}  ")).expect(label);
    let rect = &svg[svg[..at].rfind("<rect").expect("a swatch")..at];
    let f = rect.find("fill=\"#").expect("a fill");
    rect[f + 6..f + 13].to_ascii_uppercase()
}

#[test]
fn satisfaction_colours_read_right() {
    let mut cases = lighting_month();
    cases[0].satisfaction = Some(Satisfaction::Dissatisfied);
    cases[1].satisfaction = Some(Satisfaction::BasicallySatisfied);
    cases[2].satisfaction = Some(Satisfaction::Unrated);
    let r = build(&cases);
    let svg = charts::chart(&r, ChartKind::Satisfaction).unwrap().unwrap();
    assert_eq!(swatch(&svg, "不满意"), "#B83B3B", "red");
    assert_eq!(swatch(&svg, "满意"), "#3B8E5A", "green");
}

#[test]
fn the_closing_block_comes_from_the_office_profile() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("office.toml");
    std::fs::write(
        &path,
        "unit = \"翁源县\"\noffice = \"翁源县12345政务服务便民热线管理办公室\"\n\
         cc = \"县有关领导，县委办公室。\"\nto = \"各镇政府\"\nphone = \"0751-2823686\"\n",
    )
    .unwrap();
    let profile = OfficeProfile::load(&path).unwrap();
    let opts = ReportOptions {
        hotspots: false,
        profile,
        issued: NaiveDate::from_ymd_opt(2022, 7, 29),
        ..ReportOptions::default()
    };
    let r = report::build(&lighting_month(), "2022-06", &opts).unwrap();
    assert_eq!(r.title.as_deref(), Some("翁源县"), "the profile's unit");
    let md = markdown(&r);
    let (body, annex) = md.split_once("\n## 附件").unwrap();
    assert!(
        body.ends_with("翁源县12345政务服务便民热线管理办公室\n\n2022年7月29日\n"),
        "{body}"
    );
    for line in [
        "> 抄送：县有关领导，县委办公室。",
        "> 发：各镇政府",
        "> 编辑单位：翁源县12345政务服务便民热线管理办公室",
        "> 电话（传真）：0751-2823686",
    ] {
        assert!(annex.contains(line), "{line} in {annex}");
    }
    assert!(!annex.contains("邮箱"), "empty keys are left out");
    // --title overrides the unit alone.
    let opts = ReportOptions {
        title: Some("龙山县".into()),
        ..opts
    };
    let r = report::build(&lighting_month(), "2022-06", &opts).unwrap();
    assert!(r.heading.starts_with("龙山县"));
    assert!(OfficeProfile::load(&dir.path().join("missing.toml")).is_err());
    std::fs::write(&path, "unit = [").unwrap();
    assert!(OfficeProfile::load(&path).is_err());
}

#[test]
fn a_busy_month_stays_within_the_seeds_length() {
    let topics = [
        "street_lighting",
        "water_supply",
        "noise",
        "parking",
        "property_management",
        "road_damage",
        "wage_arrears",
    ];
    let mut cases = Vec::new();
    for i in 0..700 {
        let t = topics[i % topics.len()];
        let mut c = case(
            &format!("X{i}"),
            (i % 28) as u32 + 1,
            t,
            &format!("第{i}号小区{t}问题长期得不到解决希望尽快处理"),
            &LONG_LETTER.repeat(3),
        );
        c.reply = Some(LONG_LETTER.repeat(2));
        if i % 50 == 0 {
            c.tags.as_mut().unwrap().urgent = true;
        }
        cases.push(c);
    }
    let md = markdown(&build(&cases));
    let n = body(&md).chars().count();
    assert!(n < 8000, "{n} characters before 附件");
}
