//! The wasm benchmark guest runs every workload for every contender and
//! answers with the checksums the bench relies on (the timings themselves
//! live in `benches/wasm.rs`).

use telemetry_host::bench_guest::{BenchGuest, CONTENDERS, DRAINED, WORKLOADS};

#[test]
fn every_workload_runs_for_every_contender_inside_wasm() {
    let mut guest = BenchGuest::new().expect("instantiate the bench guest");
    for (contender, contender_name) in CONTENDERS.iter().enumerate() {
        for (workload, name) in WORKLOADS.iter().enumerate() {
            let who = format!("{} / {}", name, contender_name);
            guest.prepare(workload, contender).expect(&who);
            if *name == "drain" {
                assert_eq!(guest.run(1).expect(&who), DRAINED, "{}", who);
                assert_eq!(guest.run(1).expect(&who), 0, "{}: drained already", who);
                guest.rearm().expect(&who);
                guest.rearm().expect(&who); // once full, rearming adds nothing
                assert_eq!(guest.run(1).expect(&who), DRAINED, "{}: refilled", who);
            } else {
                // Steps so far: the workload keeps its place across calls.
                assert_eq!(guest.run(300).expect(&who), 300, "{}", who);
                assert_eq!(guest.run(200).expect(&who), 500, "{}", who);
            }
        }
    }
}

#[test]
fn the_memory_count_runs_inside_wasm_and_unknown_numbers_are_refused() {
    let mut guest = BenchGuest::new().expect("instantiate the bench guest");
    let ours = guest.bytes_per_entry(0).expect("count");
    let slab = guest.bytes_per_entry(2).expect("count");
    // A slot of this crate holds at least a value pointer and a generation.
    assert!((12.0..100.0).contains(&ours), "{}", ours);
    assert!((4.0..100.0).contains(&slab), "{}", slab);
    assert_eq!(guest.bytes_per_entry(99).expect("call"), -1.0);
    assert!(guest.prepare(9, 0).is_err());
    assert!(guest.prepare(0, 99).is_err());
}
