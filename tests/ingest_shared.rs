//! Reads the public datasets in `../shared` (or `$HOTLINE_SHARED`) with no `--map` and checks
//! the counts the issue states. Skips when the datasets are absent.

use hotline::ingest::{read_path, ReadOptions};
use hotline::testdata::shared_dir;

#[test]
fn reads_the_shared_exports_with_automatic_mapping() {
    let Some(dir) = shared_dir() else {
        println!("skipped: ../shared (or $HOTLINE_SHARED) is absent");
        return;
    };
    let ds = dir.join("datasets");
    let opts = ReadOptions::default();

    let hot = read_path(&ds.join("tipdm2020c/hotspot_messages.csv"), &opts).unwrap();
    assert_eq!(hot.read, 4326);
    assert_eq!(
        hot.cases.len(),
        4326,
        "rejects: {:?}",
        &hot.rejects[..hot.rejects.len().min(5)]
    );
    assert!(hot.rejects.is_empty());
    assert!(hot
        .cases
        .iter()
        .all(|c| c.received_at.is_some() && c.title.is_some()));
    assert!(hot
        .cases
        .iter()
        .all(|c| c.likes.is_some() && c.user.is_some()));

    let rep = read_path(&ds.join("tipdm2020c/replies.csv"), &opts).unwrap();
    assert_eq!(rep.read, 2816);
    assert_eq!(
        rep.cases.len(),
        2816,
        "rejects: {:?}",
        &rep.rejects[..rep.rejects.len().min(5)]
    );
    assert!(rep.cases.iter().all(|c| c.reply.is_some()));

    let mails = read_path(&ds.join("shangluo_mailbox/mails.csv"), &opts).unwrap();
    assert_eq!(mails.read, 1179);
    assert_eq!(mails.rejects.len(), 2, "{:?}", mails.rejects);
    let rows: Vec<usize> = mails.rejects.iter().map(|r| r.row).collect();
    assert_eq!(rows, [216, 1112]);
    for r in &mails.rejects {
        assert_eq!(r.field, "narrative");
        assert!(r.row >= 2 && r.file.ends_with("mails.csv"));
    }
    assert_eq!(mails.duplicate_ids.len(), 7);
    assert_eq!(mails.duplicate_rows, 8);
    assert_eq!(mails.cases.len(), 1169);
    assert!(mails
        .cases
        .iter()
        .all(|c| c.department.is_some() || c.reply.is_none()));

    let total = hot.cases.len() + rep.cases.len() + mails.cases.len();
    assert_eq!(total, 8311);
    println!(
        "hotspot_messages {} / replies {} / mails {} (rejects {:?}, {} dup ids, {} extra rows): {}",
        hot.cases.len(),
        rep.cases.len(),
        mails.cases.len(),
        mails.rejects.iter().map(|r| r.row).collect::<Vec<_>>(),
        mails.duplicate_ids.len(),
        mails.duplicate_rows,
        total
    );
}
