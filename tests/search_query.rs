//! Search behaviour on small fixtures and on corpus/: multi-word Chinese queries, phrases,
//! exclusions, OR, filters (also with an empty query), sorting, highlights on tricky text,
//! synonym expansion on and off, and similar cases.

use chrono::NaiveDate;
use hotline::index::CaseStore;
use hotline::model::{Case, Kind, Tags};
use hotline::search::query::QueryOptions;
use hotline::search::{parse_date_bound, search, similar, Filters, SearchRequest, SortBy};

fn case(id: &str, day: u32, dept: &str, kind: Kind, text: &str) -> Case {
    let mut c = Case::new(id, text);
    c.received_at = NaiveDate::from_ymd_opt(2020, 11, day)
        .unwrap()
        .and_hms_opt(9, 30, 0);
    c.department = Some(dept.to_string());
    c.kind = Some(kind);
    c.town = Some("官渡镇".to_string());
    c
}

fn fixture() -> CaseStore {
    let mut cases = vec![
        case(
            "1",
            1,
            "住建管理局",
            Kind::Complaint,
            "官渡镇106国道路段路灯一直不亮，晚上出行很危险。",
        ),
        case(
            "2",
            2,
            "住建管理局",
            Kind::Complaint,
            "丽发新城旁边的搅拌站噪音很大，夜间施工扰民。",
        ),
        case(
            "3",
            3,
            "人社局",
            Kind::Complaint,
            "某建筑公司拖欠工资三个月，农民工讨薪无门。",
        ),
        case(
            "4",
            4,
            "人社局",
            Kind::HelpRequest,
            "工地老板欠薪跑路，工人要求支付工资。",
        ),
        case(
            "5",
            5,
            "水务公司",
            Kind::Complaint,
            "新江镇自来水停水两天了，也没有通知。",
        ),
        case(
            "6",
            6,
            "水务公司",
            Kind::Inquiry,
            "请问新江镇什么时候恢复供水？小区断水影响生活。",
        ),
        case(
            "7",
            7,
            "城管局",
            Kind::Complaint,
            "小区门口烧烤油烟很大，噪音扰民到深夜。",
        ),
        case(
            "8",
            8,
            "交通运输局",
            Kind::Suggestion,
            "建议增加公交车班次，公交站台没有遮雨棚。",
        ),
        case(
            "9",
            9,
            "住建管理局",
            Kind::Complaint,
            "街灯坏了很久没人修，小区路口漆黑一片。",
        ),
        case(
            "10",
            20,
            "住建管理局",
            Kind::Complaint,
            "路灯不亮的问题反映多次仍未解决。",
        ),
    ];
    cases[0].title = Some("106国道路灯不亮".into());
    cases[2].tags = Some(Tags {
        topic: "wage_arrears".into(),
        category: "劳动和社会保障".into(),
        ..Tags::default()
    });
    cases[3].tags = cases[2].tags.clone();
    cases[1].reply = Some("经核查，搅拌站已停止夜间施工。".into());
    let store = CaseStore::in_memory().unwrap();
    store.upsert(&cases).unwrap();
    store
}

fn ids(store: &CaseStore, req: &SearchRequest) -> Vec<String> {
    let mut v: Vec<String> = search(store, req)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.id)
        .collect();
    v.sort_by_key(|s| s.parse::<u32>().unwrap_or(0));
    v
}

fn q(query: &str) -> SearchRequest {
    SearchRequest {
        limit: 100,
        ..SearchRequest::new(query)
    }
}

fn no_syn(query: &str) -> SearchRequest {
    SearchRequest {
        options: QueryOptions {
            synonyms: false,
            ..QueryOptions::default()
        },
        ..q(query)
    }
}

#[test]
fn words_without_spaces_are_not_a_strict_phrase() {
    let s = fixture();
    // 路灯 一直 不亮: words required, not adjacent
    assert_eq!(ids(&s, &no_syn("路灯 不亮")), ["1", "10"]);
    // the dictionary compound written together finds it written together
    assert!(ids(&s, &no_syn("路灯不亮")).contains(&"10".to_string()));
    // an unknown place name split by jieba still matches
    assert_eq!(ids(&s, &no_syn("丽发新城 搅拌站")), ["2"]);
    assert_eq!(ids(&s, &no_syn("丽发新城搅拌站")), ["2"]);
    // 拖欠 工资 with a space: both required anywhere
    assert_eq!(ids(&s, &no_syn("拖欠 工资")), ["3"]);
}

#[test]
fn phrases_exclusions_and_or() {
    let s = fixture();
    assert_eq!(ids(&s, &no_syn("\"噪音扰民\"")), ["7"]);
    assert_eq!(ids(&s, &no_syn("噪音")), ["2", "7"]);
    assert_eq!(ids(&s, &no_syn("噪音 -油烟")), ["2"]);
    assert_eq!(ids(&s, &no_syn("停水 OR 断水")), ["5", "6"]);
    assert_eq!(ids(&s, &no_syn("新江镇 停水 OR 供水")), ["5", "6"]);
    // only an exclusion: everything else
    assert_eq!(ids(&s, &no_syn("-小区")).len(), 7);
    // the reply is searched too
    assert_eq!(ids(&s, &no_syn("停止夜间施工")), ["2"]);
}

#[test]
fn synonyms_expand_and_can_be_turned_off() {
    let s = fixture();
    assert_eq!(ids(&s, &no_syn("欠薪")), ["4"]);
    assert_eq!(ids(&s, &q("欠薪")), ["3", "4"]);
    assert_eq!(ids(&s, &no_syn("路灯")), ["1", "10"]);
    assert_eq!(ids(&s, &q("路灯")), ["1", "9", "10"]);
    assert_eq!(ids(&s, &no_syn("停水")), ["5"]);
    assert_eq!(ids(&s, &q("停水")), ["5", "6"]);
    // words of one synonym group: the group is required once, the matches are the same
    assert_eq!(ids(&s, &q("欠薪 讨薪")), ["3", "4"]);
    assert_eq!(ids(&s, &q("欠薪 讨薪 农民工")), ["3"]);
    assert_eq!(ids(&s, &q("停水 断水")), ["5", "6"]);
    assert_eq!(ids(&s, &no_syn("欠薪 讨薪")), Vec::<String>::new());
}

#[test]
fn filters_combine_with_the_query_and_work_alone() {
    let s = fixture();
    let mut r = q("");
    r.filters = Filters {
        department: Some("住建".into()),
        ..Filters::default()
    };
    assert_eq!(ids(&s, &r), ["1", "2", "9", "10"]);
    r.query = "路灯".into();
    assert_eq!(ids(&s, &r), ["1", "9", "10"]);
    r.filters.from = Some(parse_date_bound("2020-11-02", false).unwrap());
    r.filters.to = Some(parse_date_bound("2020-11-09", true).unwrap());
    assert_eq!(ids(&s, &r), ["9"]);
    let mut r = q("");
    r.filters.kind = Some(Kind::Inquiry);
    assert_eq!(ids(&s, &r), ["6"]);
    let mut r = q("");
    r.filters.topic = Some("wage_arrears".into());
    assert_eq!(ids(&s, &r), ["3", "4"]);
    let mut r = q("");
    r.filters.from = Some(parse_date_bound("2020-11", false).unwrap());
    r.filters.to = Some(parse_date_bound("2020-11", true).unwrap());
    r.filters.town = Some("官渡".into());
    assert_eq!(search(&s, &r).unwrap().total_hits, 10);
}

#[test]
fn sorting_paging_and_hit_fields() {
    let s = fixture();
    let mut r = q("小区");
    r.sort = SortBy::Date;
    let hits = search(&s, &r).unwrap().hits;
    let order: Vec<&str> = hits.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(order, ["9", "7", "6"]);
    r.limit = 1;
    r.offset = 1;
    let res = search(&s, &r).unwrap();
    assert_eq!(res.total_hits, 3);
    assert_eq!(res.hits[0].id, "7");
    let res = search(&s, &q("欠薪")).unwrap();
    let h = &res.hits[0];
    assert_eq!(h.topic.as_deref(), Some("wage_arrears"));
    assert_eq!(h.department.as_deref(), Some("人社局"));
    assert!(h.received_at.as_deref().unwrap().starts_with("2020-11-0"));
    let json = serde_json::to_value(&res).unwrap();
    for k in [
        "id",
        "score",
        "received_at",
        "title",
        "department",
        "topic",
        "snippet",
        "snippet_html",
    ] {
        assert!(json["hits"][0].get(k).is_some(), "{k} missing");
    }
    // relevance: the case with the query words in its title ranks first
    let res = search(&s, &no_syn("路灯 不亮")).unwrap();
    assert_eq!(res.hits[0].id, "1");
}

#[test]
fn highlights_on_tricky_text() {
    let text = "😀😀【投诉】ＡＢＣ小区（3栋）停水！！Water停水 off…路灯😡不亮";
    let c = Case::new("t", text);
    let store = CaseStore::in_memory().unwrap();
    store.upsert(&[c]).unwrap();
    let res = search(&store, &no_syn("停水 abc water 路灯")).unwrap();
    assert_eq!(res.total_hits, 1);
    let h = &res.hits[0];
    assert_eq!(h.snippet, text);
    assert_eq!(
        h.snippet_marked,
        "😀😀【投诉】【ＡＢＣ】小区（3栋）【停水】！！【Water】【停水】 off…【路灯】😡不亮"
    );
    assert_eq!(
        h.snippet_html,
        "😀😀【投诉】<mark>ＡＢＣ</mark>小区（3栋）<mark>停水</mark>！！<mark>Water</mark><mark>停水</mark> off…<mark>路灯</mark>😡不亮"
    );
}

#[test]
fn corpus_reports_are_searchable() {
    let dir = hotline::testdata::project_dir().join("corpus");
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, para) in text.split("\n\n").enumerate() {
            if para.trim().chars().count() > 10 {
                cases.push(Case::new(
                    format!("{}#{i}", path.file_name().unwrap().to_string_lossy()),
                    para.trim(),
                ));
            }
        }
    }
    let store = CaseStore::in_memory().unwrap();
    store.upsert(&cases).unwrap();
    let res = search(&store, &q("路灯 不亮")).unwrap();
    assert!(res.total_hits > 0);
    for h in &res.hits {
        assert!(h.snippet_marked.contains('【'), "{h:?}");
        assert!(h.snippet_html.contains("<mark>"));
    }
    // a multi-word query finds only cases with every word (or a synonym)
    let res = search(&store, &no_syn("住建管理局 路灯")).unwrap();
    for h in &res.hits {
        assert!(h.case.narrative.contains("住建管理局") && h.case.narrative.contains("路灯"));
    }
}

#[test]
fn similar_cases_on_a_small_set() {
    let s = fixture();
    let res = similar::similar_to_text(&s, "我们在工地干活，老板拖欠工资不给", 3).unwrap();
    assert!(!res.is_empty());
    assert!(["3", "4"].contains(&res[0].id.as_str()), "{res:?}");
    let res = similar::similar_to_id(&s, "5", 2).unwrap();
    assert_eq!(res[0].id, "6");
    assert!(res.iter().all(|r| r.id != "5"));
    let res = similar::similar_to_id(&s, "2", 1).unwrap();
    assert!(res[0].score > 0.0);
    assert!(similar::similar_to_id(&s, "nope", 1).is_err());
}
