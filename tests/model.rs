//! Model-based test: random sequences of every public operation against a
//! `HashMap` model, comparing every answer (see `support/model.rs`).

mod support {
    pub mod model;
}
use support::model::{decode_ops, run, Rng};

#[test]
fn random_operation_sequences_match_the_hashmap_model() {
    for seed in 0..300u64 {
        let mut rng = Rng::new(seed);
        let len = 200 + (rng.next() % 1800) as usize;
        let ops = decode_ops(&rng.bytes(len));
        let result = std::panic::catch_unwind(|| run(&ops));
        assert!(result.is_ok(), "seed {} diverged from the model", seed);
    }
}

#[test]
fn long_sequences_reuse_slots_and_meet_stale_keys() {
    // Few live entries and many lifecycles, so vacated slots are reused and
    // stale keys are looked up (the u32 wrap itself is pinned in identity.rs).
    let mut rng = Rng::new(0xdead_beef);
    let mut bytes = Vec::new();
    for _ in 0..20_000 {
        match rng.next() % 4 {
            0 | 1 => bytes.extend_from_slice(&[0, rng.next() as u8]), // register
            2 => bytes.extend_from_slice(&[10, 0, rng.next() as u8]), // remove a live one
            _ => bytes.extend_from_slice(&[7, 1, rng.next() as u8]),  // get a stale one
        }
    }
    run(&decode_ops(&bytes));
}

#[test]
fn regression_corpus_replays_clean() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/corpus exists") {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let ops = decode_ops(&data);
        let result = std::panic::catch_unwind(|| run(&ops));
        assert!(result.is_ok(), "{} diverged from the model", path.display());
        n += 1;
    }
    assert!(n >= 1, "the regression corpus is empty");
}
