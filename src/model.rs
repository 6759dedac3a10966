//! The `Case`: the one record that flows between every stage of the pipeline.
//!
//! A case is a work order (工单) from an export, or a case narrative taken out of a report
//! document (a 案件公文号 block, a numbered 典型案例, an 应急处置 paragraph, or a 热点问题
//! description). Ingest produces cases, the store keeps them, the tagger fills in [`Tags`],
//! hotspots and reports read them. Everything but `id` and `narrative` is optional.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One work order or case narrative.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// Ticket id (工单编号 / 留言编号 / 案件公文号), or a stable id derived from the content.
    pub id: String,
    /// When the hotline received it (受理时间 / 来电时间 / 留言时间).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_at: Option<NaiveDateTime>,
    /// Subject line (留言主题 / 标题), if the source has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What the caller said (诉求内容 / 来电内容 / 留言详情): never empty.
    pub narrative: String,
    /// 诉求类型: 投诉, 建议, 咨询, 举报, 求助, 表扬, 其他.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Kind>,
    /// The kind as the source wrote it, when that is not the normalised word (反映问题, 求决).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind_source: Option<String>,
    /// Intake channel: 电话, 微信, 网站, 市长信箱, 省政务服务平台 ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// 承办单位: the agency that handled it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Town / township / street office (镇, 乡, 街道) the case is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub town: Option<String>,
    /// A finer location (village, road, estate) when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// 办理状态.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// 回访结果.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<Satisfaction>,
    /// Deadline for the reply (办理时限).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<NaiveDateTime>,
    /// When it was closed (办结时间).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<NaiveDateTime>,
    /// Replied after the deadline (超期).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overdue: Option<bool>,
    /// 黄牌 / 红牌 issued for late handling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<Card>,
    /// The official reply or handling result (答复意见 / 处理结果).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
    /// When the reply was given (答复时间).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_at: Option<NaiveDateTime>,
    /// 点赞数.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub likes: Option<u32>,
    /// 反对数.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dislikes: Option<u32>,
    /// The complainant (留言用户 / 来电人) when the source identifies one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// A given first-level category (一级标签 / 一级分类) from the source, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// What kind of record this is.
    #[serde(default)]
    pub record: RecordType,
    /// Where it came from.
    #[serde(default)]
    pub source: Source,
    /// Tags computed by the tagger (category, topic, department suggestions, urgency).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Tags>,
}

impl Case {
    /// A new case with just an id and a narrative.
    pub fn new(id: impl Into<String>, narrative: impl Into<String>) -> Case {
        Case {
            id: id.into(),
            narrative: narrative.into(),
            ..Case::default()
        }
    }

    /// Title and narrative joined: the text that segmentation, search and tagging read.
    pub fn text(&self) -> String {
        match &self.title {
            Some(t) if !t.is_empty() && !self.narrative.starts_with(t.as_str()) => {
                format!("{}\n{}", t, self.narrative)
            }
            _ => self.narrative.clone(),
        }
    }

    /// A stable hex digest of everything the source gave (tags and source location excluded),
    /// used to tell an unchanged re-ingested row from an updated one.
    pub fn content_hash(&self) -> String {
        let mut c = self.clone();
        c.tags = None;
        c.source = Source::default();
        let bytes = serde_json::to_vec(&c).expect("a Case always serializes");
        hex::encode(&Sha256::digest(&bytes)[..16])
    }

    /// A stable id for a row that has none: `h` + 16 hex digits of a digest of the fields
    /// fixed at intake (received_at, title, narrative, kind, channel, location, user, record
    /// type). Handling fields (status, department, satisfaction, closed_at, reply ...) are left
    /// out, so a later export of the same ticket with its status changed gets the same id and
    /// updates it instead of adding a second case.
    pub fn derived_id(&self) -> String {
        let intake = (
            &self.received_at,
            &self.title,
            &self.narrative,
            &self.kind,
            &self.channel,
            &self.location,
            &self.user,
            &self.record,
        );
        let bytes = serde_json::to_vec(&intake).expect("intake fields always serialize");
        format!("h{}", hex::encode(&Sha256::digest(&bytes)[..8]))
    }
}

/// The kind of record a case is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordType {
    /// A work order (工单) or message from an export.
    #[default]
    WorkOrder,
    /// A case narrative from a report document (案件公文号, 典型案例, 应急处置).
    ReportCase,
    /// A 热点问题 description paragraph from a report document.
    ReportHotspot,
}

/// Where a case came from: a file and a row, or a report and a paragraph.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// The input file as given on the command line.
    pub file: String,
    /// `row N` as a spreadsheet shows it (the header is row 1), `line N` for jsonl and for
    /// report documents (the line the paragraph starts on).
    pub locator: String,
    /// For report documents: the region named in the heading (翁源县, 龙山县 ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// For report documents: the period named in the heading (2020年11月, 2020年第一季度 ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// For report documents: the section the case was found in (典型案例, 应急处理情况 ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
}

/// 诉求类型.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Kind {
    #[serde(rename = "投诉")]
    Complaint,
    #[serde(rename = "建议")]
    Suggestion,
    #[serde(rename = "咨询")]
    Inquiry,
    #[serde(rename = "举报")]
    Report,
    #[serde(rename = "求助")]
    HelpRequest,
    #[serde(rename = "表扬")]
    Praise,
    #[serde(rename = "其他")]
    Other,
}

impl Kind {
    /// Every kind, in the order the seed reports list them.
    pub const ALL: [Kind; 7] = [
        Kind::Complaint,
        Kind::Suggestion,
        Kind::Inquiry,
        Kind::Report,
        Kind::HelpRequest,
        Kind::Praise,
        Kind::Other,
    ];

    /// The Chinese name as reports print it (投诉, 建议 ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Complaint => "投诉",
            Kind::Suggestion => "建议",
            Kind::Inquiry => "咨询",
            Kind::Report => "举报",
            Kind::HelpRequest => "求助",
            Kind::Praise => "表扬",
            Kind::Other => "其他",
        }
    }

    /// Parses what exports write: 投诉, 投诉类, 投诉件, 来电投诉, complaint ...
    pub fn parse(s: &str) -> Option<Kind> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        let lower = s.to_lowercase();
        let table: [(&str, &str, Kind); 7] = [
            ("投诉", "complaint", Kind::Complaint),
            ("建议", "suggestion", Kind::Suggestion),
            ("咨询", "inquiry", Kind::Inquiry),
            ("举报", "report", Kind::Report),
            ("求助", "help", Kind::HelpRequest),
            ("表扬", "praise", Kind::Praise),
            ("其他", "other", Kind::Other),
        ];
        for (zh, en, k) in table {
            if s.contains(zh) || lower == en {
                return Some(k);
            }
        }
        if s.contains("其它") {
            return Some(Kind::Other);
        }
        if s.contains("意见") {
            return Some(Kind::Suggestion);
        }
        if s.contains("感谢") {
            return Some(Kind::Praise);
        }
        None
    }
}

/// 办理状态.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Status {
    #[serde(rename = "已办结")]
    Closed,
    #[serde(rename = "在办")]
    InProgress,
    #[serde(rename = "撤销")]
    Withdrawn,
    #[serde(rename = "不予立案")]
    NotAccepted,
}

impl Status {
    /// The Chinese name as reports print it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Closed => "已办结",
            Status::InProgress => "在办",
            Status::Withdrawn => "撤销",
            Status::NotAccepted => "不予立案",
        }
    }

    /// Parses 已办结 / 办结 / 已完成, 在办 / 处理中 / 办理中 / 未办结 / 待办结, 撤销 / 已撤销 /
    /// 作废, 不予立案 / 不受理. The negative forms (未办结, 未完成, 待办结, 未结案 ...) are
    /// tested before 办结 / 完成 / 结案, which they contain.
    pub fn parse(s: &str) -> Option<Status> {
        const NOT_YET: [&str; 12] = [
            "未办结",
            "未完成",
            "未结案",
            "未办理",
            "未处理",
            "未办",
            "待办结",
            "待完成",
            "待结案",
            "待办理",
            "待处理",
            "待办",
        ];
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        if s.contains("不予") || s.contains("不受理") {
            Some(Status::NotAccepted)
        } else if s.contains("撤") || s.contains("作废") {
            Some(Status::Withdrawn)
        } else if s.starts_with('未')
            || s.starts_with('待')
            || NOT_YET.iter().any(|n| s.contains(n))
        {
            Some(Status::InProgress)
        } else if s.contains("办结") || s.contains("完成") || s.contains("结案") || s == "closed"
        {
            Some(Status::Closed)
        } else if s.contains("在办")
            || s.contains("中")
            || s.contains("待")
            || s.contains("未办结")
            || s == "open"
        {
            Some(Status::InProgress)
        } else {
            None
        }
    }
}

/// 回访结果 (satisfaction on the return visit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Satisfaction {
    #[serde(rename = "满意")]
    Satisfied,
    #[serde(rename = "基本满意")]
    BasicallySatisfied,
    #[serde(rename = "不满意")]
    Dissatisfied,
    #[serde(rename = "未评价")]
    Unrated,
}

impl Satisfaction {
    /// The Chinese name as reports print it.
    pub fn as_str(self) -> &'static str {
        match self {
            Satisfaction::Satisfied => "满意",
            Satisfaction::BasicallySatisfied => "基本满意",
            Satisfaction::Dissatisfied => "不满意",
            Satisfaction::Unrated => "未评价",
        }
    }

    /// Parses 满意 / 非常满意 / 基本满意 / 不满意 / 非常不满意 / 不太满意 / 不大满意 /
    /// 不怎么满意 / 未评价 / 未回访 / 无法联系.
    pub fn parse(s: &str) -> Option<Satisfaction> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        // Any negated 满意 (不满意, 不太满意, 不怎么满意 ...) before the plain one.
        if s.contains("满意") && s.contains('不') {
            Some(Satisfaction::Dissatisfied)
        } else if s.contains("基本满意") || s.contains("一般") {
            Some(Satisfaction::BasicallySatisfied)
        } else if s.contains("满意") {
            Some(Satisfaction::Satisfied)
        } else if s.contains("未") || s.contains("无法") || s.contains("无") {
            Some(Satisfaction::Unrated)
        } else {
            None
        }
    }
}

/// 黄牌 / 红牌 issued by the city platform for late handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Card {
    #[serde(rename = "黄牌")]
    Yellow,
    #[serde(rename = "红牌")]
    Red,
}

impl Card {
    /// Parses 黄牌 / 红牌 (or yellow / red).
    pub fn parse(s: &str) -> Option<Card> {
        let s = s.trim().to_lowercase();
        if s.contains("红") || s == "red" {
            Some(Card::Red)
        } else if s.contains("黄") || s == "yellow" {
            Some(Card::Yellow)
        } else {
            None
        }
    }
}

/// A name with a score (a topic with its confidence, a department with its score).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    pub name: String,
    pub score: f32,
}

/// What the tagger decided for a case, with its evidence.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tags {
    /// 一级分类: one of the national first-level classes.
    pub category: String,
    pub category_confidence: f32,
    /// Hotspot topic id from topics.md, or `other`.
    pub topic: String,
    pub topic_confidence: f32,
    /// Up to two more topic ids with their confidence.
    #[serde(default)]
    pub secondary_topics: Vec<Scored>,
    /// Keywords and strongest features that decided it.
    #[serde(default)]
    pub evidence: Vec<String>,
    /// Top departments to route to, best first.
    #[serde(default)]
    pub department_suggestions: Vec<Scored>,
    /// A present or imminent danger to life, health, safety or a vital service that needs
    /// dispatch today (火灾, 燃气泄漏, 井盖缺失, 被困 ... now, not past, hypothetical or asked
    /// about); `urgency` says why.
    #[serde(default)]
    pub urgent: bool,
    /// The urgency classifier's evidence: its strongest danger mention (none when the text
    /// holds no danger term).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<UrgencyEvidence>,
}

/// Why the urgency classifier judged a case as it did: its strongest danger mention.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UrgencyEvidence {
    /// The verdict: `score` reached the model's threshold.
    pub urgent: bool,
    /// The danger term and its kind (fire, gas, electric, structural, water, traffic, trapped,
    /// violence, medical, outage).
    pub term: String,
    pub kind: String,
    /// The clause holding the term.
    pub mention: String,
    /// The cues read around it that weighed most, e.g. `过去:去年(-1.2)`.
    pub cues: Vec<String>,
    /// The model's probability that the case is urgent.
    pub score: f32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kinds_statuses_and_satisfaction() {
        assert_eq!(Kind::parse("投诉类"), Some(Kind::Complaint));
        assert_eq!(Kind::parse("来电求助"), Some(Kind::HelpRequest));
        assert_eq!(Kind::parse(""), None);
        assert_eq!(Status::parse("已办结"), Some(Status::Closed));
        assert_eq!(Status::parse("处理中"), Some(Status::InProgress));
        assert_eq!(Status::parse("已撤销"), Some(Status::Withdrawn));
        assert_eq!(
            Satisfaction::parse("基本满意"),
            Some(Satisfaction::BasicallySatisfied)
        );
        assert_eq!(
            Satisfaction::parse("非常不满意"),
            Some(Satisfaction::Dissatisfied)
        );
        assert_eq!(Satisfaction::parse("未评价"), Some(Satisfaction::Unrated));
    }

    #[test]
    fn hedged_dissatisfaction_and_other_spellings() {
        for s in ["不太满意", "不怎么满意", "不大满意", "不满意", "非常不满意"]
        {
            assert_eq!(
                Satisfaction::parse(s),
                Some(Satisfaction::Dissatisfied),
                "{s}"
            );
        }
        assert_eq!(Satisfaction::parse("满意"), Some(Satisfaction::Satisfied));
        assert_eq!(
            Satisfaction::parse("基本满意"),
            Some(Satisfaction::BasicallySatisfied)
        );
        assert_eq!(Kind::parse("其它"), Some(Kind::Other));
        assert_eq!(Kind::parse("其他"), Some(Kind::Other));
    }

    #[test]
    fn negative_statuses_are_not_closed() {
        for s in [
            "未办结",
            "未完成",
            "待办结",
            "未结案",
            "待处理",
            "尚未办结",
            "办理中",
        ] {
            assert_eq!(Status::parse(s), Some(Status::InProgress), "{s}");
        }
        for s in ["已办结", "办结", "已完成", "已结案", "已办结待回访"] {
            assert_eq!(Status::parse(s), Some(Status::Closed), "{s}");
        }
        assert_eq!(Status::parse("不予受理"), Some(Status::NotAccepted));
    }

    #[test]
    fn derived_ids_are_stable_and_content_based() {
        let a = Case::new("", "路灯不亮");
        let b = Case::new("", "路灯不亮");
        let c = Case::new("", "停水");
        assert_eq!(a.derived_id(), b.derived_id());
        assert_ne!(a.derived_id(), c.derived_id());
        // Handling fields change while a ticket is processed: the id must not.
        let mut open = Case::new("", "路灯不亮");
        open.received_at = NaiveDateTime::parse_from_str("2024-05-01 10:00", "%Y-%m-%d %H:%M").ok();
        open.status = Some(Status::InProgress);
        let mut closed = open.clone();
        closed.status = Some(Status::Closed);
        closed.satisfaction = Some(Satisfaction::Satisfied);
        closed.department = Some("城管局".into());
        closed.closed_at = NaiveDateTime::parse_from_str("2024-05-03 10:00", "%Y-%m-%d %H:%M").ok();
        closed.reply = Some("已修复".into());
        assert_eq!(open.derived_id(), closed.derived_id());
        let mut later = open.clone();
        later.received_at =
            NaiveDateTime::parse_from_str("2024-05-02 10:00", "%Y-%m-%d %H:%M").ok();
        assert_ne!(open.derived_id(), later.derived_id());
        assert_eq!(open.derived_id().len(), 17);
        let json = serde_json::to_string(&a).unwrap();
        let back: Case = serde_json::from_str(&json).unwrap();
        assert_eq!(a, back);
    }
}
