//! The urgency classifier on self-written letters (tests/fixtures/urgency/): each cue (present
//! danger, past, resolved, hypothetical, negated, policy question) is found on its mention and
//! shown in the evidence; a model trained on a small fixture set learns which way each cue
//! points; the shipped model judges the cue fixtures as the definition says; the labels file
//! and the held-out evaluation read through ingest. None of it needs ../shared.

use std::path::PathBuf;

use hotline::model::Case;
use hotline::tag::tagger;
use hotline::tag::urgent::features::mention_features;
use hotline::tag::urgent::lexicon::Cue;
use hotline::tag::urgent::train::{fit, read_labels, resolve, FitOptions, Letter};
use hotline::tag::urgent::Lexicon;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/urgency")
        .join(name)
}

struct CueRow {
    id: String,
    title: String,
    text: String,
    urgent: bool,
    cue: String,
}

fn cue_rows() -> Vec<CueRow> {
    let mut rdr = csv::Reader::from_path(fixture("cues.csv")).unwrap();
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            CueRow {
                id: r[0].to_string(),
                title: r[1].to_string(),
                text: r[2].to_string(),
                urgent: &r[3] == "1",
                cue: r[4].to_string(),
            }
        })
        .collect()
}

fn letter(title: &str, text: &str, urgent: bool) -> Letter {
    let mut c = Case::new("x", text);
    if !title.is_empty() {
        c.title = Some(title.to_string());
    }
    Letter::from_case("fixture", "fixture.csv", &c, urgent)
}

#[test]
fn each_cue_is_found_on_a_mention() {
    let lex = Lexicon::builtin();
    for r in cue_rows() {
        let l = letter(&r.title, &r.text, r.urgent);
        let ms = mention_features(lex, &l.text, l.title_len);
        assert!(!ms.is_empty(), "{}: no danger mention", r.id);
        let cue = Cue::ALL.iter().find(|c| c.key() == r.cue).unwrap();
        assert!(
            ms.iter().any(|m| m.cues.iter().any(|(c, ..)| c == cue)),
            "{}: no {} cue in {:?}",
            r.id,
            r.cue,
            ms.iter().map(|m| &m.cues).collect::<Vec<_>>()
        );
    }
}

#[test]
fn a_model_trained_on_fixtures_learns_the_cues() {
    let mut rdr = csv::Reader::from_path(fixture("train.csv")).unwrap();
    let letters: Vec<Letter> = rdr
        .records()
        .map(|r| {
            let r = r.unwrap();
            letter(&r[0], &r[1], &r[2] == "1")
        })
        .collect();
    let model = fit(&letters, &FitOptions::default()).unwrap();
    assert_eq!(model.trained_on, ["fixture"]);
    assert_eq!((model.n_train, model.n_urgent), (20, 8));
    let lex = Lexicon::builtin();
    let mut right = 0;
    let rows = cue_rows();
    for r in &rows {
        let l = letter(&r.title, &r.text, r.urgent);
        let e = model.assess(lex, &l.text, l.title_len).unwrap();
        if e.urgent == r.urgent {
            right += 1;
        } else {
            eprintln!("{}: {:?}", r.id, e);
        }
    }
    assert!(right >= rows.len() - 2, "{right} of {} right", rows.len());
}

#[test]
fn the_shipped_model_follows_the_definition_with_evidence() {
    let rows = cue_rows();
    let mut right = 0;
    for r in &rows {
        let tags = tagger().tag(&r.title, &r.text);
        let e = tags.urgency.as_ref().expect("evidence");
        if tags.urgent == r.urgent {
            right += 1;
        } else {
            eprintln!("{}: {:?}", r.id, e);
        }
        assert_eq!(e.urgent, tags.urgent);
        assert!(
            r.text.contains(&e.mention) || r.title.contains(&e.mention),
            "{}",
            r.id
        );
        assert!(e.score >= 0.0 && e.score <= 1.0);
        if tags.urgent {
            assert!(tags
                .evidence
                .iter()
                .any(|x| x == &format!("紧急:{}", e.term)));
        }
    }
    eprintln!(
        "shipped model: {right} of {} cue fixtures right",
        rows.len()
    );
    assert!(right >= rows.len() - 3, "{right} of {} right", rows.len());
    // no danger term, no evidence
    let t = tagger().tag("路灯不亮", "小区路灯不亮，晚上出行不便");
    assert!(!t.urgent && t.urgency.is_none());
}

#[test]
fn labels_resolve_through_ingest() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("datasets/shangluo_mailbox");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("mails.csv"),
        "mail_id,title,query,query_date\n\
         1,井盖丢失,路口井盖丢失，现在很危险，请马上处理,2020-01-02\n\
         2,危房动迁,危房何时动迁,2020-01-03\n",
    )
    .unwrap();
    let labels = dir.path().join("labels.csv");
    std::fs::write(
        &labels,
        "file,id,urgent,reason\n\
         shangluo_mailbox/mails.csv,1,1,井盖\n\
         shangluo_mailbox/mails.csv,2,0,政策\n\
         shangluo_mailbox/mails.csv,9,0,不存在\n",
    )
    .unwrap();
    let rows = read_labels(&labels).unwrap();
    assert_eq!(rows.len(), 3);
    let (letters, missing) = resolve(&dir.path().join("datasets"), &rows).unwrap();
    assert_eq!(missing, ["shangluo_mailbox/mails.csv:9"]);
    assert_eq!(letters.len(), 2);
    assert_eq!(letters[0].source, "shangluo");
    assert_eq!(
        letters[0].text,
        "井盖丢失\n路口井盖丢失，现在很危险，请马上处理"
    );
    assert_eq!(letters[0].title_len, "井盖丢失".len());
    assert!(letters[0].urgent && !letters[1].urgent);
}
