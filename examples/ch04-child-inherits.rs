//! Question: What does a child process get from its parent, and what does it not get?
//!
//! Run: cargo run --example ch04-child-inherits
//!
//! Miri: not run, because it starts child processes.

use std::error::Error;
use std::fs::{self, File};
use std::io::{self, BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Hidden argument: the parent starts this same program with it.
const CHILD_ROLE: &str = "--child-role";
const USAGE: &str = "usage: cargo run --example ch04-child-inherits";
/// Set for the child only, with Command::env.
const MESSAGE_VAR: &str = "CH04_MESSAGE";
/// Upper bound for the child's whole life, so the example can never hang.
const CHILD_LIMIT: Duration = Duration::from_secs(5);

// ANCHOR: globals
// Both start with a value fixed at compile time. The parent changes them at
// run time, before it starts the child.
static SETTING: AtomicU32 = AtomicU32::new(1);
static NOTES: Mutex<Vec<String>> = Mutex::new(Vec::new()); // the Strings live on the heap
// ANCHOR_END: globals

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => parent(),
        [role, fd, file, cwd] if role == CHILD_ROLE => child(fd, Path::new(file), Path::new(cwd)),
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    }
}

/// Kills (if still running) and always reaps the child, also on error paths.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

/// Deletes the temporary file when dropped.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// The number this process uses for an open file.
#[cfg(unix)]
fn raw_number(file: &File) -> u64 {
    use std::os::fd::AsRawFd;
    file.as_raw_fd() as u64
}

#[cfg(windows)]
fn raw_number(file: &File) -> u64 {
    use std::os::windows::io::AsRawHandle;
    file.as_raw_handle() as u64
}

#[cfg(not(any(unix, windows)))]
fn raw_number(_file: &File) -> u64 {
    0
}

/// How many threads the kernel counts in this process (the "Threads:" line).
#[cfg(target_os = "linux")]
fn thread_count() -> Option<usize> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Threads:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Waits for the child, but never longer than `limit`.
fn wait_bounded(child: &mut Child, limit: Duration) -> Result<ExitStatus, String> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child
            .try_wait()
            .map_err(|e| format!("could not check on the child: {e}"))?
        {
            return Ok(status);
        }
        if Instant::now() >= deadline {
            return Err(format!("the child did not finish within {limit:?}"));
        }
        thread::sleep(Duration::from_millis(2));
    }
}

/// Reads a pipe to its end on a helper thread; the result arrives on a channel.
fn read_in_background(mut pipe: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        let _ = tx.send(text);
    });
    rx
}

fn parent() -> Result<(), Box<dyn Error>> {
    println!("parent: pid {}", std::process::id());

    // ANCHOR: parent_setup
    // 1. Change memory at run time: a static and some heap data.
    SETTING.store(42, Ordering::SeqCst);
    NOTES
        .lock()
        .map_err(|_| "NOTES mutex poisoned")?
        .push("written by the parent at run time".to_string());

    // 2. Start a second thread, which just waits to be told to stop.
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let helper = thread::spawn(move || {
        let _ = stop_rx.recv_timeout(CHILD_LIMIT);
    });

    // 3. Open a file. Rust opens every file close-on-exec.
    let temp = TempFile(std::env::temp_dir().join(format!(
        "thread-vs-process-ch04-child-{}.txt",
        std::process::id()
    )));
    let file = File::create_new(&temp.0)
        .map_err(|e| format!("could not create {}: {e}", temp.0.display()))?;
    let cwd = std::env::current_dir().map_err(|e| format!("no working directory: {e}"))?;
    // ANCHOR_END: parent_setup

    println!(
        "parent: SETTING is {}, NOTES holds {} note",
        SETTING.load(Ordering::SeqCst),
        NOTES.lock().map_err(|_| "NOTES mutex poisoned")?.len()
    );
    #[cfg(target_os = "linux")]
    if let Some(n) = thread_count() {
        println!("parent: the kernel counts {n} threads in this process");
    }
    println!(
        "parent: {MESSAGE_VAR} is in my own environment: {}",
        std::env::var_os(MESSAGE_VAR).is_some()
    );

    // ANCHOR: spawn
    let exe = std::env::current_exe().map_err(|e| format!("cannot find own program: {e}"))?;
    let child = Command::new(exe)
        .arg(CHILD_ROLE)
        .arg(raw_number(&file).to_string()) // the parent's number for its file
        .arg(&temp.0)
        .arg(&cwd)
        .env(MESSAGE_VAR, "set by the parent for the child only")
        .env("CH04_PARENT_PID", std::process::id().to_string())
        .stdin(Stdio::piped()) // handed over on purpose
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not spawn child: {e}"))?;
    let mut child = ChildGuard(child);

    let mut to_child = child.0.stdin.take().ok_or("child has no stdin pipe")?;
    let out = read_in_background(child.0.stdout.take().ok_or("child has no stdout pipe")?);
    let err = read_in_background(child.0.stderr.take().ok_or("child has no stderr pipe")?);
    to_child
        .write_all(b"hello through the pipe\n")
        .map_err(|e| format!("could not write to the child: {e}"))?;
    drop(to_child); // end of input for the child
    let status = wait_bounded(&mut child.0, CHILD_LIMIT)?;
    // ANCHOR_END: spawn

    let grace = Duration::from_secs(1);
    let out = out
        .recv_timeout(grace)
        .map_err(|_| "no stdout from child")?;
    let err = err
        .recv_timeout(grace)
        .map_err(|_| "no stderr from child")?;
    for line in out.lines() {
        println!("  child | {line}");
    }
    for line in err.lines() {
        println!("  child stderr | {line}");
    }
    println!("parent: child exited with code {:?}", status.code());
    println!(
        "parent: SETTING is still {} here",
        SETTING.load(Ordering::SeqCst)
    );

    drop(stop_tx);
    helper.join().map_err(|_| "helper thread panicked")?;
    drop(file);
    if !status.success() {
        return Err("the child reported a failure".into());
    }
    Ok(())
}

// ANCHOR: child
fn child(fd: &str, parent_file: &Path, parent_cwd: &Path) -> Result<(), Box<dyn Error>> {
    // Look first, before this process opens anything that could reuse the number.
    let file_facts = parent_file_facts(fd, parent_file);

    println!("I am pid {}", std::process::id());
    let given = std::env::var("CH04_PARENT_PID").unwrap_or_default();
    println!("env CH04_PARENT_PID says my parent is pid {given}");
    #[cfg(unix)]
    println!(
        "the kernel agrees: {}",
        given == std::os::unix::process::parent_id().to_string()
    );
    println!("env {MESSAGE_VAR}: {:?}", std::env::var(MESSAGE_VAR).ok());
    let cwd = std::env::current_dir().map_err(|e| format!("no working directory: {e}"))?;
    println!(
        "same working directory as the parent: {}",
        cwd == parent_cwd
    );

    let mut line = String::new();
    io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("could not read stdin: {e}"))?;
    println!("read on stdin: {:?}", line.trim_end());

    println!(
        "SETTING is {}, its initial value",
        SETTING.load(Ordering::SeqCst)
    );
    let notes = NOTES.lock().map_err(|_| "NOTES mutex poisoned")?.len();
    println!("NOTES holds {notes} notes");
    for fact in file_facts {
        println!("{fact}");
    }
    Ok(())
}
// ANCHOR_END: child

/// Which threads and files does this process have? Linux shows it in /proc.
#[cfg(target_os = "linux")]
fn parent_file_facts(fd: &str, parent_file: &Path) -> Vec<String> {
    let open_here = Path::new("/proc/self/fd").join(fd).exists();
    let any_points_there = fs::read_dir("/proc/self/fd")
        .map(|entries| {
            entries
                .flatten()
                .any(|e| fs::read_link(e.path()).is_ok_and(|target| target == parent_file))
        })
        .unwrap_or(false);
    let stdin = fs::read_link("/proc/self/fd/0").unwrap_or_default();
    let threads = thread_count().map_or("?".to_string(), |n| n.to_string());
    vec![
        format!("the kernel counts {threads} thread in this process"),
        format!(
            "stdin is a pipe: {}",
            stdin.to_string_lossy().starts_with("pipe:")
        ),
        format!("the parent's file descriptor number is open here: {open_here}"),
        format!("any descriptor here points to the parent's file: {any_points_there}"),
    ]
}

#[cfg(not(target_os = "linux"))]
fn parent_file_facts(_fd: &str, _parent_file: &Path) -> Vec<String> {
    vec!["(threads and open files are listed in /proc, which only Linux has)".to_string()]
}
