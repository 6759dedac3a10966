//! Search and similar cases as an analyst uses them, on fixtures written here: a dictionary
//! compound also matches its parts near each other (ranked below the compound itself), a hit
//! that matches only in the office's reply says so, `similar` puts handled cases first, and a
//! reply that names the handling unit gives the case a department.

use hotline::index::CaseStore;
use hotline::model::Case;
use hotline::search::query::QueryOptions;
use hotline::search::reply_unit::unit_from_reply;
use hotline::search::{search, similar, SearchRequest};

fn case(id: &str, title: &str, text: &str) -> Case {
    let mut c = Case::new(id, text);
    c.title = Some(title.to_string());
    c
}

fn handled(id: &str, title: &str, text: &str, reply: &str, dept: Option<&str>) -> Case {
    let mut c = case(id, title, text);
    c.reply = Some(reply.to_string());
    c.department = dept.map(str::to_string);
    c
}

fn store(cases: &[Case]) -> CaseStore {
    let s = CaseStore::in_memory().unwrap();
    s.upsert(cases).unwrap();
    s
}

fn ids(s: &CaseStore, req: &SearchRequest) -> Vec<String> {
    search(s, req)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.id)
        .collect()
}

fn lighting() -> CaseStore {
    store(&[
        case(
            "exact",
            "路灯不亮",
            "我家楼下的路灯不亮，晚上出行很不方便。",
        ),
        case(
            "gap",
            "小区照明",
            "我们小区门口的路灯长期不亮，晚上很黑，老人小孩出门不安全。",
        ),
        case(
            "far",
            "车辆撞坏设施",
            "小区门口路灯杆被货车撞歪了，一直没人管。楼道里的声控灯也一直不亮。",
        ),
        case("reversed", "灯不亮", "不亮的路灯已经有好几盏了。"),
        case("other", "噪音扰民", "楼下烧烤店噪音很大，影响休息。"),
    ])
}

#[test]
fn a_dictionary_compound_also_matches_its_parts_near_each_other() {
    let s = lighting();
    let found = ids(&s, &SearchRequest::new("路灯不亮"));
    assert_eq!(
        found.first().map(String::as_str),
        Some("exact"),
        "{found:?}"
    );
    assert!(found.contains(&"gap".to_string()), "{found:?}");
    assert!(!found.contains(&"far".to_string()), "{found:?}");
    // the parts in either order within a clause: 不亮的路灯 are street lamps that are out
    assert!(found.contains(&"reversed".to_string()), "{found:?}");
    assert!(!found.contains(&"other".to_string()), "{found:?}");
    // the exact match ranks above the match in parts
    let exact_at = found.iter().position(|i| i == "exact").unwrap();
    let gap_at = found.iter().position(|i| i == "gap").unwrap();
    assert!(exact_at < gap_at);
}

#[test]
fn a_name_in_the_dictionary_is_not_matched_in_parts() {
    let s = store(&[
        case("name", "看病难", "县人民医院挂号排队太久。"),
        case("apart", "看病难", "人民群众去医院看病排队太久。"),
    ]);
    assert_eq!(
        ids(&s, &SearchRequest::new("人民医院")),
        vec!["name".to_string()]
    );
}

#[test]
fn a_compound_can_be_matched_whole_only() {
    let s = lighting();
    let req = SearchRequest {
        options: QueryOptions {
            compound_slop: None,
            ..QueryOptions::default()
        },
        ..SearchRequest::new("路灯不亮")
    };
    assert_eq!(ids(&s, &req), vec!["exact".to_string()]);
}

#[test]
fn a_hit_matching_only_in_the_reply_says_so() {
    let s = store(&[
        handled(
            "asked",
            "住建局不作为",
            "多次向住建局反映小区违建问题，一直没有处理。",
            "经县住建局核实，违建已拆除。",
            Some("县住建局"),
        ),
        handled(
            "answered",
            "小区违建",
            "小区有人在楼顶搭建彩钢房，请尽快处理。",
            "经县住建局核实，违建已拆除。",
            None,
        ),
        case("unanswered", "道路积水", "下雨后道路积水严重。"),
    ]);
    let res = search(&s, &SearchRequest::new("住建局")).unwrap();
    let flag = |id: &str| res.hits.iter().find(|h| h.id == id).map(|h| h.reply_only);
    assert_eq!(flag("asked"), Some(false));
    assert_eq!(flag("answered"), Some(true));
    assert_eq!(flag("unanswered"), None);
    // the flag is in the JSON an API client reads
    let json = serde_json::to_value(&res).unwrap();
    assert!(json["hits"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["reply_only"] == serde_json::json!(true)));
    // an exclusion-only or filter-only search flags nothing
    let res = search(&s, &SearchRequest::new("-积水")).unwrap();
    assert!(res.hits.iter().all(|h| !h.reply_only));
}

#[test]
fn the_department_comes_from_a_reply_that_names_the_unit() {
    assert_eq!(
        unit_from_reply("网友您好！经丽发镇人民政府现场核实，搅拌站已停工整改。").as_deref(),
        Some("丽发镇人民政府")
    );
    assert_eq!(
        unit_from_reply("您的留言已收悉，已转市生态环境局调查处理。").as_deref(),
        Some("市生态环境局")
    );
    assert_eq!(
        unit_from_reply("搅拌站已停工整改，感谢您的监督。\n县城市管理局\n2019年8月2日").as_deref(),
        Some("县城市管理局")
    );
    assert_eq!(unit_from_reply("经我局核实，已处理。"), None);
    assert_eq!(unit_from_reply("留言已收悉。"), None);
}

/// Unhandled letters closest to the query (word for word), handled ones a little further (in
/// other words, above [`similar::HANDLED_SHARE`] of the best), a handled letter on another
/// problem far below.
fn noise_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for i in 0..5 {
        cases.push(case(
            &format!("open{i}"),
            "丽发新城搅拌站噪音扰民",
            &format!("丽发新城旁边的搅拌站夜间施工噪音扰民，严重影响休息，请处理。第{i}次反映。"),
        ));
    }
    let replies = [
        ("经丽发镇人民政府现场核实，搅拌站已限制夜间施工。", None),
        ("已转区生态环境局调查处理，已责令整改。", None),
        ("搅拌站夜间已停工。", Some("区城市管理局")),
        ("经区住建局调查，已要求搅拌站安装隔音设施。", None),
        ("已对搅拌站立案处罚。", Some("区生态环境局")),
    ];
    for (i, (reply, dept)) in replies.into_iter().enumerate() {
        cases.push(handled(
            &format!("done{i}"),
            "搅拌站噪音",
            &format!("丽发新城旁边的搅拌站夜间施工噪音扰民，影响休息。编号{i}"),
            reply,
            dept,
        ));
    }
    cases.push(handled(
        "far",
        "公交线路",
        "建议丽发新城增加公交车班次。",
        "经区交通运输局研究，已增加班次。",
        None,
    ));
    cases
}

#[test]
fn similar_puts_handled_cases_first() {
    let s = store(&noise_cases());
    let res = similar::similar_to_text(&s, "丽发新城旁边的搅拌站夜间施工噪音扰民，严重影响休息", 5)
        .unwrap();
    assert_eq!(res.len(), 5);
    let shown = res
        .iter()
        .filter(|r| r.reply.is_some() && (r.department.is_some() || r.reply_department.is_some()))
        .count();
    assert!(
        shown >= 4,
        "{:?}",
        res.iter().map(|r| (&r.id, r.score)).collect::<Vec<_>>()
    );
    // a handled letter on another problem is not moved up
    let all =
        similar::similar_to_text(&s, "丽发新城旁边的搅拌站夜间施工噪音扰民，严重影响休息", 20)
            .unwrap();
    let far_at = all.iter().position(|r| r.id == "far");
    assert!(far_at.is_none_or(|at| at >= 10), "{far_at:?}");
    // the department named in a reply is shown, the stored one is kept as it is
    let d0 = all.iter().find(|r| r.id == "done0").unwrap();
    assert_eq!(d0.department, None);
    assert_eq!(d0.reply_department.as_deref(), Some("丽发镇人民政府"));
    let d2 = all.iter().find(|r| r.id == "done2").unwrap();
    assert_eq!(d2.department.as_deref(), Some("区城市管理局"));
    assert_eq!(d2.reply_department, None);
}

#[test]
fn similar_without_handled_cases_ranks_by_similarity() {
    let cases: Vec<Case> = noise_cases()
        .into_iter()
        .filter(|c| c.reply.is_none())
        .collect();
    let s = store(&cases);
    let res = similar::similar_to_text(&s, "丽发新城搅拌站夜间施工噪音扰民", 3).unwrap();
    assert!(res.iter().all(|r| r.id.starts_with("open")));
    assert!(res.windows(2).all(|w| w[0].score >= w[1].score));
}

/// A unit name without the words that vary between a reply and the agency column: 人民政府 is
/// 政府, a trailing 办公室 or a leading 商洛市 / 市 is dropped.
fn unit_core(s: &str) -> String {
    let s = s.replace("人民政府", "政府");
    let s = s.trim_end_matches("办公室");
    let s = s.strip_prefix("商洛市").unwrap_or(s);
    let s = s.strip_prefix('市').unwrap_or(s);
    s.to_string()
}

/// The held-out measurement of the reply patterns (written from tipdm replies): on the
/// Shangluo mailbox, how often a reply names a unit, and how often that unit is the
/// reply_agency of the letter. Skipped when ../shared is absent.
#[test]
fn department_from_reply_on_the_shangluo_mailbox() {
    let Some(shared) = hotline::testdata::shared_dir() else {
        println!("skipped: ../shared not found (set HOTLINE_SHARED)");
        return;
    };
    let path = shared.join("datasets/shangluo_mailbox/mails.csv");
    let batch = hotline::ingest::read_path(&path, &Default::default()).unwrap();
    let (mut n, mut found, mut agree) = (0, 0, 0);
    let mut wrong = Vec::new();
    for c in &batch.cases {
        let (Some(reply), Some(agency)) = (c.reply.as_deref(), c.department.as_deref()) else {
            continue;
        };
        n += 1;
        let Some(unit) = unit_from_reply(reply) else {
            continue;
        };
        found += 1;
        let (u, a) = (unit_core(&unit), unit_core(agency));
        if u.contains(&a) || a.contains(&u) {
            agree += 1;
        } else {
            wrong.push(format!("{unit} | {agency}"));
        }
    }
    println!("letters with reply and agency: {n}; a unit found: {found}; agreeing: {agree}");
    for w in wrong.iter().take(40) {
        println!("  found | agency: {w}");
    }
    assert!(n > 1000);
}
