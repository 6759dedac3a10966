//! Hotspots on ~40 invented cases with three obvious hotspots and noise: the hotspots are
//! found whole and pure, labelled with their place, ranked by heat, and repeats are marked.
//! Runs without ../shared.

use chrono::NaiveDateTime;
use hotline::hotspots::{find_hotspots, mark_repeats, HotspotParams, RepeatReason};
use hotline::{Case, Tags};

fn case(id: &str, user: &str, day: &str, title: &str, body: &str, likes: u32) -> Case {
    Case {
        user: Some(user.to_string()),
        title: Some(title.to_string()),
        received_at: Some(
            NaiveDateTime::parse_from_str(&format!("{day} 10:00:00"), "%Y-%m-%d %H:%M:%S").unwrap(),
        ),
        likes: Some(likes),
        ..Case::new(id, body)
    }
}

/// Group A: 幸福里小区 垃圾站臭味 (10), B: 城南中学 强制补课收费 (8),
/// C: 滨江路 夜间施工噪音 (7), and 15 unrelated cases.
fn fixture() -> Vec<Case> {
    let a = [
        (
            "幸福里小区门口垃圾站臭气熏天",
            "幸福里小区门口的垃圾站每天臭气熏天，垃圾清运不及时，居民开窗都不敢。",
        ),
        (
            "投诉幸福里小区垃圾站臭味严重",
            "幸福里小区东门垃圾站臭味严重，夏天苍蝇蚊子很多，请求环卫部门处理。",
        ),
        (
            "幸福里小区垃圾站垃圾堆积发臭",
            "幸福里小区垃圾站的垃圾堆积好几天没人清运，散发臭味，影响居民生活。",
        ),
        (
            "请求搬迁幸福里小区垃圾站",
            "幸福里小区垃圾站离住宅楼太近，臭味直接飘进家里，请求搬迁垃圾站。",
        ),
        (
            "幸福里小区垃圾站污水横流臭味大",
            "幸福里小区垃圾站旁污水横流，臭味很大，老人小孩路过都要捂鼻子。",
        ),
        (
            "幸福里小区垃圾站又臭了",
            "幸福里小区垃圾站又开始发臭，垃圾清运车几天才来一次。",
        ),
        (
            "反映幸福里小区垃圾站臭味问题",
            "本人住幸福里小区，楼下垃圾站臭味太大，晚上睡觉都能闻到。",
        ),
        (
            "幸福里小区垃圾站没人管",
            "幸福里小区垃圾站满了也没人清运，臭味熏人，物业推给环卫。",
        ),
        (
            "幸福里小区垃圾站蚊蝇滋生",
            "幸福里小区垃圾站蚊蝇滋生，臭味严重，希望每天清运消杀。",
        ),
        (
            "幸福里小区垃圾站臭味扰民",
            "幸福里小区垃圾站臭味扰民，已经反映多次，至今没有解决。",
        ),
    ];
    let b = [
        (
            "城南中学强制学生周末补课收费",
            "城南中学强制学生周末到校补课，每人收取补课费八百元，家长不敢不交。",
        ),
        (
            "举报城南中学违规有偿补课",
            "城南中学老师组织学生有偿补课，每月收费，不参加的学生被点名批评。",
        ),
        (
            "城南中学暑假强制补课",
            "城南中学暑假期间强制初三学生补课，收取资料费和补课费。",
        ),
        (
            "城南中学乱收补课费",
            "城南中学以自愿为名强制补课，收费标准不公开，请教育局查处。",
        ),
        (
            "城南中学周六补课收钱",
            "城南中学每周六安排补课，每个学生收费两百元，违反减负规定。",
        ),
        (
            "投诉城南中学变相强制补课",
            "城南中学班主任要求全班参加补课并交费，不交费的学生调座位。",
        ),
        (
            "城南中学寒假补课收费问题",
            "城南中学寒假补课十天收费一千元，家长负担很重。",
        ),
        (
            "城南中学强制补课",
            "城南中学强制学生参加晚自习补课并收取费用。",
        ),
    ];
    let c = [
        (
            "滨江路工地夜间施工噪音扰民",
            "滨江路地铁工地每天晚上十二点后还在施工，打桩机噪音很大，居民无法入睡。",
        ),
        (
            "滨江路深夜施工太吵",
            "滨江路工地深夜施工，机器轰鸣，噪音严重扰民，请城管查处。",
        ),
        (
            "投诉滨江路夜间违规施工",
            "滨江路施工单位夜间违规作业，没有夜间施工许可，噪音扰民。",
        ),
        (
            "滨江路工地凌晨施工噪音",
            "滨江路工地凌晨两点还在浇筑混凝土，噪音太大，孩子被吵醒。",
        ),
        (
            "滨江路施工噪音严重影响休息",
            "滨江路工地夜里施工噪音严重影响周边居民休息。",
        ),
        (
            "滨江路夜间施工扰民何时管",
            "滨江路夜间施工扰民已经一个月，多次投诉无果。",
        ),
        (
            "滨江路工地噪音扰民",
            "滨江路工地晚上施工噪音扰民，渣土车来回轰鸣。",
        ),
    ];
    let noise = [
        (
            "咨询新生儿医保办理",
            "请问新生儿医保在哪里办理，需要带什么材料？",
        ),
        (
            "公交12路发车间隔太长",
            "12路公交车发车间隔四十分钟，早高峰等不到车。",
        ),
        (
            "建议增加公共自行车站点",
            "建议在人民公园附近增加公共自行车站点。",
        ),
        (
            "农民工工资被拖欠",
            "我在某建筑公司打工，工资被拖欠三个月，老板不接电话。",
        ),
        ("路灯不亮", "和平村村口的路灯坏了两个月，晚上出行不安全。"),
        ("咨询公积金提取", "离职后公积金怎么提取，需要什么手续？"),
        ("菜市场占道经营", "东风菜市场门口摊贩占道经营，交通拥堵。"),
        ("表扬派出所民警", "感谢派出所民警帮我找回丢失的钱包。"),
        ("自来水水质发黄", "家里自来水这两天发黄，有异味，担心水质。"),
        (
            "网吧接纳未成年人",
            "某网吧经常接纳未成年人上网，请文化执法查处。",
        ),
        (
            "咨询养老保险缴费年限",
            "养老保险缴费满多少年才能领取养老金？",
        ),
        (
            "小区电梯经常故障",
            "阳光花园小区电梯经常困人，物业维修不及时。",
        ),
        ("出租车拒载", "晚上在火车站打车，出租车司机拒载。"),
        (
            "建议延长图书馆开放时间",
            "建议市图书馆周末延长开放时间到晚上九点。",
        ),
        ("宠物狗不拴绳", "小区里很多人遛狗不拴绳，吓到小孩。"),
    ];
    let mut out = Vec::new();
    for (k, (t, b)) in a.iter().enumerate() {
        out.push(case(
            &format!("A{k:02}"),
            &format!("ua{k}"),
            &format!("2023-11-{:02}", 2 + k * 2),
            t,
            b,
            k as u32,
        ));
    }
    for (k, (t, body)) in b.iter().enumerate() {
        out.push(case(
            &format!("B{k:02}"),
            &format!("ub{k}"),
            &format!("2023-11-{:02}", 10 + k),
            t,
            body,
            0,
        ));
    }
    for (k, (t, body)) in c.iter().enumerate() {
        out.push(case(
            &format!("C{k:02}"),
            &format!("uc{k}"),
            &format!("2023-11-{:02}", 20 + k),
            t,
            body,
            1,
        ));
    }
    for (k, (t, body)) in noise.iter().enumerate() {
        out.push(case(
            &format!("N{k:02}"),
            &format!("un{k}"),
            &format!("2023-11-{:02}", 1 + k),
            t,
            body,
            0,
        ));
    }
    // One complainant of A writes again.
    out.push(case(
        "A99",
        "ua0",
        "2023-11-25",
        "幸福里小区垃圾站臭味还是没解决",
        "上次反映幸福里小区垃圾站臭味的问题，到现在还是没有解决。",
        0,
    ));
    out
}

#[test]
fn finds_the_three_hotspots_whole_and_pure() {
    let cases = fixture();
    let hot = find_hotspots(&cases, &HotspotParams::default());
    assert!(hot.len() >= 3, "{hot:#?}");
    for (prefix, place, size) in [
        ("A", "幸福里", 11),
        ("B", "城南中学", 8),
        ("C", "滨江路", 7),
    ] {
        let h = hot[..3]
            .iter()
            .find(|h| h.label.contains(place))
            .unwrap_or_else(|| panic!("no top-3 label names {place}: {hot:#?}"));
        let pure = h
            .case_ids
            .iter()
            .filter(|id| id.starts_with(prefix))
            .count();
        assert_eq!(
            pure,
            h.case_ids.len(),
            "{} is not pure: {:?}",
            h.label,
            h.case_ids
        );
        assert!(
            h.case_count * 10 >= size * 8,
            "{} has {} of {size}",
            h.label,
            h.case_count
        );
        assert!(!h.representative_ids.is_empty() && h.representative_ids.len() <= 3);
        assert!(h.first <= h.last);
    }
    for w in hot.windows(2) {
        assert!(w[0].heat >= w[1].heat);
        assert_eq!(w[0].rank + 1, w[1].rank);
    }
    assert!(
        hot[0].label.contains("幸福里"),
        "the largest, most liked is hottest"
    );
    assert!(hot[0].repeats >= 1, "A99 repeats A00: {:?}", hot[0]);
    assert_eq!(hot[0].distinct_users, hot[0].case_count - 1);
    // No hotspot mixes groups.
    for h in &hot {
        let first = &h.case_ids[0][..1];
        assert!(h.case_ids.iter().all(|id| id.starts_with(first)), "{h:?}");
    }
}

#[test]
fn topic_growth_and_json() {
    let mut cases = fixture();
    for c in &mut cases {
        if c.id.starts_with('C') {
            c.tags = Some(Tags {
                topic: "noise".into(),
                ..Tags::default()
            });
        }
    }
    // A previous period with many 滨江路 cases: its growth term falls.
    let previous: Vec<Case> = cases
        .iter()
        .filter(|c| c.id.starts_with('C'))
        .flat_map(|c| {
            (0..4).map(move |k| Case {
                id: format!("P{k}{}", c.id),
                ..c.clone()
            })
        })
        .collect();
    let plain = find_hotspots(&cases, &HotspotParams::default());
    let grown = find_hotspots(
        &cases,
        &HotspotParams {
            previous,
            ..HotspotParams::default()
        },
    );
    let heat_of = |hs: &[hotline::hotspots::Hotspot]| {
        hs.iter()
            .find(|h| h.label.contains("滨江路"))
            .map(|h| (h.heat, h.previous_count, h.topic.clone()))
    };
    let (h0, p0, t0) = heat_of(&plain).unwrap();
    let (h1, p1, _) = heat_of(&grown).unwrap();
    assert_eq!(p0, None);
    assert!(p1.unwrap() >= 20, "{p1:?}");
    assert!(h1 < h0, "{h1} should be below {h0}");
    assert_eq!(t0.as_deref(), Some("noise"));
    let json = serde_json::to_string(&plain).unwrap();
    let back: Vec<hotline::hotspots::Hotspot> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, plain);
}

#[test]
fn repeats_are_marked() {
    let cases = fixture();
    let reps = mark_repeats(&cases);
    let a99 = reps
        .iter()
        .find(|r| r.id == "A99")
        .expect("A99 is a repeat");
    assert_eq!(a99.reason, RepeatReason::SameComplainant);
    assert!(reps.iter().all(|r| !r.id.starts_with('N')), "{reps:?}");
    assert!(reps
        .iter()
        .any(|r| r.reason == RepeatReason::SamePlaceAndProblem));
}

#[test]
fn empty_and_tiny_inputs() {
    assert!(find_hotspots(&[], &HotspotParams::default()).is_empty());
    let one = vec![Case::new("1", "路灯不亮")];
    assert!(find_hotspots(&one, &HotspotParams::default()).is_empty());
    let no_text = vec![Case::new("1", "，。"), Case::new("2", "！！")];
    assert!(find_hotspots(&no_text, &HotspotParams::default()).is_empty());
}

/// A letter sent again (same text, new id, a second later) is counted as a copy of the
/// hotspot, not as one more case, and two copies alone make no hotspot.
#[test]
fn copies_of_a_letter_are_duplicates_not_cases() {
    let cases = fixture();
    let base = find_hotspots(&cases, &HotspotParams::default());
    let a = base.iter().find(|h| h.label.contains("幸福里")).unwrap();
    let mut more = cases.clone();
    let first = cases.iter().find(|c| c.id == a.case_ids[0]).unwrap();
    for k in 0..3 {
        let mut copy = first.clone();
        copy.id = format!("COPY{k}");
        copy.received_at = first.received_at.map(|t| t + chrono::Duration::seconds(1));
        more.push(copy);
    }
    // Three copies of one unrelated letter are one letter: no hotspot.
    let lone = case(
        "Z1",
        "z",
        "2023-05-20",
        "某某路口井盖丢失",
        "路口井盖丢了，很危险。",
        0,
    );
    for k in 0..3 {
        let mut c = lone.clone();
        c.id = format!("Z1-{k}");
        more.push(c);
    }
    let hot = find_hotspots(&more, &HotspotParams::default());
    let b = hot.iter().find(|h| h.label.contains("幸福里")).unwrap();
    assert_eq!(b.case_count, a.case_count);
    assert_eq!(b.duplicates, 3);
    assert!(b.duplicate_ids.iter().all(|d| d.starts_with("COPY")));
    assert!(hot
        .iter()
        .all(|h| !h.case_ids.iter().any(|id| id.starts_with("Z1"))));
}
