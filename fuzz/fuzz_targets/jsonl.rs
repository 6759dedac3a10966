//! Fuzzes the jsonl reader: any bytes give a batch or an error, never a panic or an abort.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = hotline::ingest::jsonl::read_jsonl("f.jsonl", data, &Default::default());
});
