//! The former urgency rule, kept as the baseline the urgency evaluation prints beside the
//! classifier: a case is urgent when an emergency term (塌方, 火灾, 燃气泄漏, 被困, 触电 ...)
//! occurs that is not negated just before it (无, 未, 没有, 防止 ...), not followed by a word
//! making it a risk or a drill (隐患, 演练, 知识), and whose clause does not say the event was
//! handled (已清理完毕, 已恢复, 已扑灭 ...). A word list, not used for tagging any more.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

/// Emergency terms.
pub const EMERGENCIES: &[&str] = &[
    "塌方",
    "火灾",
    "失火",
    "着火",
    "起火",
    "燃气泄漏",
    "煤气泄漏",
    "天然气泄漏",
    "漏气",
    "被困",
    "触电",
    "坍塌",
    "倒塌",
    "垮塌",
    "道路中断",
    "交通中断",
    "山体滑坡",
    "滑坡",
    "泥石流",
    "溺水",
    "落水",
    "爆炸",
    "中毒",
    "洪水",
    "决堤",
    "漫堤",
    "危及生命",
    "生命危险",
    "人员伤亡",
    "受伤",
    "电线断落",
    "电线掉落",
    "井盖缺失",
    "爆管",
    "管道爆裂",
    "房屋开裂",
    "危房",
    "困在电梯",
    "电梯困人",
    "山洪",
    "冒烟",
];

/// Negations that cancel a mention right after them (within a few characters).
const NEGATIONS: &[&str] = &[
    "无",
    "未",
    "没有",
    "没",
    "不存在",
    "防止",
    "预防",
    "避免",
    "以防",
    "谨防",
    "杜绝",
    "排除",
    "防范",
    "不会",
    "以免",
    "否则",
    "如果",
    "一旦",
    "若",
];

/// Words right after a mention that make it a risk, a plan or a drill, not an event.
const NOT_EVENT_AFTER: &[&str] = &[
    "隐患",
    "风险",
    "演练",
    "知识",
    "预案",
    "宣传",
    "防控",
    "防治",
    "保险",
    "的可能",
    "危险性",
];

/// Clause phrases saying the event is over.
const HANDLED: &[&str] = &[
    "已清理",
    "已恢复",
    "已处理",
    "已排除",
    "已解决",
    "已扑灭",
    "已修复",
    "已抢通",
    "已疏通",
    "已获救",
    "已救出",
    "已转移",
    "已完成",
    "已经清理",
    "已经恢复",
    "已经处理",
    "已经修复",
    "恢复通行",
    "恢复正常",
    "处置完毕",
    "清理完毕",
    "抢修完毕",
    "无人员伤亡",
    "未造成人员伤亡",
    "安全无虞",
    "已消除",
];

static MATCHER: LazyLock<AhoCorasick> =
    LazyLock::new(|| AhoCorasick::new(EMERGENCIES).expect("emergency patterns build"));

fn clause_bounds(text: &str, start: usize, end: usize) -> (usize, usize) {
    let is_stop = |c: char| matches!(c, '。' | '！' | '？' | '；' | '\n' | '!' | '?' | ';');
    let s = text[..start]
        .char_indices()
        .rev()
        .find(|(_, c)| is_stop(*c))
        .map(|(i, c)| i + c.len_utf8())
        .unwrap_or(0);
    let e = text[end..]
        .char_indices()
        .find(|(_, c)| is_stop(*c))
        .map(|(i, _)| end + i)
        .unwrap_or(text.len());
    (s, e)
}

/// The emergency terms that make `text` urgent (empty when it is not).
pub fn urgent_terms(text: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    for m in MATCHER.find_iter(text) {
        let (s, e) = (m.start(), m.end());
        let before: String = {
            let chars: Vec<char> = text[..s].chars().rev().take(4).collect();
            chars.into_iter().rev().collect()
        };
        if NEGATIONS.iter().any(|n| before.contains(n)) {
            continue;
        }
        let after = &text[e..];
        if NOT_EVENT_AFTER.iter().any(|w| after.starts_with(w)) {
            continue;
        }
        let (cs, ce) = clause_bounds(text, s, e);
        let clause = &text[cs..ce];
        if HANDLED.iter().any(|h| clause.contains(h)) {
            continue;
        }
        let term = EMERGENCIES[m.pattern().as_usize()];
        if !out.contains(&term) {
            out.push(term);
        }
    }
    out
}

/// True when `text` describes an emergency still needing action.
pub fn is_urgent(text: &str) -> bool {
    !urgent_terms(text).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emergencies_and_their_negations() {
        assert!(is_urgent("村道发生塌方，车辆无法通行，请尽快处理"));
        assert!(is_urgent("小区燃气泄漏，气味很大"));
        assert!(is_urgent("有人被困在电梯里"));
        assert!(!is_urgent("经排查，该处无安全隐患"));
        assert!(!is_urgent("未发生火灾"));
        assert!(!is_urgent("存在塌方隐患，建议修建挡土墙"));
        assert!(!is_urgent("昨日塌方路段已清理完毕，已恢复通行"));
        assert!(!is_urgent("路灯不亮，晚上出行不便"));
    }
}
