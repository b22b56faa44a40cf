//! The `noplayground` marks are earned: every example a page offers to the
//! Rust playground (a `rust` block without `noplayground`) runs under the
//! playground's limits, and every example the pages mark `noplayground`
//! fails under them.
//!
//! The limits, as rust-lang/rust-playground sets them
//! (compiler/base/orchestrator/src/coordinator.rs, worker.rs, ui/src/
//! server_axum.rs, compiler/base/Dockerfile): the container runs with
//! `--net none`, `--memory 512m --memory-swap 640m`, `--pids-limit 512`,
//! `--cap-drop=ALL`, as the non-root user `playground`; the worker stops a
//! program after 640 KiB of output; the job (build and run) has a 10 s
//! soft timeout. Its crate list has libc and tokio (with "full"), so a
//! program's `use libc` or `#[tokio::main]` is not a reason to refuse it,
//! and `current_exe()` works inside the container.
//!
//! Here (Linux, as root): a memory and a pids cgroup (v1 or v2) with those
//! limits, `unshare --net` (no network), `setpriv` to `nobody`, an empty
//! working directory, no arguments, and the book's 2 s budget for the run of
//! the debug build. Elsewhere the test says why it did not run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use xtask::{book, outputs, repo_root};

const MEMORY: u64 = 512 << 20;
const MEMORY_AND_SWAP: u64 = 640 << 20;
const PIDS: u32 = 512;
const OUTPUT: usize = 640 << 10;
/// Anything still running past the 2 s budget fails anyway; the kill comes a
/// little later, so the report says "took 2.4 s" rather than only "killed".
const KILL_AFTER: Duration = Duration::from_secs(3);

/// For each example a page shows whole (`rustdoc_include`, the form the run
/// and copy buttons get the whole program from): true when some block offers
/// it to the playground, false when it is marked `noplayground`. An example
/// with both marks is an error (the reader sees two answers), and so is a
/// plain `{{#include file:anchor}}` excerpt (it cannot compile alone)
/// offered to the playground.
fn marks(root: &Path) -> Result<BTreeMap<String, bool>, Vec<String>> {
    let mut seen: BTreeMap<String, (Vec<String>, Vec<String>)> =
        BTreeMap::new();
    let mut both = Vec::new();
    for page in book::pages(root).expect("pages") {
        for block in book::parse(&page.text).code_blocks {
            if block.lang() != "rust" {
                continue;
            }
            let flags: Vec<&str> =
                block.info.split([',', ' ']).map(str::trim).collect();
            if flags.iter().any(|f| ["compile_fail", "ignore"].contains(f)) {
                continue;
            }
            let Some((how, name)) =
                book::directives(&block.content).into_iter().find_map(|d| {
                    let name = d
                        .target
                        .strip_prefix("../examples/")?
                        .strip_suffix(".rs")?
                        .to_string();
                    ["rustdoc_include", "include", "playground"]
                        .contains(&d.kind.as_str())
                        .then_some((d.kind, name))
                })
            else {
                continue;
            };
            let at = format!("src/{}:{}", page.rel, block.line);
            let noplayground = flags.contains(&"noplayground");
            if how == "include" {
                if !noplayground {
                    both.push(format!(
                        "{at}: an excerpt of {name} (`{{{{#include}}}}`) is offered to the \
                         playground, which gets only the excerpt: mark it noplayground"
                    ));
                }
                continue;
            }
            let entry = seen.entry(name).or_default();
            if noplayground {
                entry.1.push(at);
            } else {
                entry.0.push(at);
            }
        }
    }
    let mut marks = BTreeMap::new();
    for (name, (offered, not)) in seen {
        if !offered.is_empty() && !not.is_empty() {
            both.push(format!(
                "{name} is offered to the playground at {} but marked noplayground at {}",
                offered.join(", "),
                not.join(", ")
            ));
        }
        marks.insert(name, !offered.is_empty());
    }
    if both.is_empty() {
        Ok(marks)
    } else {
        Err(both)
    }
}

/// Why this machine cannot apply the limits, if it cannot.
fn cannot_sandbox() -> Option<String> {
    if !cfg!(target_os = "linux") {
        return Some(
            "the playground's limits are applied with Linux tools".into(),
        );
    }
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Some(
            "applying the limits (cgroups, unshare, setpriv) needs root".into(),
        );
    }
    for tool in ["unshare", "setpriv"] {
        let found = Command::new(tool).arg("--version").output();
        if !found.is_ok_and(|o| o.status.success()) {
            return Some(format!("`{tool}` (util-linux) is not installed"));
        }
    }
    None
}

/// A memory and a pids cgroup with the playground's limits; removed on drop.
struct Cgroup {
    dirs: Vec<PathBuf>,
}

impl Cgroup {
    fn new(name: &str) -> Result<Cgroup, String> {
        let v1 = Path::new("/sys/fs/cgroup/memory").is_dir();
        let settings: Vec<(PathBuf, Vec<(&str, String)>)> = if v1 {
            vec![
                (
                    PathBuf::from("/sys/fs/cgroup/memory").join(name),
                    vec![
                        ("memory.limit_in_bytes", MEMORY.to_string()),
                        (
                            "memory.memsw.limit_in_bytes",
                            MEMORY_AND_SWAP.to_string(),
                        ),
                    ],
                ),
                (
                    PathBuf::from("/sys/fs/cgroup/pids").join(name),
                    vec![("pids.max", PIDS.to_string())],
                ),
            ]
        } else {
            vec![(
                PathBuf::from("/sys/fs/cgroup").join(name),
                vec![
                    ("memory.max", MEMORY.to_string()),
                    ("memory.swap.max", (MEMORY_AND_SWAP - MEMORY).to_string()),
                    ("pids.max", PIDS.to_string()),
                ],
            )]
        };
        let mut group = Cgroup { dirs: Vec::new() };
        for (dir, files) in settings {
            std::fs::create_dir(&dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            group.dirs.push(dir.clone());
            for (file, value) in files {
                let path = dir.join(file);
                // Swap accounting may be off; memory and pids are required.
                if let Err(e) = std::fs::write(&path, &value)
                    && !file.contains("sw")
                {
                    return Err(format!(
                        "cannot write {}: {e}",
                        path.display()
                    ));
                }
            }
        }
        Ok(group)
    }
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        for dir in &self.dirs {
            // Anything the run left behind goes first, or rmdir fails.
            if let Ok(pids) = std::fs::read_to_string(dir.join("cgroup.procs"))
            {
                for pid in pids.lines().filter_map(|p| p.parse::<i32>().ok()) {
                    let _ = Command::new("kill")
                        .args(["-9", &pid.to_string()])
                        .status();
                }
            }
            for _ in 0..50 {
                if std::fs::remove_dir(dir).is_ok() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

/// Runs `exe` with no arguments under the playground's limits; `Ok` when it
/// would run there, `Err` saying why not.
fn run_limited(exe: &Path, name: &str, work: &Path) -> Result<(), String> {
    let group =
        Cgroup::new(&format!("tvp-playground-{}-{name}", std::process::id()))?;
    let mut join = String::new();
    for dir in &group.dirs {
        join.push_str(&format!("echo $$ > {}/cgroup.procs && ", dir.display()));
    }
    let script = format!(
        "{join}exec unshare --net -- setpriv --reuid=65534 --regid=65534 --clear-groups -- \"$0\""
    );
    let run = outputs::run_separate(
        work,
        Path::new("sh"),
        &["-c".to_string(), script, exe.display().to_string()],
        KILL_AFTER,
    )?;
    drop(group);
    let output = run.output.len() + run.stderr.len();
    let last = |s: &str| s.lines().last().unwrap_or_default().to_string();
    if run.overran {
        Err(format!("still running after {KILL_AFTER:?}"))
    } else if run.code != Some(0) {
        Err(format!(
            "exit {:?}; stderr ends: {}",
            run.code,
            last(&run.stderr)
        ))
    } else if output > OUTPUT {
        Err(format!("{output} bytes of output, over 640 KiB"))
    } else if run.elapsed > outputs::EXAMPLE_TIME_LIMIT {
        Err(format!(
            "took {:.1?}, over the {:?} budget",
            run.elapsed,
            outputs::EXAMPLE_TIME_LIMIT
        ))
    } else {
        Ok(())
    }
}

#[test]
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "the playground's limits are applied with Linux tools (cgroups, unshare, setpriv)"
)]
fn the_noplayground_marks_are_earned() {
    let root = repo_root();
    let marks = match marks(&root) {
        Ok(m) => m,
        Err(both) => {
            return xtask::fail_if_any("examples with both marks", both);
        }
    };
    if let Some(why) = cannot_sandbox() {
        // CI must check the marks (`.ci/run` runs the tests as root, with
        // sudo where it is not root); a reader's own `cargo test` as a
        // normal user says loudly that it did not.
        assert!(
            std::env::var_os("CI").is_none(),
            "playground_limits cannot run in CI: {why}"
        );
        eprintln!(
            "playground_limits: NOT CHECKED here ({why}); CI checks the marks"
        );
        return;
    }
    let bins = outputs::build_examples(&root).expect("build the examples");
    let work = std::env::temp_dir()
        .join(format!("tvp-playground-{}", std::process::id()));
    std::fs::create_dir_all(&work).expect("work dir");
    let _ = Command::new("chmod").arg("777").arg(&work).status();
    let mut wrong = Vec::new();
    for (name, offered) in &marks {
        let exe = bins.get(name).expect("built example");
        let outcome = run_limited(exe, name, &work);
        eprintln!(
            "{name}: {} -> {}",
            if *offered { "runnable" } else { "noplayground" },
            match &outcome {
                Ok(()) => "runs under the limits".to_string(),
                Err(why) => format!("fails under the limits ({why})"),
            }
        );
        match (offered, outcome) {
            (true, Err(why)) => wrong.push(format!(
                "{name} is offered to the playground but fails under its limits: {why} \
                 (mark its blocks `rust,noplayground`)"
            )),
            (false, Ok(())) => wrong.push(format!(
                "{name} is marked noplayground but runs under the playground's limits \
                 (drop `noplayground` from its blocks)"
            )),
            _ => {}
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    xtask::fail_if_any("examples whose playground mark is wrong", wrong);
}
