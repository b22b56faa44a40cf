//! `cargo xtask`: the book's tooling. Run `cargo xtask help`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use std::time::Instant;

use xtask::{compile_fail, miri as miri_runs, outputs, repo_root};

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  serve [--port N] [--open]
                     build the book in-process and serve it with live reload
                     at http://127.0.0.1:3000 (or port N); every Run button
                     then runs its example on this machine
  build [--dest DIR] build the static site into book/ (or DIR), in-process,
                     with the examples' zip (see bundle) beside the pages
  outputs [NAME...]  rerun the examples (all, or the NAMEs) and rewrite their
                     recorded outputs in examples/outputs/ and the compiler
                     messages in examples/compile_fail/
  bundle             write target/bundle/thread-vs-process-examples.zip: every
                     example as a standalone Cargo project (its Cargo.toml
                     names exactly the crates the examples' headers need)
  chart              redraw src/img/cost-chart.svg, data/cost-table-*.md and
                     data/cost-summary.md from data/cost-reference.csv
  cost-reference     build every cost example in release mode, run each with
                     --csv, write data/cost-reference.csv and the machine, date
                     and load (data/cost-machine.md), then redraw as `chart`
  diagrams           draw every ```mermaid block of the chapters with Mermaid
                     in headless Chromium (/usr/bin/chromium, or CHROMIUM)
                     into diagrams/NAME.svg, which the build inlines
  preprocessor       the book's mdBook preprocessor (book.toml runs it)
  miri [--record]    run the examples that use unsafe or atomics under Miri
                     (the nightly pinned in Cargo.toml, installed if missing)
                     and compare with examples/outputs/*.miri.txt
                     (--record rewrites those files instead)
  test-marks         the mdBook preprocessor `mdbook test` runs (see book.toml)
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
        Some("bundle") if args.len() == 1 => bundle(&root),
        Some("diagrams") if args.len() == 1 => draw_diagrams(&root),
        Some("preprocessor")
            if args.len() == 1
                || (args.len() == 3 && args[1] == "supports") =>
        {
            xtask::preprocess::main_protocol(&args[1..]).map_err(Failure::from)
        }
        Some("chart") if args.len() == 1 => {
            xtask::chart::write(&root).map_err(Failure::from)
        }
        Some("cost-reference") if args.len() == 1 => {
            xtask::chart::measure_reference(&root).map_err(Failure::from)
        }
        Some("miri") => miri(&root, &args[1..]),
        Some("test-marks") => match xtask::test_marks::preprocessor(&args[1..])
        {
            Ok(true) => Ok(()),
            Ok(false) => return ExitCode::FAILURE,
            Err(e) => Err(Failure::Failed(e)),
        },
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

fn serve(root: &Path, flags: &[String]) -> Result<(), Failure> {
    let mut port = 3000;
    let mut open = false;
    let mut flags = flags.iter();
    while let Some(flag) = flags.next() {
        match flag.as_str() {
            "--open" => open = true,
            "--port" => {
                port = flags.next().and_then(|p| p.parse().ok()).ok_or_else(
                    || Failure::Usage("--port takes a port number".into()),
                )?;
            }
            other => {
                return Err(Failure::Usage(format!(
                    "bad argument for serve: `{other}`"
                )));
            }
        }
    }
    Ok(xtask::serve::serve(root, port, open)?)
}

fn build(root: &Path, args: &[String]) -> Result<(), Failure> {
    let dest = match args {
        [] => root.join("book"),
        [flag, dir] if flag == "--dest" => PathBuf::from(dir),
        _ => {
            return Err(Failure::Usage(format!(
                "bad arguments for build: {args:?}"
            )));
        }
    };
    let warnings = xtask::book::build(root, &dest)?;
    if !warnings.is_empty() {
        return Err(Failure::Failed(format!(
            "mdBook warned while building:\n{}",
            warnings.join("\n")
        )));
    }
    // The starter project, where the introduction links to it.
    let zip = dest.join(xtask::bundle::SITE_NAME);
    xtask::bundle::write_zip(root, &zip)?;
    println!(
        "built the book into {} (with {})",
        dest.display(),
        xtask::bundle::SITE_NAME
    );
    Ok(())
}

/// `browser-tests/` with its node modules installed (`npm ci`, first run).
fn browser_tests_dir(root: &Path) -> Result<PathBuf, Failure> {
    let dir = root.join("browser-tests");
    if !dir.join("node_modules/playwright-core").is_dir() {
        let status = Command::new("npm")
            .current_dir(&dir)
            .args(["ci", "--omit=dev", "--no-audit", "--no-fund"])
            .status()
            .map_err(|e| {
                format!("cannot run npm (is Node.js installed?): {e}")
            })?;
        if !status.success() {
            return Err(Failure::Failed(format!(
                "npm ci in browser-tests/ failed ({status})"
            )));
        }
    }
    Ok(dir)
}

/// Draws every diagram with Mermaid in Chromium and writes diagrams/*.svg,
/// removing drawings no diagram has any more.
fn draw_diagrams(root: &Path) -> Result<(), Failure> {
    use xtask::preprocess::{DIAGRAM_DIR, diagrams, drawing_file};
    let mut all = Vec::new();
    for page in xtask::book::pages(root)? {
        all.extend(diagrams(&page.rel, &page.text));
    }
    let jobs: Vec<serde_json::Value> = all
        .iter()
        .map(|d| serde_json::json!({ "name": d.name, "where": d.place(), "source": d.source }))
        .collect();
    let dir = browser_tests_dir(root)?;
    let job_file = std::env::temp_dir()
        .join(format!("tvp-diagrams-{}.json", std::process::id()));
    std::fs::write(&job_file, serde_json::to_string(&jobs).expect("JSON"))
        .map_err(|e| format!("cannot write {}: {e}", job_file.display()))?;
    let out = Command::new("node")
        .current_dir(&dir)
        .arg("tools/draw-diagrams.mjs")
        .arg(&job_file)
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run node: {e}"));
    let _ = std::fs::remove_file(&job_file);
    let out = out?;
    if !out.status.success() {
        return Err(Failure::Failed(format!(
            "drawing the diagrams failed ({}); nothing written",
            out.status
        )));
    }
    let drawn: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("draw-diagrams.mjs printed no JSON list: {e}"))?;
    let target = root.join(DIAGRAM_DIR);
    std::fs::create_dir_all(&target)
        .map_err(|e| format!("cannot create {}: {e}", target.display()))?;
    let mut kept = Vec::new();
    for (d, result) in all.iter().zip(&drawn) {
        let svg = result["svg"]
            .as_str()
            .ok_or_else(|| format!("{}: no SVG came back", d.place()))?;
        let path = d.svg_path(root);
        std::fs::write(&path, drawing_file(d, svg))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!(
            "drew {} ({}): {} px wide, at least {} px on a narrow screen",
            path.strip_prefix(root).unwrap_or(&path).display(),
            d.place(),
            result["width"].as_f64().unwrap_or(0.0).round(),
            result["minWidth"]
        );
        kept.push(path);
    }
    for stale in xtask::files_with_suffix(&target, ".svg") {
        if !kept.contains(&stale) {
            std::fs::remove_file(&stale).map_err(|e| {
                format!("cannot remove {}: {e}", stale.display())
            })?;
            println!("removed {} (no such diagram any more)", stale.display());
        }
    }
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
        let bin = bins.get(&rec.example).ok_or_else(|| {
            format!("cargo built no example named {}", rec.example)
        })?;
        let run = outputs::run_merged(
            root,
            bin,
            &rec.args,
            outputs::RECORDING_TIME_LIMIT,
        )?;
        let shown = rec.path.strip_prefix(root).unwrap_or(&rec.path).display();
        if run.overran {
            problems.push(format!(
                "{shown}: still running after {:?}, so it was stopped; not written\n{}",
                outputs::RECORDING_TIME_LIMIT,
                run.output
            ));
            continue;
        }
        if run.code != Some(0) {
            problems.push(format!(
                "{shown}: the run exited with {:?}; not written\n{}",
                run.code, run.output
            ));
            continue;
        }
        if run.elapsed > outputs::EXAMPLE_TIME_LIMIT {
            problems.push(format!(
                "{shown}: took {:?}, over the {:?} limit (written anyway)",
                run.elapsed,
                outputs::EXAMPLE_TIME_LIMIT
            ));
        }
        let source = root.join(format!("examples/{}.rs", rec.example));
        let unordered = std::fs::read_to_string(&source)
            .map_err(|e| format!("cannot read {}: {e}", source.display()))
            .and_then(|text| outputs::header(&text))?
            .unordered;
        // Lines equal after masking keep their recorded bytes: re-recording
        // an unchanged program leaves the file as it was.
        let lines =
            outputs::keep_unchanged_lines(&rec.lines, &run.lines(), &unordered);
        let text = outputs::render_lines(&rec.command, &lines);
        let before = std::fs::read_to_string(&rec.path).unwrap_or_default();
        if before == text {
            println!("kept {shown} ({:?}, unchanged after masks)", run.elapsed);
            continue;
        }
        std::fs::write(&rec.path, text)
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
            problems
                .push(format!("{shown}: the program compiles; it must not"));
            continue;
        }
        if std::fs::read_to_string(&case.expected).ok().as_deref()
            == Some(outcome.stderr.as_str())
        {
            println!("kept {shown} ({version}, unchanged)");
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

fn bundle(root: &Path) -> Result<(), Failure> {
    let dest = root.join(xtask::bundle::ZIP_PATH);
    let count = xtask::bundle::write_zip(root, &dest)?;
    println!("wrote {} ({count} files)", dest.display());
    Ok(())
}

fn miri(root: &Path, args: &[String]) -> Result<(), Failure> {
    let record = match args {
        [] => false,
        [flag] if flag == "--record" => true,
        _ => {
            return Err(Failure::Usage(format!(
                "bad arguments for miri: {args:?}"
            )));
        }
    };
    // Every example that needs Miri has a Miri run or says why not.
    let mut problems = Vec::new();
    let recorded = miri_runs::recorded(root)?;
    for name in xtask::example_names(root) {
        let source =
            std::fs::read_to_string(root.join(format!("examples/{name}.rs")))
                .map_err(|e| format!("cannot read examples/{name}.rs: {e}"))?;
        let has_run = recorded.iter().any(|r| r.example == name);
        if miri_runs::needs_miri(&source)
            && !has_run
            && miri_runs::exemption(&source).is_none()
        {
            problems.push(format!(
                "examples/{name}.rs uses unsafe or atomics but has no examples/outputs/{name}.miri.txt \
                 and no `//! Miri: not run, because ...` line"
            ));
        }
    }
    if recorded.is_empty() {
        problems.push(
            "no recorded Miri runs in examples/outputs/*.miri.txt".to_string(),
        );
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
        if run.overran {
            problems.push(format!(
                "{shown}: Miri did not finish within {:?}",
                miri_runs::MIRI_TIME_LIMIT
            ));
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
            let lines =
                outputs::keep_unchanged_lines(&rec.lines, &run.lines(), &[]);
            std::fs::write(
                &rec.path,
                outputs::render_lines(&rec.command, &lines),
            )
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
        x = std::hint::black_box(
            x.wrapping_mul(6364136223846793005).wrapping_add(1),
        );
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
        [n] => n.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
            Failure::Usage(format!("stress takes a run count, not `{n}`"))
        })?,
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
    let me = std::env::current_exe()
        .map_err(|e| format!("cannot find xtask itself: {e}"))?;
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
                .map_err(|e| {
                    format!(
                        "cannot start the load (is taskset installed?): {e}"
                    )
                })?;
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
