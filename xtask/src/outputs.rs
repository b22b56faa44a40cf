//! Recorded runs of the examples: where they live, how an example is run,
//! and how a fresh run is compared with the recorded one.
//!
//! A recorded run is `examples/outputs/NAME.txt` (or `NAME.VARIANT.txt`). Its
//! first line is the command, `$ cargo run --example NAME [-- ARGS]`; the rest
//! is what the program printed, stdout and stderr through one pipe, in the
//! order a terminal shows them. STYLE.md ("Output masks") documents the masks
//! below for authors; this file is the one place they are implemented.

use std::collections::BTreeMap;
use std::io::Read;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use regex::Regex;

/// How long an example may run in a debug build (STYLE.md: under 2 s). The
/// tests stop an example at this limit, with every process it started.
pub const EXAMPLE_TIME_LIMIT: Duration = Duration::from_secs(2);

/// How long `cargo xtask outputs` lets one example run before it stops it.
/// Longer than [`EXAMPLE_TIME_LIMIT`], so a slow run on a busy machine is
/// still recorded (and reported as too slow) rather than lost.
pub const RECORDING_TIME_LIMIT: Duration = Duration::from_secs(20);

/// How long a run's output is still read after the program ended or was
/// stopped, in case a process it started outside its group holds the pipe.
const OUTPUT_DRAIN_LIMIT: Duration = Duration::from_secs(2);

/// What runs a recorded command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runner {
    /// `$ cargo run --example NAME`: the example's debug binary.
    Native,
    /// `$ cargo +nightly miri run --example NAME`: the example under Miri.
    Miri,
}

/// One recorded run.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `examples/outputs/NAME[.VARIANT].txt`
    pub path: PathBuf,
    /// The example the command runs.
    pub example: String,
    /// The arguments after `--`.
    pub args: Vec<String>,
    pub runner: Runner,
    /// The first line, as written.
    pub command: String,
    /// The recorded output, one entry per line, without line ends.
    pub lines: Vec<String>,
}

const NATIVE_PREFIX: &str = "$ cargo run --example ";
const MIRI_PREFIX: &str = "$ cargo +nightly miri run --example ";

/// Parses a command line of a recorded file.
pub fn parse_command(
    line: &str,
) -> Result<(Runner, String, Vec<String>), String> {
    let (runner, rest) = if let Some(rest) = line.strip_prefix(NATIVE_PREFIX) {
        (Runner::Native, rest)
    } else if let Some(rest) = line.strip_prefix(MIRI_PREFIX) {
        (Runner::Miri, rest)
    } else {
        return Err(format!(
            "the first line must be the command, `{NATIVE_PREFIX}NAME [-- ARGS]` \
             or `{MIRI_PREFIX}NAME [-- ARGS]`, found `{line}`"
        ));
    };
    let mut words = rest.split_whitespace();
    let example = words
        .next()
        .ok_or_else(|| format!("no example name in `{line}`"))?
        .to_string();
    let args: Vec<String> = match words.next() {
        None => Vec::new(),
        Some("--") => words.map(str::to_string).collect(),
        Some(other) => {
            return Err(format!(
                "arguments for the example go after `--`, found `{other}` in `{line}`"
            ));
        }
    };
    Ok((runner, example, args))
}

/// Reads one recorded file.
pub fn read_recorded(path: &Path) -> Result<Recorded, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let text = text.replace("\r\n", "\n");
    let mut lines = text.lines();
    let command = lines
        .next()
        .ok_or_else(|| format!("{} is empty", path.display()))?
        .to_string();
    let (runner, example, args) = parse_command(&command)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let owner = file_name.split('.').next().unwrap_or_default();
    if owner != example {
        return Err(format!(
            "{}: the file is named after `{owner}` but its command runs `{example}`",
            path.display()
        ));
    }
    Ok(Recorded {
        path: path.to_path_buf(),
        example,
        args,
        runner,
        command,
        lines: lines.map(str::to_string).collect(),
    })
}

/// Every recorded run in `examples/outputs/`, sorted by file name.
pub fn recorded_runs(root: &Path) -> Result<Vec<Recorded>, String> {
    crate::files_with_suffix(&root.join("examples/outputs"), ".txt")
        .iter()
        .map(|p| read_recorded(p))
        .collect()
}

/// What an example's `//!` header says.
#[derive(Debug, Default, Clone)]
pub struct Header {
    pub question: Option<String>,
    pub run: Option<String>,
    /// Output line ranges (1-based, without the command line) whose order may vary.
    pub unordered: Vec<RangeInclusive<usize>>,
}

/// Reads the leading `//!` block of an example.
pub fn header(source: &str) -> Result<Header, String> {
    let mut h = Header::default();
    for line in source.lines() {
        let Some(text) = line.strip_prefix("//!") else {
            break;
        };
        let text = text.trim();
        if let Some(q) = text.strip_prefix("Question:") {
            h.question = Some(q.trim().to_string());
        } else if let Some(r) = text.strip_prefix("Run:") {
            h.run = Some(r.trim().to_string());
        } else if let Some(spec) = text.strip_prefix("Unordered output: lines ")
        {
            for part in spec.split(',') {
                let part = part.trim().trim_end_matches('.');
                let (a, b) = part.split_once('-').unwrap_or((part, part));
                let parse = |s: &str| {
                    s.trim().parse::<usize>().map_err(|_| {
                        format!("bad line range `{part}` in `{text}`")
                    })
                };
                let (a, b) = (parse(a)?, parse(b)?);
                if a == 0 || b < a {
                    return Err(format!("bad line range `{part}` in `{text}`"));
                }
                h.unordered.push(a..=b);
            }
        }
    }
    Ok(h)
}

static MASKS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        // 1. Addresses, and Miri's names for allocations.
        (r"0x[0-9a-fA-F]+", "0x<ADDR>"),
        (r"\balloc[0-9]+\b", "alloc<N>"),
        // 2. Process ids.
        (r"\b(pid|PID)([ =:]+)[0-9]+", "${1}${2}<PID>"),
        // 3. Thread ids, also the OS thread id in a panic message.
        (r"ThreadId\([0-9]+\)", "ThreadId(<N>)"),
        (
            r"(thread '[^']*') \([0-9]+\) panicked",
            "${1} (<N>) panicked",
        ),
        // 4. Timings, as `Duration`'s Debug prints them.
        (r"\b[0-9]+(\.[0-9]+)? ?(ns|µs|us|ms|s)\b", "<TIME>"),
        // 5. Measured sizes.
        (r"\b[0-9]+(\.[0-9]+)? ?(KiB|MiB|GiB)\b", "<SIZE>"),
    ]
    .into_iter()
    .map(|(re, with)| (Regex::new(re).expect("mask regex"), with))
    .collect()
});

/// The marker of rule 6: a line that says its value varies.
pub const VARIES: &str = "(varies)";

/// Applies the masks (STYLE.md, "Output masks") to one line.
pub fn mask_line(line: &str) -> String {
    // 6. Declared variation: keep what comes before the first ": ".
    if line.trim_end().ends_with(VARIES) {
        let head = line.split_once(": ").map_or("", |(head, _)| head);
        return format!("{head}: <VARIES> {VARIES}");
    }
    let mut out = line.to_string();
    for (re, with) in MASKS.iter() {
        out = re.replace_all(&out, *with).into_owned();
    }
    out
}

/// Compares a fresh run with the recorded lines. `Err` holds a readable report.
pub fn compare(
    expected: &[String],
    actual: &[String],
    unordered: &[RangeInclusive<usize>],
) -> Result<(), String> {
    let exp: Vec<String> = expected.iter().map(|l| mask_line(l)).collect();
    let act: Vec<String> = actual.iter().map(|l| mask_line(l)).collect();
    if exp.len() != act.len() {
        return Err(format!(
            "the run printed {} lines, the recording has {}\n{}",
            act.len(),
            exp.len(),
            side_by_side(expected, actual)
        ));
    }
    // 7. Unordered ranges: compare as multisets, then skip them below.
    for range in unordered {
        let (a, b) = (*range.start() - 1, (*range.end()).min(exp.len()));
        if a >= b {
            continue;
        }
        let mut e = exp[a..b].to_vec();
        let mut g = act[a..b].to_vec();
        e.sort();
        g.sort();
        if e != g {
            return Err(format!(
                "lines {}-{} (declared unordered) differ as a set\n{}",
                a + 1,
                b,
                side_by_side(expected, actual)
            ));
        }
    }
    let in_unordered =
        |i: usize| unordered.iter().any(|r| r.contains(&(i + 1)));
    for (i, (e, a)) in exp.iter().zip(&act).enumerate() {
        if !in_unordered(i) && e != a {
            return Err(format!(
                "line {} differs\n  recorded: {}\n  now:      {}\n  (after masks: `{}` vs `{}`)\n{}",
                i + 1,
                expected[i],
                actual[i],
                e,
                a,
                side_by_side(expected, actual)
            ));
        }
    }
    Ok(())
}

/// The lines to write when re-recording: each recorded line is kept where
/// the fresh line equals it after masking, so re-recording an unchanged
/// program rewrites no byte and a review diff shows only real changes (the
/// idea of rust-lang/book's update script, which keeps old pids). An
/// unordered range that matches as a set keeps its recorded lines. When the
/// number of lines changed, the fresh run is taken as it is.
pub fn keep_unchanged_lines(
    recorded: &[String],
    fresh: &[String],
    unordered: &[RangeInclusive<usize>],
) -> Vec<String> {
    if recorded.len() != fresh.len() {
        return fresh.to_vec();
    }
    let mut kept = fresh.to_vec();
    let mut in_unordered = vec![false; fresh.len()];
    for range in unordered {
        let (a, b) = (*range.start() - 1, (*range.end()).min(fresh.len()));
        if a >= b {
            continue;
        }
        in_unordered[a..b].iter_mut().for_each(|u| *u = true);
        let mut rec: Vec<String> =
            recorded[a..b].iter().map(|l| mask_line(l)).collect();
        let mut now: Vec<String> =
            fresh[a..b].iter().map(|l| mask_line(l)).collect();
        rec.sort();
        now.sort();
        if rec == now {
            kept[a..b].clone_from_slice(&recorded[a..b]);
        }
    }
    for (i, line) in kept.iter_mut().enumerate() {
        if !in_unordered[i] && mask_line(&recorded[i]) == mask_line(line) {
            line.clone_from(&recorded[i]);
        }
    }
    kept
}

fn side_by_side(expected: &[String], actual: &[String]) -> String {
    let mut s = String::from("--- recorded\n");
    for l in expected {
        s.push_str("  ");
        s.push_str(l);
        s.push('\n');
    }
    s.push_str("--- now\n");
    for l in actual {
        s.push_str("  ");
        s.push_str(l);
        s.push('\n');
    }
    s
}

/// Builds every example (debug) and returns each one's executable.
pub fn build_examples(
    root: &Path,
) -> Result<BTreeMap<String, PathBuf>, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let out = Command::new(&cargo)
        .current_dir(root)
        .args([
            "build",
            "--package",
            "thread-vs-process",
            "--examples",
            "--message-format=json-render-diagnostics",
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `{cargo} build --examples`: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`cargo build --examples` failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let mut bins = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if msg["reason"] != "compiler-artifact" {
            continue;
        }
        let is_example = msg["target"]["kind"]
            .as_array()
            .is_some_and(|k| k.iter().any(|k| k == "example"));
        if let (true, Some(name), Some(exe)) = (
            is_example,
            msg["target"]["name"].as_str(),
            msg["executable"].as_str(),
        ) {
            bins.insert(name.to_string(), PathBuf::from(exe));
        }
    }
    Ok(bins)
}

/// What one run of a program printed and how it ended (or was stopped).
#[derive(Debug, Clone)]
pub struct CapturedRun {
    /// The exit code; `None` when a signal ended it or it was stopped.
    pub code: Option<i32>,
    /// stdout and stderr through one pipe, `\r\n` turned into `\n`.
    pub output: String,
    pub elapsed: Duration,
    /// It was still running at its time limit, so it was stopped: on Unix
    /// its whole process group was killed, elsewhere the program itself.
    pub overran: bool,
    /// Only stderr, when the run kept the streams apart.
    pub stderr: String,
}

impl CapturedRun {
    pub fn lines(&self) -> Vec<String> {
        self.output.lines().map(str::to_string).collect()
    }
}

/// A clean environment for an example: no backtraces, no inherited stack
/// settings. On Unix the program leads a process group of its own, so
/// everything it starts can be stopped together ([`stop_overrunning`]).
fn prepare(cmd: &mut Command, root: &Path) {
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(cmd, 0);
    cmd.current_dir(root)
        .stdin(Stdio::null())
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .env_remove("RUST_MIN_STACK")
        .env_remove("RUST_LOG")
        // What the cargo that runs us sets must not steer a nested cargo.
        .env_remove("RUSTC")
        .env_remove("RUSTC_WRAPPER")
        .env_remove("RUSTUP_TOOLCHAIN");
}

/// Runs `program args` from `root` with stdout and stderr merged, as a
/// terminal shows them. The run is stopped at `time_limit`.
pub fn run_merged(
    root: &Path,
    program: &Path,
    args: &[String],
    time_limit: Duration,
) -> Result<CapturedRun, String> {
    let (mut reader, writer) =
        std::io::pipe().map_err(|e| format!("cannot create a pipe: {e}"))?;
    let writer2 = writer
        .try_clone()
        .map_err(|e| format!("cannot clone a pipe: {e}"))?;
    let mut cmd = Command::new(program);
    cmd.args(args);
    prepare(&mut cmd, root);
    cmd.stdout(writer).stderr(writer2);
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
    // The Command holds the pipe's write ends: drop them, or the reader never sees EOF.
    drop(cmd);
    let buf = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&buf);
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut chunk = [0u8; 8192];
        while let Ok(n) = reader.read(&mut chunk) {
            if n == 0 {
                break;
            }
            sink.lock()
                .expect("output buffer")
                .extend_from_slice(&chunk[..n]);
        }
        let _ = done_tx.send(());
    });
    let (status, overran) = wait_within(&mut child, time_limit)?;
    let elapsed = start.elapsed();
    // A grandchild that still holds the pipe must not hang us either.
    let _ = done_rx.recv_timeout(OUTPUT_DRAIN_LIMIT);
    let bytes = buf.lock().expect("output buffer").clone();
    Ok(CapturedRun {
        code: status.and_then(|s| s.code()),
        output: String::from_utf8_lossy(&bytes).replace("\r\n", "\n"),
        elapsed,
        overran,
        stderr: String::new(),
    })
}

/// Runs `program args` from `root` keeping stdout and stderr apart.
pub fn run_separate(
    root: &Path,
    program: &Path,
    args: &[String],
    time_limit: Duration,
) -> Result<CapturedRun, String> {
    let mut cmd = Command::new(program);
    cmd.args(args);
    prepare(&mut cmd, root);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
    let mut out_pipe = child.stdout.take().expect("piped stdout");
    let mut err_pipe = child.stderr.take().expect("piped stderr");
    let out_t = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out_pipe.read_to_end(&mut s);
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err_pipe.read_to_end(&mut s);
        s
    });
    let (status, overran) = wait_within(&mut child, time_limit)?;
    let elapsed = start.elapsed();
    let out = out_t.join().unwrap_or_default();
    let err = err_t.join().unwrap_or_default();
    Ok(CapturedRun {
        code: status.and_then(|s| s.code()),
        output: String::from_utf8_lossy(&out).replace("\r\n", "\n"),
        elapsed,
        overran,
        stderr: String::from_utf8_lossy(&err).replace("\r\n", "\n"),
    })
}

/// Waits for `program` at most `time_limit`. Returns its exit status, or
/// `(None, true)` when it overran and was stopped ([`stop_overrunning`]).
fn wait_within(
    program: &mut std::process::Child,
    time_limit: Duration,
) -> Result<(Option<std::process::ExitStatus>, bool), String> {
    let deadline = Instant::now() + time_limit;
    loop {
        match program.try_wait() {
            Ok(Some(status)) => return Ok((Some(status), false)),
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(2));
            }
            Ok(None) => {
                stop_overrunning(program);
                return Ok((None, true));
            }
            Err(e) => return Err(format!("cannot wait for the example: {e}")),
        }
    }
}

/// Stops a program that overran, with everything it started, and reaps it.
/// On Unix it leads its own process group ([`prepare`]): the whole group is
/// killed while the leader is still unreaped, so the group id cannot have
/// been reused. On macOS the processes it started are reparented to init
/// (Linux: to the test process, the subreaper) and reaped there. Windows
/// has no process groups in this sense: only the program itself is killed.
fn stop_overrunning(program: &mut std::process::Child) {
    #[cfg(unix)]
    {
        let group = program.id() as libc::pid_t;
        // SAFETY: killpg only sends a signal. `group` is the id of our own
        // unreaped child, which leads its group, so it names that group and
        // no other; if the group is gone the call fails with ESRCH.
        unsafe {
            libc::killpg(group, libc::SIGKILL);
        }
    }
    #[cfg(not(unix))]
    let _ = program.kill();
    let _ = program.wait();
}

/// The text of a recorded file: the command line, then one line each.
pub fn render_lines(command: &str, lines: &[String]) -> String {
    let mut text = format!("{command}\n");
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn recorded_commands_parse_into_runner_example_and_arguments() {
        assert_eq!(
            parse_command("$ cargo run --example ch12-x -- --quick"),
            Ok((Runner::Native, "ch12-x".into(), vec!["--quick".into()]))
        );
        assert_eq!(
            parse_command("$ cargo +nightly miri run --example ch06-race"),
            Ok((Runner::Miri, "ch06-race".into(), vec![]))
        );
        assert!(parse_command("cargo run --example a").is_err());
        assert!(parse_command("$ cargo run --example").is_err());
        assert!(parse_command("$ cargo run --example a --quick").is_err());
    }

    #[test]
    fn masks_hide_ids_times_and_declared_variation_only() {
        assert_eq!(
            mask_line("child pid 4242 at 0x7ffd1234 took 1.5ms"),
            "child pid <PID> at 0x<ADDR> took <TIME>"
        );
        assert_eq!(
            mask_line("lost updates: 48211 of 200000 (varies)"),
            "lost updates: <VARIES> (varies)"
        );
        assert_eq!(mask_line("4 threads, 8 bytes"), "4 threads, 8 bytes");
    }

    #[test]
    fn re_recording_keeps_lines_equal_after_masks() {
        let recorded =
            lines("child pid 4242 started\nsum: 10\nworker 1\nworker 2");
        let fresh = lines("child pid 17 started\nsum: 11\nworker 2\nworker 1");
        assert_eq!(
            keep_unchanged_lines(&recorded, &fresh, &[3..=4]),
            lines("child pid 4242 started\nsum: 11\nworker 1\nworker 2"),
            "masked-equal lines and a set-equal unordered range keep their bytes"
        );
        assert_eq!(
            keep_unchanged_lines(&recorded, &fresh, &[]),
            lines("child pid 4242 started\nsum: 11\nworker 2\nworker 1"),
            "without the declaration, order is a real change"
        );
        let longer =
            lines("child pid 17 started\nsum: 10\nworker 1\nworker 2\nend");
        assert_eq!(
            keep_unchanged_lines(&recorded, &longer, &[]),
            longer,
            "a run with another number of lines is taken as it is"
        );
        assert_eq!(
            render_lines("$ cargo run --example a", &lines("x\ny")),
            "$ cargo run --example a\nx\ny\n"
        );
    }

    #[test]
    fn headers_declare_unordered_ranges() {
        let h =
            header("//! Question: Why?\n//! Unordered output: lines 2-4, 6.\n")
                .expect("valid header");
        assert_eq!(h.unordered, vec![2..=4, 6..=6]);
        assert!(header("//! Unordered output: lines 0-2\n").is_err());
        assert!(header("//! Unordered output: lines a-b\n").is_err());
    }
}
