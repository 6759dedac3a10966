//! The JSON shape of a text's tags, as `hotline tag --json` prints it and `POST /api/tag`
//! answers: scores rounded to three decimals, the text first.

use crate::model::{Scored, Tags};

/// The JSON line `hotline tag` prints.
pub fn tag_json(id: Option<&serde_json::Value>, text: &str, tags: &Tags) -> serde_json::Value {
    let num = |x: f32| (f64::from(x) * 1000.0).round() / 1000.0;
    let scored = |v: &[Scored]| -> Vec<serde_json::Value> {
        v.iter()
            .map(|s| serde_json::json!({"name": s.name, "score": num(s.score)}))
            .collect()
    };
    let mut v = serde_json::json!({
        "category": tags.category,
        "category_confidence": num(tags.category_confidence),
        "topic": tags.topic,
        "topic_confidence": num(tags.topic_confidence),
        "secondary_topics": scored(&tags.secondary_topics),
        "evidence": tags.evidence,
        "department_suggestions": scored(&tags.department_suggestions),
        "urgent": tags.urgent,
        "urgency": tags.urgency.as_ref().map(|u| serde_json::json!({
            "urgent": u.urgent,
            "term": u.term,
            "kind": u.kind,
            "mention": u.mention,
            "cues": u.cues,
            "score": num(u.score),
        })),
    });
    let obj = v.as_object_mut().expect("object");
    let mut out = serde_json::Map::new();
    if let Some(id) = id {
        out.insert("id".into(), id.clone());
    }
    out.insert("text".into(), serde_json::Value::String(text.to_string()));
    out.append(obj);
    serde_json::Value::Object(out)
}
