//! Column headers to [`Case`](crate::Case) fields: the automatic mapping of the headers that
//! Chinese hotline exports use (工单编号, 受理时间, 诉求内容 ...) and of the English ones of
//! public datasets (mail_id, query, reply_agency ...), with `--map field=列名` overrides.

use anyhow::{bail, Context, Result};

/// A case field a column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Id,
    ReceivedAt,
    Title,
    Narrative,
    Kind,
    Channel,
    Department,
    Town,
    Location,
    Status,
    Satisfaction,
    Deadline,
    ClosedAt,
    Overdue,
    Card,
    Reply,
    ReplyAt,
    Likes,
    Dislikes,
    User,
    Label,
}

impl Field {
    pub const ALL: [Field; 21] = [
        Field::Id,
        Field::ReceivedAt,
        Field::Title,
        Field::Narrative,
        Field::Kind,
        Field::Channel,
        Field::Department,
        Field::Town,
        Field::Location,
        Field::Status,
        Field::Satisfaction,
        Field::Deadline,
        Field::ClosedAt,
        Field::Overdue,
        Field::Card,
        Field::Reply,
        Field::ReplyAt,
        Field::Likes,
        Field::Dislikes,
        Field::User,
        Field::Label,
    ];

    /// The field's name as `Case` and `--map` spell it.
    pub fn name(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::ReceivedAt => "received_at",
            Field::Title => "title",
            Field::Narrative => "narrative",
            Field::Kind => "kind",
            Field::Channel => "channel",
            Field::Department => "department",
            Field::Town => "town",
            Field::Location => "location",
            Field::Status => "status",
            Field::Satisfaction => "satisfaction",
            Field::Deadline => "deadline",
            Field::ClosedAt => "closed_at",
            Field::Overdue => "overdue",
            Field::Card => "card",
            Field::Reply => "reply",
            Field::ReplyAt => "reply_at",
            Field::Likes => "likes",
            Field::Dislikes => "dislikes",
            Field::User => "user",
            Field::Label => "label",
        }
    }

    /// Whether the field holds a date and time.
    pub fn is_date(self) -> bool {
        matches!(
            self,
            Field::ReceivedAt | Field::Deadline | Field::ClosedAt | Field::ReplyAt
        )
    }

    /// Headers that map to this field, most specific first (compared after [`normalise`]).
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::Id => &[
                "工单编号",
                "留言编号",
                "案件公文号",
                "案件编号",
                "工单号",
                "受理编号",
                "信件编号",
                "来信编号",
                "编号",
                "流水号",
                "mail_id",
                "ticket_id",
                "case_id",
                "order_id",
                "id",
            ],
            Field::ReceivedAt => &[
                "受理时间",
                "来电时间",
                "留言时间",
                "来信时间",
                "登记时间",
                "创建时间",
                "提交时间",
                "派单时间",
                "受理日期",
                "来电日期",
                "留言日期",
                "query_date",
                "received_at",
                "created_at",
                "时间",
                "日期",
                "date",
                "time",
            ],
            Field::Title => &[
                "留言主题",
                "标题",
                "信件标题",
                "诉求标题",
                "工单标题",
                "主题",
                "title",
                "subject",
            ],
            Field::Narrative => &[
                "诉求内容",
                "来电内容",
                "留言详情",
                "留言内容",
                "来信内容",
                "信件内容",
                "反映内容",
                "问题描述",
                "诉求描述",
                "事件描述",
                "工单内容",
                "内容",
                "分词文本",
                "query",
                "narrative",
                "content",
                "text",
            ],
            Field::Kind => &[
                "诉求类型",
                "工单类型",
                "性质",
                "工单性质",
                "诉求性质",
                "来电类型",
                "类型",
                "kind",
                "type",
            ],
            Field::Channel => &[
                "渠道",
                "来源",
                "来源渠道",
                "受理渠道",
                "工单来源",
                "反映渠道",
                "来电渠道",
                "channel",
                "source",
            ],
            Field::Department => &[
                "承办单位",
                "办理单位",
                "承办部门",
                "责任单位",
                "处理单位",
                "答复单位",
                "主办单位",
                "处理部门",
                "主办部门",
                "reply_agency",
                "department",
                "agency",
            ],
            Field::Town => &[
                "所属镇街",
                "镇街",
                "所属镇",
                "乡镇街道",
                "所属乡镇",
                "所属区域",
                "乡镇",
                "镇",
                "街道",
                "town",
            ],
            Field::Location => &[
                "地址",
                "事发地址",
                "事发地点",
                "发生地址",
                "地点",
                "location",
                "address",
            ],
            Field::Status => &["办理状态", "工单状态", "处理状态", "状态", "status"],
            Field::Satisfaction => &[
                "满意度",
                "回访结果",
                "回访满意度",
                "满意度评价",
                "评价结果",
                "satisfaction",
            ],
            Field::Deadline => &[
                "办理时限",
                "办结时限",
                "承诺时限",
                "截止时间",
                "到期时间",
                "deadline",
            ],
            Field::ClosedAt => &["办结时间", "办结日期", "结案时间", "closed_at"],
            Field::Overdue => &["是否超期", "超期", "overdue"],
            Field::Card => &["红黄牌", "card"],
            Field::Reply => &[
                "答复意见",
                "答复内容",
                "处理结果",
                "办理结果",
                "回复内容",
                "回复意见",
                "处理意见",
                "办理意见",
                "答复",
                "reply",
            ],
            Field::ReplyAt => &["答复时间", "回复时间", "答复日期", "reply_date", "reply_at"],
            Field::Likes => &["点赞数", "点赞", "likes"],
            Field::Dislikes => &["反对数", "反对", "dislikes"],
            Field::User => &["留言用户", "来电人", "诉求人", "用户", "user"],
            Field::Label => &["一级标签", "一级分类", "label", "category"],
        }
    }

    /// The field a `--map` left-hand side names: an English field name or any exact alias.
    pub fn parse(name: &str) -> Option<Field> {
        let n = normalise(name);
        Field::ALL.into_iter().find(|f| f.name() == n).or_else(|| {
            Field::ALL
                .into_iter()
                .find(|f| f.aliases().iter().any(|a| *a == n))
        })
    }
}

/// Normalises a header for comparison: trims whitespace, BOMs and quotes, lower-cases ASCII,
/// maps full-width brackets, drops a trailing parenthesised unit (`工单数（个）`).
pub fn normalise(h: &str) -> String {
    let mut s: String = h
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{feff}' && *c != '"')
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    if s.ends_with(')') {
        if let Some(i) = s.rfind('(') {
            if i > 0 {
                s.truncate(i);
            }
        }
    }
    s
}

/// Headers holding contact details, never matched by containment (`诉求人电话` is not the user).
const CONTACT: [&str; 5] = ["电话", "号码", "手机", "证件", "身份证"];

/// How many leading non-blank rows may be tried as the header row.
pub const HEADER_SEARCH: usize = 10;

/// Finds the header row: the first of the first ten non-blank rows that maps a narrative
/// column (exports often put a title row such as `2024年5月工单明细` above it). `next_row`
/// gives each row's cells as cleaned text (`Ok(None)` at the end); `place` names the file
/// (and sheet) in errors.
pub fn find_header(
    mut next_row: impl FnMut() -> Result<Option<Vec<String>>>,
    overrides: &[(String, String)],
    place: &str,
) -> Result<Mapping> {
    let mut first: Option<Vec<String>> = None;
    let mut tried = 0;
    while tried < HEADER_SEARCH {
        let Some(headers) = next_row()? else { break };
        if headers.iter().all(|h| h.trim().is_empty()) {
            continue;
        }
        tried += 1;
        let m = Mapping::new(&headers, overrides).with_context(|| place.to_string())?;
        if m.column(Field::Narrative).is_some() {
            return Ok(m);
        }
        first.get_or_insert(headers);
    }
    match first {
        Some(h) => bail!(
            "{place}: no column maps to narrative (columns: {}); name it with --map narrative=列名",
            h.join(", ")
        ),
        None => bail!("{place}: empty, no header row"),
    }
}

/// One warning per header that occurs more than once: only one of its columns is read.
fn duplicate_headers(headers: &[String], norm: &[String], fields: &[Option<Field>]) -> Vec<String> {
    let mut warnings = Vec::new();
    for (i, h) in norm.iter().enumerate() {
        if h.is_empty() || norm[..i].contains(h) {
            continue;
        }
        let cols: Vec<usize> = (i..norm.len()).filter(|&j| norm[j] == *h).collect();
        if cols.len() < 2 {
            continue;
        }
        let read = cols.iter().find(|&&j| fields[j].is_some());
        let numbers: Vec<String> = cols.iter().map(|j| (j + 1).to_string()).collect();
        warnings.push(match read {
            Some(&j) => format!(
                "重复的列名 `{}`（第 {} 列）：只读取第 {} 列，其余忽略",
                headers[i],
                numbers.join("、"),
                j + 1
            ),
            None => format!(
                "重复的列名 `{}`（第 {} 列），均未使用",
                headers[i],
                numbers.join("、")
            ),
        });
    }
    warnings
}

/// Which field each column fills (`None`: ignored), decided once per file.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub headers: Vec<String>,
    pub fields: Vec<Option<Field>>,
    /// `--map` entries naming a column this file does not have.
    pub warnings: Vec<String>,
}

impl Mapping {
    /// Maps `headers`: first the `--map` overrides, then exact aliases, then headers that
    /// contain an alias of three or more characters (`回访满意度` → satisfaction).
    pub fn new(headers: &[String], overrides: &[(String, String)]) -> Result<Mapping> {
        let norm: Vec<String> = headers.iter().map(|h| normalise(h)).collect();
        let mut fields: Vec<Option<Field>> = vec![None; headers.len()];
        let mut warnings = Vec::new();
        let mut taken: Vec<Field> = Vec::new();
        for (name, column) in overrides {
            let Some(field) = Field::parse(name) else {
                let known: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
                bail!(
                    "--map {name}={column}: unknown field `{name}` (fields: {})",
                    known.join(", ")
                );
            };
            let col = normalise(column);
            match norm.iter().position(|h| *h == col) {
                Some(i) => {
                    // The override replaces any earlier claim on the field.
                    for f in fields.iter_mut() {
                        if *f == Some(field) {
                            *f = None;
                        }
                    }
                    fields[i] = Some(field);
                    taken.push(field);
                }
                None => warnings.push(format!(
                    "--map {name}={column}: no column `{column}` (columns: {})",
                    headers.join(", ")
                )),
            }
        }
        // Exact aliases: for each field, the most specific alias present wins.
        for field in Field::ALL {
            if taken.contains(&field) {
                continue;
            }
            let hit = field.aliases().iter().find_map(|a| {
                norm.iter()
                    .enumerate()
                    .position(|(i, h)| h == a && fields[i].is_none())
            });
            if let Some(i) = hit {
                fields[i] = Some(field);
                taken.push(field);
            }
        }
        // Containment: `诉求内容（详细）`, `回访满意度情况`.
        for field in Field::ALL {
            if taken.contains(&field) {
                continue;
            }
            let hit = field
                .aliases()
                .iter()
                .filter(|a| a.chars().count() >= 3 && !a.is_ascii())
                .find_map(|a| {
                    norm.iter().enumerate().position(|(i, h)| {
                        h.contains(a)
                            && fields[i].is_none()
                            && !CONTACT.iter().any(|c| h.contains(c))
                    })
                });
            if let Some(i) = hit {
                fields[i] = Some(field);
                taken.push(field);
            }
        }
        warnings.extend(duplicate_headers(headers, &norm, &fields));
        Ok(Mapping {
            headers: headers.to_vec(),
            fields,
            warnings,
        })
    }

    /// The column filling `field`, if any.
    pub fn column(&self, field: Field) -> Option<usize> {
        self.fields.iter().position(|f| *f == Some(field))
    }

    /// The header of column `i` (or `column N` past the header row).
    pub fn header(&self, i: usize) -> String {
        self.headers
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("column {}", i + 1))
    }

    /// How a reject names column `i`: the field it fills, else its header.
    pub fn field_name(&self, i: usize) -> String {
        match self.fields.get(i).copied().flatten() {
            Some(f) => f.name().to_string(),
            None => self.header(i),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heads(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn maps_dataset_headers() {
        let m = Mapping::new(
            &heads(&[
                "留言编号",
                "留言用户",
                "留言主题",
                "留言时间",
                "留言详情",
                "点赞数",
                "反对数",
            ]),
            &[],
        )
        .unwrap();
        assert_eq!(m.column(Field::Id), Some(0));
        assert_eq!(m.column(Field::User), Some(1));
        assert_eq!(m.column(Field::Title), Some(2));
        assert_eq!(m.column(Field::ReceivedAt), Some(3));
        assert_eq!(m.column(Field::Narrative), Some(4));
        assert_eq!(m.column(Field::Likes), Some(5));
        assert_eq!(m.column(Field::Dislikes), Some(6));
        let m = Mapping::new(
            &heads(&[
                "mail_id",
                "title",
                "query",
                "query_date",
                "reply",
                "reply_date",
                "reply_agency",
                "url",
            ]),
            &[],
        )
        .unwrap();
        assert_eq!(m.column(Field::Narrative), Some(2));
        assert_eq!(m.column(Field::Department), Some(6));
        assert_eq!(m.fields[7], None);
    }

    #[test]
    fn overrides_and_containment() {
        let h = heads(&[
            "序号",
            "内容",
            "备注",
            "回访满意度情况",
            " 受理时间（北京） ",
        ]);
        let m = Mapping::new(&h, &[("narrative".into(), "备注".into())]).unwrap();
        assert_eq!(m.column(Field::Narrative), Some(2));
        assert_eq!(m.column(Field::Satisfaction), Some(3));
        assert_eq!(m.column(Field::ReceivedAt), Some(4));
        assert!(Mapping::new(&h, &[("bogus".into(), "内容".into())]).is_err());
        let m = Mapping::new(&heads(&["诉求人电话", "来电人姓名", "诉求内容"]), &[]).unwrap();
        assert_eq!(m.column(Field::User), Some(1));
        let m = Mapping::new(&h, &[("诉求内容".into(), "不存在".into())]).unwrap();
        assert_eq!(m.warnings.len(), 1);
        assert_eq!(m.column(Field::Narrative), Some(1));
    }

    #[test]
    fn find_header_skips_title_and_blank_rows() {
        let rows = |v: &[&[&str]]| -> Vec<Vec<String>> {
            v.iter()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect()
        };
        let mut it =
            rows(&[&["2024年5月工单明细", ""], &["", ""], &["编号", "诉求内容"]]).into_iter();
        let m = find_header(|| Ok(it.next()), &[], "t.csv").unwrap();
        assert_eq!(m.column(Field::Narrative), Some(1));
        let mut it = rows(&[&["甲", "乙"], &["1", "2"]]).into_iter();
        let e = find_header(|| Ok(it.next()), &[], "t.csv").unwrap_err();
        assert!(e
            .to_string()
            .starts_with("t.csv: no column maps to narrative (columns: 甲, 乙)"));
        let mut it = rows(&[&["", ""]]).into_iter();
        let e = find_header(|| Ok(it.next()), &[], "t.xlsx: sheet `S`").unwrap_err();
        assert_eq!(e.to_string(), "t.xlsx: sheet `S`: empty, no header row");
    }
}
