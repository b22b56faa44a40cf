//! `cargo xtask`: the book's tooling. Run `cargo xtask help`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use std::time::Instant;

use xtask::{compile_fail, miri as miri_runs, outputs, repo_root, tools};

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  serve [FLAGS]      serve the book with live reload at http://localhost:3000
                     (installs the pinned mdbook and mdbook-mermaid into .tools/
                     on its first run; FLAGS such as --port 3001 or --open are
                     passed to `mdbook serve`)
  build [--dest DIR] build the static site into book/ (or DIR), in-process
  outputs [NAME...]  rerun the examples (all, or the NAMEs) and rewrite their
                     recorded outputs in examples/outputs/ and the compiler
                     messages in examples/compile_fail/
  chart              redraw src/img/cost-chart.svg, data/cost-table-*.md and
                     data/cost-summary.md from data/cost-reference.csv
  cost-reference     build every cost example in release mode, run each with
                     --csv, write data/cost-reference.csv and the machine, date
                     and load (data/cost-machine.md), then redraw as `chart`
  install-tools      install the pinned mdbook and mdbook-mermaid into .tools/
  miri [--record]    run the examples that use unsafe or atomics under Miri
                     (the nightly pinned in Cargo.toml, installed if missing)
                     and compare with examples/outputs/*.miri.txt
                     (--record rewrites those files instead)
  stress N           run `cargo test` N times; every second run is pinned to
                     CPU 0 with a CPU-bound process beside it (Linux)
  help               print this text";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = repo_root();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve(&root, &args[1..]),
        Some("build") => build(&root, &args[1..]),
        Some("outputs") => record_outputs(&root, &args[1..]),
        Some("chart") if args.len() == 1 => xtask::chart::write(&root).map_err(Failure::from),
        Some("cost-reference") if args.len() == 1 => {
            xtask::chart::measure_reference(&root).map_err(Failure::from)
        }
        Some("install-tools") if args.len() == 1 => install_tools(&root).map(|bin| {
            println!("{}", bin.display());
        }),
        Some("miri") => miri(&root, &args[1..]),
        Some("stress") => stress(&root, &args[1..]),
        Some("__burn") => burn(),
        Some("help" | "--help" | "-h") if args.len() == 1 => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => {
            eprintln!(
                "error: unknown command or arguments: `{}`\n\n{USAGE}",
                other
            );
            return ExitCode::from(2);
        }
        None => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) => {
            eprintln!("error: {msg}\n\n{USAGE}");
            ExitCode::from(2)
        }
        Err(Failure::Failed(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}

enum Failure {
    Usage(String),
    Failed(String),
}

impl From<String> for Failure {
    fn from(s: String) -> Self {
        Failure::Failed(s)
    }
}

/// The folder the pinned tools are installed into, inside the project.
fn tools_root(root: &Path) -> PathBuf {
    root.join(".tools")
}

/// `NAME --version` prints `NAME VERSION`; true when VERSION is the pinned one.
fn has_version(bin: &Path, version: &str) -> bool {
    Command::new(bin)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .is_some_and(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .any(|w| w.trim_start_matches('v') == version)
        })
}

/// Installs every pinned tool that is missing or at another version, with
/// cargo's own progress on the terminal. Returns the folder of the binaries.
fn install_tools(root: &Path) -> Result<PathBuf, Failure> {
    let dest = tools_root(root);
    let bin_dir = dest.join("bin");
    for tool in tools::pinned(root)? {
        let bin = bin_dir.join(format!("{}{}", tool.name, std::env::consts::EXE_SUFFIX));
        if has_version(&bin, &tool.version) {
            continue;
        }
        eprintln!(
            "xtask: installing {} {} into {} (first run only; takes a few minutes)",
            tool.name,
            tool.version,
            dest.display()
        );
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        let status = Command::new(&cargo)
            .args(["install", "--locked", "--root"])
            .arg(&dest)
            .arg(format!("{}@{}", tool.name, tool.version))
            .status()
            .map_err(|e| format!("cannot run {cargo} install: {e}"))?;
        if !status.success() || !has_version(&bin, &tool.version) {
            return Err(Failure::Failed(format!(
                "installing {} {} failed ({status})",
                tool.name, tool.version
            )));
        }
    }
    Ok(bin_dir)
}

fn serve(root: &Path, flags: &[String]) -> Result<(), Failure> {
    let bin_dir = install_tools(root)?;
    // book.toml runs the preprocessor as `mdbook-mermaid`: put ours first on PATH.
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![bin_dir.clone()];
    dirs.extend(std::env::split_paths(&path));
    let path = std::env::join_paths(dirs).map_err(|e| format!("bad PATH: {e}"))?;
    let mdbook = bin_dir.join(format!("mdbook{}", std::env::consts::EXE_SUFFIX));
    let status = Command::new(&mdbook)
        .current_dir(root)
        .env("PATH", path)
        .arg("serve")
        .args(flags)
        .status()
        .map_err(|e| format!("cannot run {}: {e}", mdbook.display()))?;
    if status.success() {
        Ok(())
    } else {
        Err(Failure::Failed(format!(
            "mdbook serve exited with {status}"
        )))
    }
}

fn build(root: &Path, args: &[String]) -> Result<(), Failure> {
    let dest = match args {
        [] => root.join("book"),
        [flag, dir] if flag == "--dest" => PathBuf::from(dir),
        _ => return Err(Failure::Usage(format!("bad arguments for build: {args:?}"))),
    };
    let warnings = xtask::book::build(root, &dest)?;
    if !warnings.is_empty() {
        return Err(Failure::Failed(format!(
            "mdBook warned while building:\n{}",
            warnings.join("\n")
        )));
    }
    println!("built the book into {}", dest.display());
    Ok(())
}

fn record_outputs(root: &Path, names: &[String]) -> Result<(), Failure> {
    if let Some(flag) = names.iter().find(|n| n.starts_with('-')) {
        return Err(Failure::Usage(format!(
            "outputs takes example names, not `{flag}`"
        )));
    }
    let known = xtask::example_names(root);
    let compile_fail_names: Vec<String> = compile_fail::cases(root)
        .into_iter()
        .map(|c| c.name)
        .collect();
    for n in names {
        if !known.contains(n) && !compile_fail_names.contains(n) {
            return Err(Failure::Usage(format!("no example named `{n}`")));
        }
    }
    let wanted = |n: &str| names.is_empty() || names.iter().any(|x| x == n);
    let mut problems = Vec::new();

    let bins = outputs::build_examples(root)?;
    let mut recorded = outputs::recorded_runs(root)?;
    // An example with no recorded run yet gets one with no arguments.
    for name in known.iter().filter(|n| wanted(n)) {
        if !recorded.iter().any(|r| &r.example == name) {
            let path = root.join(format!("examples/outputs/{name}.txt"));
            std::fs::write(&path, format!("$ cargo run --example {name}\n"))
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            recorded.push(outputs::read_recorded(&path)?);
        }
    }
    for rec in recorded.iter().filter(|r| wanted(&r.example)) {
        if rec.runner != outputs::Runner::Native {
            eprintln!(
                "skipped {} (a Miri run: `cargo xtask miri --record` rewrites it)",
                rec.path.display()
            );
            continue;
        }
        let bin = bins
            .get(&rec.example)
            .ok_or_else(|| format!("cargo built no example named {}", rec.example))?;
        let run = outputs::run_merged(root, bin, &rec.args, outputs::KILL_AFTER)?;
        let shown = rec.path.strip_prefix(root).unwrap_or(&rec.path).display();
        if run.code != Some(0) {
            problems.push(format!(
                "{shown}: the run exited with {:?}; not written\n{}",
                run.code, run.output
            ));
            continue;
        }
        if run.elapsed > outputs::TIME_BOUND {
            problems.push(format!(
                "{shown}: took {:?}, over the {:?} bound (written anyway)",
                run.elapsed,
                outputs::TIME_BOUND
            ));
        }
        std::fs::write(&rec.path, outputs::render(&rec.command, &run))
            .map_err(|e| format!("cannot write {shown}: {e}"))?;
        println!("wrote {shown} ({:?})", run.elapsed);
    }

    let version = compile_fail::rustc_version(root)?;
    for case in compile_fail::cases(root).iter().filter(|c| wanted(&c.name)) {
        let outcome = compile_fail::compile(root, case)?;
        let shown = case
            .expected
            .strip_prefix(root)
            .unwrap_or(&case.expected)
            .display();
        if outcome.compiled {
            problems.push(format!("{shown}: the program compiles; it must not"));
            continue;
        }
        std::fs::write(&case.expected, &outcome.stderr)
            .map_err(|e| format!("cannot write {shown}: {e}"))?;
        println!("wrote {shown} ({version})");
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Failure::Failed(problems.join("\n")))
    }
}

fn miri(root: &Path, args: &[String]) -> Result<(), Failure> {
    let record = match args {
        [] => false,
        [flag] if flag == "--record" => true,
        _ => return Err(Failure::Usage(format!("bad arguments for miri: {args:?}"))),
    };
    // Every example that needs Miri has a Miri run or says why not.
    let mut problems = Vec::new();
    let recorded = miri_runs::recorded(root)?;
    for name in xtask::example_names(root) {
        let source = std::fs::read_to_string(root.join(format!("examples/{name}.rs")))
            .map_err(|e| format!("cannot read examples/{name}.rs: {e}"))?;
        let has_run = recorded.iter().any(|r| r.example == name);
        if miri_runs::needs_miri(&source) && !has_run && miri_runs::exemption(&source).is_none() {
            problems.push(format!(
                "examples/{name}.rs uses unsafe or atomics but has no examples/outputs/{name}.miri.txt \
                 and no `//! Miri: not run, because ...` line"
            ));
        }
    }
    if recorded.is_empty() {
        problems.push("no recorded Miri runs in examples/outputs/*.miri.txt".to_string());
    }
    if !problems.is_empty() {
        return Err(Failure::Failed(problems.join("\n")));
    }
    miri_runs::install(root)?;
    let mut ub_caught = 0;
    for rec in &recorded {
        let start = Instant::now();
        let run = miri_runs::run(root, rec)?;
        let shown = rec
            .path
            .strip_prefix(root)
            .unwrap_or(&rec.path)
            .display()
            .to_string();
        println!("{} ({:.1?})", rec.command, start.elapsed());
        if run.killed {
            problems.push(format!("{shown}: Miri did not finish in time"));
            continue;
        }
        let ub = miri_runs::reports_ub(&run.output);
        if ub {
            ub_caught += 1;
            println!("  Miri reported undefined behaviour, as the book shows:");
            for line in run.output.lines().filter(|l| l.starts_with("error")) {
                println!("  | {line}");
            }
        }
        if ub == (run.code == Some(0)) {
            problems.push(format!(
                "{shown}: exit code {:?} but undefined behaviour reported: {ub}\n{}",
                run.code, run.output
            ));
            continue;
        }
        if record {
            std::fs::write(&rec.path, outputs::render(&rec.command, &run))
                .map_err(|e| format!("cannot write {shown}: {e}"))?;
            println!("  wrote {shown}");
            continue;
        }
        let expected_ub = miri_runs::reports_ub(&rec.lines.join("\n"));
        if expected_ub != ub {
            problems.push(format!(
                "{shown}: the recording says undefined behaviour: {expected_ub}; this run: {ub}\n{}",
                run.output
            ));
            continue;
        }
        if let Err(diff) = outputs::compare(&rec.lines, &run.lines(), &[]) {
            problems.push(format!("{shown} drifted: {diff}"));
        }
    }
    println!(
        "{} Miri runs, {} with the undefined behaviour the book shows, {} problems",
        recorded.len(),
        ub_caught,
        problems.len()
    );
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Failure::Failed(problems.join("\n\n")))
    }
}

/// Keeps one CPU busy until it is killed (the load beside a stress run).
fn burn() -> Result<(), Failure> {
    let mut x: u64 = 0;
    loop {
        x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
    }
}

/// Kills and reaps the load process however the stress run ends.
struct Load(std::process::Child);

impl Drop for Load {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn stress(root: &Path, args: &[String]) -> Result<(), Failure> {
    let n: u32 = match args {
        [n] => n
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| Failure::Usage(format!("stress takes a run count, not `{n}`")))?,
        _ => {
            return Err(Failure::Usage(
                "stress takes one argument: the number of runs".into(),
            ));
        }
    };
    if !cfg!(target_os = "linux") {
        return Err(Failure::Failed(
            "stress pins runs with taskset, which is Linux only".into(),
        ));
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let me = std::env::current_exe().map_err(|e| format!("cannot find xtask itself: {e}"))?;
    // Build once, so the runs time the tests and not the compiler.
    let status = Command::new(&cargo)
        .current_dir(root)
        .args(["test", "--no-run", "-q"])
        .status()
        .map_err(|e| format!("cannot run cargo test: {e}"))?;
    if !status.success() {
        return Err(Failure::Failed("cargo test --no-run failed".into()));
    }
    let all = Instant::now();
    let mut failed = Vec::new();
    for i in 1..=n {
        let pinned = i % 2 == 0;
        let _load = if pinned {
            let child = Command::new("taskset")
                .args(["-c", "0"])
                .arg(&me)
                .arg("__burn")
                .spawn()
                .map_err(|e| format!("cannot start the load (is taskset installed?): {e}"))?;
            Some(Load(child))
        } else {
            None
        };
        let mut cmd = if pinned {
            let mut c = Command::new("taskset");
            c.args(["-c", "0"]).arg(&cargo);
            c
        } else {
            Command::new(&cargo)
        };
        let start = Instant::now();
        let out = cmd
            .current_dir(root)
            .args(["test", "-q"])
            .output()
            .map_err(|e| format!("cannot run cargo test: {e}"))?;
        let took = start.elapsed();
        let how = if pinned {
            "pinned to CPU 0, with load"
        } else {
            "free"
        };
        if out.status.success() {
            println!("run {i}/{n} ({how}): passed in {took:.1?}");
        } else {
            println!("run {i}/{n} ({how}): FAILED in {took:.1?}");
            let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
            text.push_str(&String::from_utf8_lossy(&out.stderr));
            failed.push(format!("run {i} ({how}):\n{text}"));
        }
    }
    let total = all.elapsed();
    println!(
        "stress: {} passed, {} failed, in {:.0?} ({:.1?} a run)",
        n as usize - failed.len(),
        failed.len(),
        total,
        total / n
    );
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Failure::Failed(failed.join("\n\n")))
    }
}
