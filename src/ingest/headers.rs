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

    /// Headers that map to this field, most specific first (compared after [`normalise`]),
    /// from `models/ingest.toml`.
    pub fn aliases(self) -> &'static [String] {
        super::vocab::VOCAB
            .headers
            .get(self.name())
            .map_or(&[], Vec::as_slice)
    }

    /// The field a `--map` left-hand side names: an English field name or any exact alias.
    pub fn parse(name: &str) -> Option<Field> {
        let n = normalise(name);
        Field::ALL
            .into_iter()
            .find(|f| f.name() == n)
            .or_else(|| Field::ALL.into_iter().find(|f| f.aliases().contains(&n)))
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
/// column by name (exports often put a title row such as `2024年5月工单明细` above it), else the
/// first that looks like a header (three or more short cells, none of them a date or a number),
/// whose columns the content then maps ([`settle`]). `next_row` gives each row's cells as cleaned
/// text (`Ok(None)` at the end); `place` names the file (and sheet) in errors.
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
        // The rows after a header-like row are its data: the content decides its columns.
        if m.column(Field::Narrative).is_some() || looks_like_header(&headers) {
            return Ok(m);
        }
        first.get_or_insert(headers);
    }
    match first {
        Some(h) => Err(no_narrative(place, &h)),
        None => bail!("{place}: empty, no header row"),
    }
}

/// The error of a file where neither a header nor the content names a narrative column.
pub fn no_narrative(place: &str, headers: &[String]) -> anyhow::Error {
    anyhow::anyhow!(
        "{place}: no column maps to narrative (columns: {}); name it with --map narrative=列名",
        headers.join(", ")
    )
}

/// A row that reads as column names: at least three non-empty cells, all short, none a date or
/// a number (a title row has one or two cells; a data row has dates, numbers or long text).
fn looks_like_header(cells: &[String]) -> bool {
    let filled: Vec<&str> = cells
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .collect();
    filled.len() >= 3
        && filled.iter().all(|c| {
            c.chars().count() <= 20
                && !matches!(super::dates::parse_datetime(c), Ok(Some(_)))
                && c.parse::<f64>().is_err()
        })
}

/// The mapping once the content has spoken: [`super::infer::refine`] over `samples` (the
/// first data rows), then a narrative column is required.
pub fn settle(
    mut mapping: Mapping,
    samples: &[Vec<super::rows::Cell>],
    place: &str,
) -> Result<Mapping> {
    super::infer::refine(&mut mapping, samples);
    if mapping.column(Field::Narrative).is_none() {
        return Err(no_narrative(place, &mapping.headers));
    }
    Ok(mapping)
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

/// Why a column fills its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Why {
    /// A `--map` override.
    Map,
    /// Its header is one of the field's names (`models/ingest.toml`).
    Name,
    /// Its values look like the field's (dates, agency names, kind words ...).
    Content,
}

impl Why {
    /// How the dry run says it.
    pub fn as_str(self) -> &'static str {
        match self {
            Why::Map => "--map",
            Why::Name => "列名",
            Why::Content => "内容",
        }
    }
}

/// Which field each column fills (`None`: ignored), decided once per file.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub headers: Vec<String>,
    pub fields: Vec<Option<Field>>,
    /// Why each mapped column got its field.
    pub why: Vec<Option<Why>>,
    /// `--map` entries naming a column this file does not have; ties of the content mapping.
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
        let why = fields
            .iter()
            .map(|f| {
                f.map(|f| {
                    if overrides.iter().any(|(n, _)| Field::parse(n) == Some(f)) {
                        Why::Map
                    } else {
                        Why::Name
                    }
                })
            })
            .collect();
        Ok(Mapping {
            headers: headers.to_vec(),
            fields,
            why,
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
