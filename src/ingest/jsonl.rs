//! JSON Lines exports: one object per line, keys mapped like csv headers (`留言编号`,
//! `mail_id`, `诉求内容` ...). A `.json` file holding one array of objects is read the same way.
//! Rows are line numbers (array files: element numbers, from 1).

use std::collections::HashMap;

use anyhow::{Context, Result};
use serde_json::{Map, Value};

use super::encoding::detect;
use super::headers::Mapping;
use super::infer::{self, SAMPLE_ROWS};
use super::rows::{Cell, Collector};
use super::{Batch, ReadOptions};

fn to_cell(v: &Value) -> Cell {
    match v {
        Value::Null => Cell::Empty,
        Value::Bool(b) => Cell::Bool(*b),
        // Integers stay exact: an 18-digit 留言编号 is not representable as f64.
        Value::Number(n) => match n.as_i64() {
            Some(i) => Cell::Int(i),
            None if n.is_u64() => Cell::Text(n.to_string()),
            None => n
                .as_f64()
                .map_or_else(|| Cell::Text(n.to_string()), Cell::Number),
        },
        Value::String(s) => Cell::Text(s.clone()),
        other => Cell::Text(other.to_string()),
    }
}

/// Maps objects to rows, caching one [`Mapping`] per distinct key set, its columns the content
/// of the first objects with that key set did not name ([`infer::refine`]).
struct Rows<'a> {
    opts: &'a ReadOptions,
    mappings: HashMap<Vec<String>, Mapping>,
    /// The values of the first objects, by key set.
    samples: HashMap<Vec<String>, Vec<Vec<Cell>>>,
}

impl Rows<'_> {
    /// Notes an object's values as a sample of its key set (the first [`SAMPLE_ROWS`] objects).
    fn sample(&mut self, obj: &Map<String, Value>) {
        let keys: Vec<String> = obj.keys().cloned().collect();
        let rows = self.samples.entry(keys).or_default();
        rows.push(obj.values().map(to_cell).collect());
    }
}

impl Rows<'_> {
    fn object(&mut self, col: &mut Collector, obj: &Map<String, Value>, row: usize, loc: &str) {
        let keys: Vec<String> = obj.keys().cloned().collect();
        if !self.mappings.contains_key(&keys) {
            match Mapping::new(&keys, &self.opts.map) {
                Ok(mut m) => {
                    let samples = self.samples.get(&keys).map_or(&[][..], Vec::as_slice);
                    infer::refine(&mut m, samples);
                    col.describe(&m, samples);
                    self.mappings.insert(keys.clone(), m);
                }
                Err(e) => {
                    col.count_read();
                    col.reject(row, "", format!("{e}"));
                    return;
                }
            }
        }
        let mapping = &self.mappings[&keys];
        let cells: Vec<Cell> = obj.values().map(to_cell).collect();
        col.row(mapping, &cells, row, format!("{loc} {row}"));
    }
}

/// Reads a JSON Lines (or JSON array) file held in `bytes`.
pub fn read_jsonl(file: &str, bytes: &[u8], opts: &ReadOptions) -> Result<Batch> {
    let detected = detect(bytes);
    let mut col = Collector::new(file);
    col.set_encoding(detected.name());
    let (body, det) = detected.body(bytes);
    let body: &[u8] = &body;
    let mut rows = Rows {
        opts,
        mappings: HashMap::new(),
        samples: HashMap::new(),
    };
    let text = det.decode_lossy(body);
    if text.trim_start().starts_with('[') {
        let value: Value = serde_json::from_str(&text)
            .with_context(|| format!("{file}: not a JSON array of objects"))?;
        let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
        for obj in items.iter().filter_map(Value::as_object).take(SAMPLE_ROWS) {
            rows.sample(obj);
        }
        for (i, item) in items.iter().enumerate() {
            match item.as_object() {
                Some(obj) => rows.object(&mut col, obj, i + 1, "element"),
                None => {
                    col.count_read();
                    col.reject(i + 1, "", "not a JSON object");
                }
            }
        }
        return Ok(col.finish());
    }
    for obj in body
        .split(|&b| b == b'\n')
        .filter_map(|l| det.decode(l))
        .filter_map(|t| serde_json::from_str::<Map<String, Value>>(&t).ok())
        .take(SAMPLE_ROWS)
    {
        rows.sample(&obj);
    }
    for (i, line) in body.split(|&b| b == b'\n').enumerate() {
        let line_no = i + 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let Some(text) = det.decode(line) else {
            col.count_read();
            // Name the field: the key whose value holds the replacement character.
            let lossy = det.decode_lossy(line);
            let field = serde_json::from_str::<Map<String, Value>>(&lossy)
                .ok()
                .and_then(|obj| {
                    let keys: Vec<String> = obj.keys().cloned().collect();
                    let i = obj
                        .values()
                        .position(|v| v.to_string().contains('\u{fffd}'))?;
                    Mapping::new(&keys, &opts.map).ok().map(|m| m.field_name(i))
                })
                .unwrap_or_default();
            col.reject(
                line_no,
                field,
                format!(
                    "broken encoding: invalid {} byte sequence",
                    det.encoding.name()
                ),
            );
            continue;
        };
        match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(obj)) => rows.object(&mut col, &obj, line_no, "line"),
            Ok(_) => {
                col.count_read();
                col.reject(line_no, "", "not a JSON object");
            }
            Err(e) => {
                col.count_read();
                col.reject(line_no, "", format!("invalid JSON: {e}"));
            }
        }
    }
    Ok(col.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_lines_are_decoded_whole() {
        let text = "{\"编号\": \"J1\", \"诉求内容\": \"路灯不亮\"}\n{\"编号\": \"J2\", \"诉求内容\": \"井盖丢失\"}\r\n\n{\"编号\": \"J3\", \"诉求内容\": \"停水\"}\n";
        for le in [true, false] {
            let mut bytes: Vec<u8> = if le {
                vec![0xFF, 0xFE]
            } else {
                vec![0xFE, 0xFF]
            };
            for u in text.encode_utf16() {
                bytes.extend(if le { u.to_le_bytes() } else { u.to_be_bytes() });
            }
            let b = read_jsonl("u16.jsonl", &bytes, &ReadOptions::default()).unwrap();
            assert!(b.rejects.is_empty(), "{:?}", b.rejects);
            let ids: Vec<&str> = b.cases.iter().map(|c| c.id.as_str()).collect();
            assert_eq!(ids, ["J1", "J2", "J3"]);
            assert_eq!(b.cases[2].source.locator, "line 4");
        }
    }

    #[test]
    fn integer_ids_above_2_pow_53_stay_exact() {
        let text = "{\"留言编号\": 202312010000123456, \"留言详情\": \"路灯不亮\"}\n\
                    {\"留言编号\": 202312010000123457, \"留言详情\": \"井盖丢失\"}\n\
                    {\"留言编号\": 18446744073709551615, \"留言详情\": \"噪音\"}\n\
                    {\"留言编号\": 1234567890123456, \"留言详情\": \"停水\", \"点赞数\": 3}\n";
        let b = read_jsonl("t.jsonl", text.as_bytes(), &ReadOptions::default()).unwrap();
        let ids: Vec<&str> = b.cases.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "202312010000123456",
                "202312010000123457",
                "18446744073709551615",
                "1234567890123456"
            ]
        );
        assert!(b.duplicate_ids.is_empty());
        assert_eq!(b.cases[3].likes, Some(3));
    }
}
