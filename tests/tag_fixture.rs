//! The tagger on self-written cases (tests/fixtures/tag/cases.csv): topics, categories (the
//! parent of a confident topic, else the seven-class model's), urgency, JSON shape; and,
//! when ../shared is present, the hand-labelled topic check set.

use std::path::PathBuf;

use hotline::model::Case;
use hotline::tag::{tag_cases, tag_text, tagger};

fn shared_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("HOTLINE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    dir.join("datasets").is_dir().then_some(dir)
}

struct Row {
    id: String,
    title: String,
    text: String,
    topic: String,
    category: String,
    urgent: bool,
}

fn fixture() -> Vec<Row> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tag/cases.csv");
    let mut rdr = csv::Reader::from_path(path).unwrap();
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            Row {
                id: r[0].to_string(),
                title: r[1].to_string(),
                text: r[2].to_string(),
                topic: r[3].to_string(),
                category: r[4].to_string(),
                urgent: &r[5] == "true",
            }
        })
        .collect()
}

#[test]
fn fixture_topics_categories_and_urgency() {
    let rows = fixture();
    assert!(rows.len() >= 30);
    let mut cases: Vec<Case> = rows
        .iter()
        .map(|r| {
            let mut c = Case::new(r.id.clone(), r.text.clone());
            c.title = Some(r.title.clone());
            c
        })
        .collect();
    tag_cases(&mut cases);
    let classes = &tagger().category.classes;
    let kw = &tagger().keywords;
    let (mut topic_ok, mut cat_ok, mut cat_n, mut urgent_ok) = (0, 0, 0, 0);
    for (r, c) in rows.iter().zip(&cases) {
        let t = c.tags.as_ref().expect("tagged");
        // a class of the category model, or the parent of a confident topic
        let spec = &kw.topics[kw.position(&t.topic).expect("a known topic")];
        let confident = t.topic != "other"
            && t.topic_confidence >= hotline::tag::topics::CATEGORY_FOLLOWS_TOPIC;
        if confident {
            assert_eq!(
                t.category, spec.category,
                "{}: category of {}",
                r.id, t.topic
            );
        } else {
            assert!(classes.contains(&t.category), "{}: {}", r.id, t.category);
        }
        assert!(t.secondary_topics.len() <= 2);
        assert!(t.department_suggestions.len() <= 3);
        assert_eq!(t.urgent, t.urgency.as_ref().is_some_and(|u| u.urgent));
        if t.urgent == r.urgent {
            urgent_ok += 1;
        } else {
            eprintln!(
                "{}: urgency {} expected {}: {:?}",
                r.id, t.urgent, r.urgent, t.urgency
            );
        }
        // a fixture marked urgent is never missed
        assert!(
            t.urgent || !r.urgent,
            "urgency of {}: {:?}",
            r.id,
            t.urgency
        );
        if t.topic == r.topic {
            topic_ok += 1;
        } else {
            eprintln!("{}: topic {} expected {}", r.id, t.topic, r.topic);
        }
        if classes.contains(&r.category) {
            cat_n += 1;
            if t.category == r.category {
                cat_ok += 1;
            } else {
                eprintln!("{}: category {} expected {}", r.id, t.category, r.category);
            }
        }
    }
    let topic_acc = topic_ok as f64 / rows.len() as f64;
    let cat_acc = cat_ok as f64 / cat_n as f64;
    eprintln!("fixture topic accuracy {topic_acc:.3}, category accuracy {cat_acc:.3}");
    assert!(topic_acc >= 0.8, "topic accuracy {topic_acc}");
    assert!(cat_acc >= 0.7, "category accuracy {cat_acc}");
    // the urgency classifier is a learned model: some false alarms on these letters
    let urgent_acc = urgent_ok as f64 / rows.len() as f64;
    eprintln!("fixture urgency accuracy {urgent_acc:.3}");
    assert!(urgent_acc >= 0.85, "urgency accuracy {urgent_acc}");
}

#[test]
fn tag_text_gives_evidence_and_departments() {
    let t = tag_text("小区门口路灯坏了一个月，晚上一片漆黑，请尽快维修路灯");
    assert_eq!(t.topic, "street_lighting");
    assert!(t.evidence.iter().any(|e| e.contains("路灯")));
    assert!(!t.department_suggestions.is_empty());
    assert!(t.category_confidence > 0.0 && t.category_confidence <= 1.0);
}

/// The category and the topic of a case never contradict: cases whose words the
/// seven-class category model reads as another class get the category of their confident
/// topic (a wage case is 劳动和社会保障; a traffic-order case is 政法, a parent the
/// category model does not know).
#[test]
fn category_follows_a_confident_topic() {
    let kw = &tagger().keywords;
    for (title, body, topic) in [
        (
            "工地拖欠工资",
            "在建筑工地干了半年活，包工头至今拖欠工资不给",
            "wage_arrears",
        ),
        (
            "小区停水三天",
            "我们小区已经连续停水三天，自来水公司也不给说法",
            "water_supply",
        ),
        (
            "路口车辆乱闯红灯",
            "学校门口路口车辆经常闯红灯，交警不管，非常危险",
            "traffic_order",
        ),
        (
            "动迁款一直不到位",
            "我家老房子动迁三年了，动迁款至今没有发放",
            "demolition_resettlement",
        ),
    ] {
        let t = tagger().tag(title, body);
        assert_eq!(t.topic, topic, "{title}");
        assert!(
            t.topic_confidence >= hotline::tag::topics::CATEGORY_FOLLOWS_TOPIC,
            "{title}: {}",
            t.topic_confidence
        );
        let parent = &kw.topics[kw.position(topic).unwrap()].category;
        assert_eq!(&t.category, parent, "{title}");
    }
}

#[test]
fn topic_check_set_when_shared_is_present() {
    let Some(shared) = shared_dir() else {
        eprintln!("skipping: ../shared not present");
        return;
    };
    let check = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/topics_check.csv");
    let rows = hotline::tag::topics::read_check(&check).unwrap();
    let (pairs, missing) =
        hotline::tag::topics::resolve_check(&shared.join("datasets"), &rows).unwrap();
    assert_eq!(missing, 0);
    let ok = pairs
        .iter()
        .filter(|(r, m)| {
            let (title, body) = m.title_body();
            tagger().tag(&title, &body).topic == r.topic
        })
        .count();
    let acc = ok as f64 / pairs.len() as f64;
    eprintln!("topic check accuracy {acc:.4} on {}", pairs.len());
    assert!(acc >= 0.80, "topic accuracy {acc}");
}
