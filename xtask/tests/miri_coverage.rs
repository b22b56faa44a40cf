//! Guards the Miri promise without needing nightly: every example whose own
//! code uses `unsafe` or atomics has a recorded Miri run (checked for real
//! by `cargo xtask miri`, which `.ci/run` runs) or says in its header why
//! Miri cannot run it; and the deliberately racy example's recorded Miri run
//! holds the data race the book shows.

use xtask::{miri, outputs, repo_root};

#[test]
fn every_unsafe_or_atomic_example_is_checked_by_miri_or_says_why_not() {
    let root = repo_root();
    let recorded = miri::recorded(&root).expect("read examples/outputs");
    let mut failures = Vec::new();
    for name in xtask::example_names(&root) {
        let source =
            std::fs::read_to_string(root.join(format!("examples/{name}.rs")))
                .expect("read example");
        let has_run = recorded.iter().any(|r| r.example == name);
        match (miri::needs_miri(&source), has_run, miri::exemption(&source)) {
            (true, false, None) => failures.push(format!(
                "examples/{name}.rs uses unsafe or atomics: record a Miri run \
                 (examples/outputs/{name}.miri.txt holding `$ cargo +nightly miri run --example {name}`, \
                 then `cargo xtask miri --record`) or add `//! Miri: not run, because ...`"
            )),
            (_, true, Some(_)) => failures.push(format!(
                "examples/{name}.rs has a Miri run and also says Miri does not run it"
            )),
            (_, _, Some(reason)) if !reason.starts_with(", because") && !reason.starts_with("because") => {
                failures.push(format!("examples/{name}.rs: `Miri: not run` must say `because ...`"))
            }
            _ => {}
        }
    }
    xtask::fail_if_any(
        "unsafe or atomic examples neither run under Miri nor exempted",
        failures,
    );
}

#[test]
fn the_racy_example_is_caught_by_miri() {
    let root = repo_root();
    let recorded = miri::recorded(&root).expect("read examples/outputs");
    let caught: Vec<&outputs::Recorded> = recorded
        .iter()
        .filter(|r| r.lines.iter().any(|l| l.contains("Data race detected")))
        .collect();
    assert!(
        !caught.is_empty(),
        "no recorded Miri run shows a data race; the book promises Miri's report on the unsafe race"
    );
}
