//! Question: What does a child process get from its parent, and what not?
//!
//! Run: cargo run --example ch04-child-inherits
//! Miri: not run, because it starts child processes.

use std::error::Error;
use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, mpsc};
use std::{fs, thread};

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch04-child-inherits");
    std::process::exit(2)
}

/// Kills and waits for the child if we return early, so it never outlives us.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        // Both are harmless if the child was already waited for.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

// ANCHOR: globals
// Both start with a value fixed at compile time. The parent changes them at
// run time, before it starts the child.
static SETTING: AtomicU32 = AtomicU32::new(1);
static NOTES: Mutex<Vec<String>> = Mutex::new(Vec::new()); // Strings: heap
// ANCHOR_END: globals

// ANCHOR: parent_setup
fn main() -> Result<(), Box<dyn Error>> {
    match std::env::args().skip(1).collect::<Vec<_>>().as_slice() {
        [] => parent(),
        [role, file, cwd] if role == "child" => child(file, cwd),
        _ => usage(),
    }
}

fn parent() -> Result<(), Box<dyn Error>> {
    SETTING.store(42, Ordering::SeqCst);
    NOTES
        .lock()
        .map_err(|_| "poisoned")?
        .push("by the parent".into());
    let (stop, stopped) = mpsc::channel::<()>();
    let helper = thread::spawn(move || stopped.recv()); // a second thread
    let name = format!("thread-vs-process-ch04-{}.txt", std::process::id());
    let path = TempFile(std::env::temp_dir().join(name));
    let file = fs::File::create_new(&path.0)?; // opened close-on-exec
    let cwd = std::env::current_dir()?;
    println!(
        "parent: SETTING is 42, one note, one file open, threads: {}",
        threads()
    );
    // ANCHOR_END: parent_setup
    // ANCHOR: spawn
    let spawned = Command::new(std::env::current_exe()?)
        .arg("child")
        .args([&path.0, &cwd])
        .env("CH04_MESSAGE", "set for the child only")
        .env("CH04_PARENT_PID", std::process::id().to_string())
        .stdin(Stdio::piped()) // handed over on purpose
        .stdout(Stdio::piped())
        .spawn();
    let mut child = KillOnDrop(spawned?);
    let mut to_child = child.0.stdin.take().ok_or("no stdin pipe")?;
    to_child.write_all(b"hello through the pipe\n")?;
    drop(to_child); // end of input for the child
    let mut report = String::new();
    let mut from_child = child.0.stdout.take().ok_or("no stdout pipe")?;
    from_child.read_to_string(&mut report)?;
    let status = child.0.wait()?;
    report.lines().for_each(|line| println!("  child | {line}"));
    let setting = SETTING.load(Ordering::SeqCst);
    println!("parent: child {status}; my SETTING is still {setting}");
    let message = std::env::var("CH04_MESSAGE").ok();
    println!("parent: CH04_MESSAGE in my own environment: {message:?}");
    drop((stop, file)); // the helper thread's recv() returns
    let _ = helper.join().map_err(|_| "the helper thread panicked")?;
    Ok(())
}
// ANCHOR_END: spawn

// ANCHOR: child
fn child(parent_file: &str, parent_cwd: &str) -> Result<(), Box<dyn Error>> {
    let env = |name| std::env::var(name).unwrap_or_default();
    println!("I am pid {}", std::process::id());
    println!(
        "CH04_PARENT_PID says my parent is pid {}",
        env("CH04_PARENT_PID")
    );
    #[cfg(unix)]
    println!(
        "the kernel says: pid {}",
        std::os::unix::process::parent_id()
    );
    println!("CH04_MESSAGE: {:?}", env("CH04_MESSAGE"));
    let cwd = std::env::current_dir()?;
    println!("same working directory: {}", cwd.as_os_str() == parent_cwd);
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    println!("read on stdin: {:?}", line.trim_end());
    let notes = NOTES.lock().map_err(|_| "poisoned")?.len();
    println!(
        "SETTING is {}, NOTES holds {notes} notes",
        SETTING.load(Ordering::SeqCst)
    );
    println!("threads in this process: {}", threads());
    if cfg!(target_os = "linux") {
        let mut open_fds = Vec::new();
        for fd in fs::read_dir("/proc/self/fd")? {
            open_fds.push(fs::read_link(fd?.path()).unwrap_or_default());
        }
        let has_it = open_fds.iter().any(|p| p.as_os_str() == parent_file);
        println!("the parent's file is open here: {has_it}");
    } else {
        println!("(this system has no /proc to list open descriptors in)");
    }
    Ok(())
}
// ANCHOR_END: child

/// Deletes the temporary file when dropped, also if the example fails.
struct TempFile(std::path::PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

// ANCHOR: threads
/// How many threads the kernel counts in this process (Linux: /proc).
fn threads() -> String {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find_map(|l| l.strip_prefix("Threads:"));
    line.map_or("? (no /proc here)".into(), |l| l.trim().to_string())
}
// ANCHOR_END: threads
