//! Entity extraction: the places and objects a complaint is about (estates, schools,
//! companies, roads, villages, hospitals ...) and the administrative district it names.
//!
//! Hotline texts name places with a generic suffix (丽发新城, 伊景园滨河苑, 劳动东路,
//! 涉外经济学院, 富绿物业公司). jieba cuts such names unreliably (市丽发 / 新城, 魅力 / 之 /
//! 城), so the extractor works on jieba tokens but decides with patterns: a token that ends
//! with a place suffix is extended to the left over name-like tokens until a boundary word
//! (a verb of complaining, a preposition, a particle, punctuation, a district marker).
//! Anonymised and real district markers (A市, A5区, A7县, 西地省) are cut out first and
//! reported separately, because they are too coarse to identify a hotspot.
//!
//! A group of people with a policy problem (人才 with 购房补贴, 退役军人 with 安置) is a
//! subject like a place: a group name of `models/hotspot_groups.txt` with a policy word of
//! `models/hotspot_policies.txt` in the same clause is reported among the places.

use std::sync::LazyLock;

use regex::Regex;
use rustc_hash::FxHashSet;

use crate::text::Segmenter;

/// What the extractor found in one text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entities {
    /// Places and objects (丽发新城, 伊景园滨河苑, 涉外经济学院), in order of first mention,
    /// each once.
    pub places: Vec<String>,
    /// District markers (A5区, A7县, 官渡镇), in order, each once.
    pub districts: Vec<String>,
}

/// Suffixes that end a place or object name, longest first within a group.
const SUFFIXES: &[&str] = &[
    // estates and buildings
    "小区",
    "花园",
    "新城",
    "家园",
    "公寓",
    "广场",
    "大厦",
    "山庄",
    "名苑",
    "花苑",
    "华府",
    "国际",
    "之城",
    "庭院",
    "雅苑",
    "苑",
    "园",
    "城",
    "湾", // schools and institutions
    "学院",
    "学校",
    "小学",
    "中学",
    "大学",
    "幼儿园",
    "医院",
    "卫生院",
    "驾校",
    // companies and shops
    "公司",
    "物业",
    "集团",
    "银行",
    "超市",
    "市场",
    "酒店",
    "酒吧",
    "工厂",
    "厂",
    // roads and transport
    "大道",
    "路",
    "街",
    "巷",
    "高速",
    "大桥",
    "桥",
    "地铁站",
    "车站",
    "站",
    // settlements
    "社区",
    "村",
    "组",
];

/// Characters a name needs before its suffix (丽发|新城, 东|路 is too short).
const MIN_PREFIX_CHARS: usize = 2;

/// Words that end the leftward extension of a name (complaint verbs, prepositions,
/// generic nouns that are not part of a name).
const BOUNDARY_WORDS: &[&str] = &[
    "有关",
    "距",
    "距离",
    "实施",
    "即",
    "上访",
    "投诉",
    "反映",
    "关于",
    "例如",
    "比如",
    "包括",
    "以及",
    "等",
    "咨询",
    "建议",
    "举报",
    "请求",
    "希望",
    "要求",
    "恳请",
    "请",
    "市民",
    "业主",
    "居民",
    "我们",
    "我",
    "本人",
    "位于",
    "地处",
    "座落",
    "坐落",
    "在",
    "对",
    "和",
    "与",
    "及",
    "的",
    "了",
    "是",
    "有",
    "从",
    "到",
    "向",
    "给",
    "被",
    "把",
    "由",
    "将",
    "附近",
    "旁边",
    "周边",
    "对面",
    "门口",
    "里",
    "内",
    "外",
    "上",
    "下",
    "前",
    "后",
    "建",
    "修建",
    "新建",
    "小区",
    "学校",
    "公司",
    "问题",
    "情况",
    "为什么",
    "为何",
    "如何",
    "能否",
    "是否",
    "怎么",
    "什么",
    "哪里",
    "这个",
    "那个",
    "一个",
    "一家",
    "我家",
    "家",
    "楼",
    "栋",
    "号",
    "期",
    "整个",
    "所有",
    "各",
    "该",
    "此",
    "本",
    "某",
    "多个",
    "几个",
    "严重",
    "强烈",
    "紧急",
    "急需",
    "尽快",
    "马上",
    "立即",
    "没有",
    "无",
    "不",
    "未",
    "还",
    "又",
    "就",
    "都",
    "也",
    "已",
    "已经",
    "正在",
    "县城",
    "城区",
    "市区",
    "全市",
    "我市",
    "本市",
    "省",
    "市",
    "区",
    "县",
    "镇",
    "乡",
];

/// Part-of-speech tags that end the extension (prepositions, particles, conjunctions,
/// pronouns, adverbs, directions, punctuation).
const BOUNDARY_TAGS: &[&str] = &[
    "p", "uj", "ul", "uz", "uv", "ud", "ug", "c", "r", "d", "f", "x", "y", "zg",
];

/// Names that are generic nouns, never a particular place.
const GENERIC: &[&str] = &[
    "道路",
    "马路",
    "公路",
    "小区",
    "学校",
    "公司",
    "医院",
    "城市",
    "农村",
    "乡村",
    "城乡",
    "街道",
    "市场",
    "银行",
    "超市",
    "车站",
    "社区",
    "物业",
    "物业公司",
    "开发商",
    "幼儿园",
    "小学",
    "中学",
    "大学",
    "学院",
    "实验学校",
    "实验中学",
    "实验小学",
    "集团",
    "工厂",
    "高速",
    "花园",
    "公园",
    "家园",
    "广场",
    "县城",
    "城区",
    "主城",
    "新城",
    "老城",
    "省城",
    "全城",
    "进城",
    "出路",
    "线路",
    "一路",
    "沿路",
    "网站",
    "加油站",
    "派出所",
    "政府",
    "村组",
    "小组",
    "本村",
    "全村",
    "该村",
    "村里",
    "村民",
    "组织",
    "房地产开发公司",
    "房地产公司",
    "有限公司",
    // industry words + 公司: what is left of a name an export anonymised
    "开发有限公司",
    "房地产开发有限公司",
    "置业有限公司",
    "投资有限公司",
    "管理有限公司",
    "物业管理有限公司",
    "科技有限公司",
    "实业有限公司",
    "发展有限公司",
    "建设有限公司",
    "工程有限公司",
    "劳务有限公司",
    "贸易有限公司",
    "建筑公司",
    "地产公司",
    "开发公司",
    "街头",
    "大街",
    "街边",
    "上街",
    "临街",
    "沿街",
    "街巷",
    "过街",
    "中国银行",
    "建设银行",
    "工商银行",
    "农业银行",
    "交通银行",
    "地铁站",
    "公交站",
    "服务站",
    "客运站",
    "火车站",
    "高铁站",
    "垃圾站",
    "垃圾场",
    "中转站",
    "收费站",
    "变电站",
    "充电站",
    "公交车站",
    "政府",
    "市政府",
    "人民政府",
    "区政府",
    "县政府",
    "搅拌站",
    "站点",
    "物流园",
    "产业园",
    "工业园",
    "庄园",
    "菜园",
    "校园",
    "乐园",
    "桥下",
    "天桥",
    "立交桥",
    "路口",
    "路段",
    "路面",
    "路灯",
    "路边",
    "马路边",
];

/// Suffix words that come as a token of their own after a name (幸福里 | 小区).
const BARE_SUFFIXES: &[&str] = &["小区", "社区", "花园", "公寓", "新城", "家园"];

/// Endings of words that look like names but are not (高铁规划线路, 乡村道路).
const GENERIC_TAILS: &[&str] = &[
    "线路", "道路", "马路", "公路", "出路", "沿路", "政府", "学生", "入园", "进城",
];

/// Groups of people a policy letter is about, longest first.
const GROUPS: &str = include_str!("../../models/hotspot_groups.txt");
/// Policy and benefit words that make a group the subject of a letter.
const POLICIES: &str = include_str!("../../models/hotspot_policies.txt");

fn word_list(text: &'static str) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    v.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
    v
}

/// The word lists as hashed sets (the extractor looks every token up).
struct Lists {
    /// Group names, longest first.
    groups: Vec<&'static str>,
    policies: Vec<&'static str>,
    boundary_words: FxHashSet<&'static str>,
    generic: FxHashSet<&'static str>,
    /// Last characters of the suffixes: a token ending otherwise has no suffix.
    suffix_ends: FxHashSet<char>,
}

static LISTS: LazyLock<Lists> = LazyLock::new(|| Lists {
    groups: word_list(GROUPS),
    policies: word_list(POLICIES),
    boundary_words: BOUNDARY_WORDS.iter().copied().collect(),
    generic: GENERIC.iter().copied().collect(),
    suffix_ends: SUFFIXES.iter().filter_map(|s| s.chars().last()).collect(),
});

static ASCII_DISTRICT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Z][0-9]{0,2}(?:市|区|县)|西地省").unwrap());

/// Replaces district markers (A市, A5区, 西地省) by a comma, so that jieba does not glue
/// them onto the next word (市丽发, 区丽发).
pub fn strip_districts(text: &str) -> std::borrow::Cow<'_, str> {
    ASCII_DISTRICT.replace_all(text, "，")
}

/// Extracts the places and districts a text names.
pub fn extract(seg: &Segmenter, text: &str) -> Entities {
    let cleaned = strip_districts(text);
    let tagged = seg.jieba().tag(&cleaned, true);
    let words: Vec<(&str, &str)> = tagged.iter().map(|t| (t.word, t.tag)).collect();
    extract_tagged(text, &words)
}

/// As [`extract`], from the jieba-tagged words of `strip_districts(text)`.
pub fn extract_tagged(text: &str, words: &[(&str, &str)]) -> Entities {
    let lists = &*LISTS;
    let mut out = Entities::default();
    if text.bytes().any(|b| b.is_ascii_uppercase()) || text.contains("西地省") {
        for m in ASCII_DISTRICT.find_iter(text) {
            push_unique(&mut out.districts, m.as_str());
        }
    }
    for i in 0..words.len() {
        let (word, tag) = words[i];
        let Some(last) = word.chars().next_back() else {
            continue;
        };
        if tag == "ns" && (last == '镇' || last == '乡' || word.ends_with("街道")) {
            if word.chars().count() >= 3 {
                push_unique(&mut out.districts, word);
            }
            continue;
        }
        if !lists.suffix_ends.contains(&last) {
            continue;
        }
        let Some(suffix) = SUFFIXES.iter().find(|s| word.ends_with(**s)) else {
            continue;
        };
        let mut name = word.to_string();
        let mut j = i;
        let mut verb_start = false;
        while j > 0 {
            let (w, t) = words[j - 1];
            // Right before a bare suffix word (里 | 小区), only hard stops end the name.
            let adjacent_ok = j == i && BARE_SUFFIXES.contains(&word) && w == "里";
            if !(adjacent_ok || is_name_part(lists, w, t))
                || name.chars().count() + w.chars().count() > 10
            {
                break;
            }
            // Do not swallow a previous place (劳动东路 | 魅力之城小区) or a generic noun.
            if ends_with_place_suffix(w) || lists.generic.contains(w) {
                break;
            }
            name.insert_str(0, w);
            j -= 1;
            // A verb may only start a name (丽发/v 新城): nothing is taken left of it.
            if t == "v" || t == "vn" || t == "vd" {
                verb_start = true;
                break;
            }
        }
        // 排入 | 小区 is not a name: a verb alone before 小区 / 社区.
        if verb_start && j + 1 == i && matches!(word, "小区" | "社区") {
            continue;
        }
        let prefix_chars = name.chars().count().saturating_sub(suffix.chars().count());
        let name = trim_name(&name);
        if prefix_chars < MIN_PREFIX_CHARS
            || lists.generic.contains(name.as_str())
            || GENERIC_TAILS.iter().any(|t| name.ends_with(t))
        {
            continue;
        }
        if name.is_ascii() {
            continue;
        }
        push_unique(&mut out.places, &name);
    }
    for g in policy_groups(lists, text) {
        push_unique(&mut out.places, g);
    }
    // 魅力之城小区 and 魅力之城 both found: keep the shorter core once.
    let places = out.places.clone();
    out.places.retain(|p| {
        !places
            .iter()
            .any(|q| q != p && p.starts_with(q.as_str()) && is_estate_tail(&p[q.len()..]))
    });
    out
}

/// The groups of people named with a policy word in the same clause, in order.
fn policy_groups(lists: &Lists, text: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for clause in text.split(|c: char| "，。！？；：,.!?;:\n".contains(c)) {
        if !lists.policies.iter().any(|p| clause.contains(p)) {
            continue;
        }
        // The longest group name the clause holds (引进人才 before 人才).
        if let Some(g) = lists.groups.iter().find(|g| clause.contains(**g)) {
            if !out.contains(g) {
                out.push(g);
            }
        }
    }
    out
}

/// A place name whose tail after a known core is a generic word (小区, 花园 ...).
fn is_estate_tail(tail: &str) -> bool {
    matches!(tail, "小区" | "花园" | "公寓" | "社区")
}

fn ends_with_place_suffix(w: &str) -> bool {
    [
        "路", "街", "大道", "小区", "学院", "学校", "小学", "中学", "大学", "公司", "村", "社区",
        "街道", "镇", "乡",
    ]
    .iter()
    .any(|s| w.ends_with(s))
}

/// A token that may be part of a name: letters or CJK, not a boundary word or tag.
fn is_name_part(lists: &Lists, word: &str, tag: &str) -> bool {
    if word == "之" {
        return true;
    }
    if BOUNDARY_TAGS.contains(&tag) || lists.boundary_words.contains(word) {
        return false;
    }
    if tag == "m" && word.chars().any(|c| c.is_ascii_digit()) {
        return false;
    }
    word.chars()
        .all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c) || c.is_ascii_alphanumeric())
        && !word.chars().all(|c| c.is_ascii_digit())
}

/// Drops leading characters that are not part of a name (之, 的) and a trailing 小区
/// (绿地海外滩小区 is 绿地海外滩) from a candidate.
fn trim_name(name: &str) -> String {
    let name = name.trim_start_matches(['之', '的']);
    match name.strip_suffix("小区") {
        Some(core) if core.chars().count() >= 2 => core.to_string(),
        _ => name.to_string(),
    }
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::segmenter;

    fn places(text: &str) -> Vec<String> {
        extract(segmenter(), text).places
    }

    #[test]
    fn finds_estates_schools_and_roads() {
        let p = places("A市丽发新城小区附近搅拌站噪音扰民");
        assert!(p.contains(&"丽发新城".to_string()), "{p:?}");
        let p = places("投诉A2区丽发新城附近建搅拌站噪音扰民");
        assert!(p.contains(&"丽发新城".to_string()), "{p:?}");
        let p = places("A5区劳动东路魅力之城小区临街门面烧烤夜宵摊");
        assert!(p.contains(&"劳动东路".to_string()), "{p:?}");
        assert!(p.contains(&"魅力之城".to_string()), "{p:?}");
        let p = places("A市涉外经济学院寒假过年期间组织学生去工厂工作");
        assert!(p.contains(&"涉外经济学院".to_string()), "{p:?}");
        let p = places("投诉幸福里小区垃圾站臭味严重");
        assert!(p.contains(&"幸福里".to_string()), "{p:?}");
        let p = places("关于伊景园滨河苑捆绑销售车位的维权投诉");
        assert!(p.iter().any(|x| x.contains("滨河苑")), "{p:?}");
    }

    #[test]
    fn a_group_with_a_policy_problem_is_a_subject() {
        let p = places("在A市买公寓能享受人才新政购房补贴吗？");
        assert_eq!(p, vec!["人才".to_string()]);
        let p = places("退役军人安置政策何时落实");
        assert!(p.contains(&"退役军人".to_string()), "{p:?}");
        // A group named without a policy word is not a subject.
        assert!(places("A市26路公汽站台标有人才市场站")
            .iter()
            .all(|p| p != "人才"));
    }

    #[test]
    fn finds_districts_and_skips_generic_words() {
        let e = extract(segmenter(), "A5区的道路坑坑洼洼，小区路灯不亮");
        assert_eq!(e.districts, vec!["A5区".to_string()]);
        assert!(e.places.is_empty(), "{:?}", e.places);
    }
}
