//! Guards the promise that every run the book shows is what the program
//! really prints, and the rules every example keeps when it runs: it ends in
//! time, it leaves no process behind, and it rejects arguments it does not know.
//!
//! All examples run once, one after another (so timings are not skewed by
//! each other and every leftover process can be traced to one run); each test
//! below checks one property of those runs. The runner, not the example,
//! carries the harness: each example leads a process group of its own, and
//! one still running at the 2 s limit is stopped with its whole group
//! (`xtask::outputs`), so a hung example fails within seconds, named.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use xtask::outputs::{self, CapturedRun, Recorded, Runner};
use xtask::{fail_if_any, repo_root};

struct Report {
    /// Every native recorded run, with its fresh run.
    runs: Vec<(Recorded, Result<CapturedRun, String>)>,
    /// Every example run with an argument it does not take.
    bad_args: Vec<(String, Result<CapturedRun, String>)>,
    /// What each run left behind, if anything (Linux only).
    leftovers: Vec<String>,
    examples: Vec<String>,
    recorded_examples: Vec<String>,
}

const BAD_ARG: &str = "--no-such-flag";

fn report() -> &'static Report {
    static REPORT: OnceLock<Report> = OnceLock::new();
    REPORT.get_or_init(|| {
        let root = repo_root();
        #[cfg(target_os = "linux")]
        xtask::procs::become_subreaper().expect("become a child subreaper");
        let bins: BTreeMap<String, PathBuf> =
            outputs::build_examples(&root).expect("build the examples");
        let recorded =
            outputs::recorded_runs(&root).expect("read examples/outputs");
        let examples = xtask::example_names(&root);
        let mut leftovers = Vec::new();
        // An overrun is reported as one (by the time test); the processes
        // killed with its group are reaped here, not reported again.
        let mut check_leftovers =
            |what: &str, run: &Result<CapturedRun, String>| {
                let overran = run.as_ref().is_ok_and(|r| r.overran);
                #[cfg(target_os = "linux")]
                for process in xtask::procs::children() {
                    if !overran {
                        leftovers.push(format!(
                            "{what} left process {} `{}` behind (state {})",
                            process.pid, process.comm, process.state
                        ));
                    }
                    xtask::procs::reap(process.pid);
                }
                #[cfg(not(target_os = "linux"))]
                let _ = (what, overran);
            };
        let mut runs = Vec::new();
        for rec in recorded.iter().filter(|r| r.runner == Runner::Native) {
            let run = match bins.get(&rec.example) {
                Some(bin) => outputs::run_merged(
                    &root,
                    bin,
                    &rec.args,
                    outputs::EXAMPLE_TIME_LIMIT,
                ),
                None => Err(format!(
                    "cargo built no example named `{}`",
                    rec.example
                )),
            };
            check_leftovers(&rec.command, &run);
            runs.push((rec.clone(), run));
        }
        let mut bad_args = Vec::new();
        for name in &examples {
            let run = match bins.get(name) {
                Some(bin) => outputs::run_separate(
                    &root,
                    bin,
                    &[BAD_ARG.to_string()],
                    outputs::EXAMPLE_TIME_LIMIT,
                ),
                None => Err(format!("cargo built no example named `{name}`")),
            };
            check_leftovers(&format!("`{name} {BAD_ARG}`"), &run);
            bad_args.push((name.clone(), run));
        }
        Report {
            runs,
            bad_args,
            leftovers,
            recorded_examples: recorded
                .iter()
                .map(|r| r.example.clone())
                .collect(),
            examples,
        }
    })
}

#[test]
fn every_example_has_a_recorded_run() {
    let r = report();
    assert!(!r.examples.is_empty(), "no examples found in examples/");
    let missing: Vec<String> = r
        .examples
        .iter()
        .filter(|e| !r.recorded_examples.contains(e))
        .map(|e| {
            format!(
                "examples/{e}.rs has no examples/outputs/{e}.txt (run `cargo xtask outputs {e}`)"
            )
        })
        .collect();
    fail_if_any("examples without a recorded run", missing);
}

#[test]
fn every_recorded_output_matches_a_fresh_run() {
    let r = report();
    let root = repo_root();
    let mut failures = Vec::new();
    let mut compared = 0;
    for (rec, run) in &r.runs {
        let shown = rec.path.strip_prefix(&root).unwrap_or(&rec.path).display();
        let run = match run {
            Ok(run) => run,
            Err(e) => {
                failures.push(format!("{shown}: {e}"));
                continue;
            }
        };
        if run.overran {
            failures.push(format!(
                "{shown}: `{}` overran the {:?} limit and was stopped with \
                 every process it started\n{}",
                rec.command,
                outputs::EXAMPLE_TIME_LIMIT,
                run.output
            ));
            continue;
        }
        if run.code != Some(0) {
            failures.push(format!(
                "{shown}: `{}` exited with {:?}, expected 0\n{}",
                rec.command, run.code, run.output
            ));
            continue;
        }
        // Runs are recorded on Linux; elsewhere the exit status is what we check.
        if !cfg!(target_os = "linux") {
            continue;
        }
        let source = root.join(format!("examples/{}.rs", rec.example));
        let header = std::fs::read_to_string(&source)
            .map_err(|e| e.to_string())
            .and_then(|s| outputs::header(&s));
        let unordered = match header {
            Ok(h) => h.unordered,
            Err(e) => {
                failures.push(format!("{}: {e}", source.display()));
                continue;
            }
        };
        compared += 1;
        if let Err(diff) =
            outputs::compare(&rec.lines, &run.lines(), &unordered)
        {
            failures.push(format!(
                "{shown} no longer matches `{}`: {diff}\nIf the change is intended, run `cargo xtask outputs {}` and review the diff.",
                rec.command, rec.example
            ));
        }
    }
    fail_if_any("recorded outputs that drifted", failures);
    if cfg!(target_os = "linux") {
        assert!(compared > 0, "no recorded output was compared");
    }
    println!("compared {compared} recorded runs");
}

#[test]
fn every_example_finishes_within_two_seconds() {
    let r = report();
    let slow: Vec<String> = r
        .runs
        .iter()
        .filter_map(|(rec, run)| {
            let run = run.as_ref().ok()?;
            let limit = outputs::EXAMPLE_TIME_LIMIT;
            if run.overran {
                Some(format!(
                    "`{}` overran the {limit:?} limit: stopped after {:?}, \
                     with its whole process group killed",
                    rec.command, run.elapsed
                ))
            } else {
                (run.elapsed > limit).then(|| {
                    format!(
                        "`{}` took {:?} (limit {limit:?})",
                        rec.command, run.elapsed
                    )
                })
            }
        })
        .collect();
    fail_if_any("examples over the time bound", slow);
}

#[cfg(target_os = "linux")]
#[test]
fn no_example_leaves_a_process_behind() {
    let r = report();
    fail_if_any("processes left behind", r.leftovers.clone());
}

#[test]
fn every_example_rejects_unknown_arguments() {
    let r = report();
    let mut failures = Vec::new();
    for (name, run) in &r.bad_args {
        let usage = format!("usage: cargo run --example {name}");
        match run {
            Err(e) => failures.push(format!("{name}: {e}")),
            Ok(run) if run.code != Some(2) || !run.stderr.contains(&usage) => {
                failures.push(format!(
                    "examples/{name}.rs {BAD_ARG}: expected exit code 2 and `{usage}` on stderr; \
                     got exit {:?}{}\nstderr: {}\nstdout: {}",
                    run.code,
                    if run.overran {
                        " (it overran the time limit and was stopped)"
                    } else {
                        ""
                    },
                    run.stderr,
                    run.output
                ));
            }
            Ok(_) => {}
        }
    }
    fail_if_any("examples that accept an unknown argument", failures);
}
