//! Question: Do threads of one process share open files, globals and code?
//!
//! Run: cargo run --example ch04-shared-file-handle
//!
//! Miri: not run, because it creates a real file, which Miri's isolation forbids.

use std::error::Error;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

const THREADS: usize = 4;
const LINES_EACH: usize = 3;

// One static for the whole process: every thread increments the same counter.
static LINES_WRITTEN: AtomicUsize = AtomicUsize::new(0);

/// Deletes the temporary file when dropped, also if the example fails half-way.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// The number the OS uses for this open file inside our process.
#[cfg(unix)]
fn handle_number(file: &File) -> u64 {
    use std::os::fd::AsRawFd;
    file.as_raw_fd() as u64
}

#[cfg(windows)]
fn handle_number(file: &File) -> u64 {
    use std::os::windows::io::AsRawHandle;
    file.as_raw_handle() as u64
}

#[cfg(not(any(unix, windows)))]
fn handle_number(_file: &File) -> u64 {
    0
}

// ANCHOR: worker
/// What a thread reports: the OS handle it wrote through, and where the
/// code it is running lives.
fn worker(id: usize, file: Arc<File>) -> Result<(u64, usize), std::io::Error> {
    for line in 0..LINES_EACH {
        // `&File` implements Write: no lock needed, the OS serialises the
        // writes. One write_all per line keeps every line whole.
        let text = format!("thread {id} line {line}\n");
        (&*file).write_all(text.as_bytes())?;
        LINES_WRITTEN.fetch_add(1, Ordering::Relaxed);
    }
    Ok((handle_number(&file), worker as *const () as usize))
}
// ANCHOR_END: worker

fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().nth(1).is_some() {
        eprintln!("usage: cargo run --example ch04-shared-file-handle");
        std::process::exit(2);
    }

    // ANCHOR: share
    let name = format!("thread-vs-process-ch04-{}.txt", std::process::id());
    let temp = TempFile(std::env::temp_dir().join(name));
    // Opened once, by the main thread. Append mode: every write goes to the
    // current end of the file, whichever thread makes it.
    let file = OpenOptions::new()
        .create_new(true)
        .append(true)
        .open(&temp.0)
        .map_err(|e| format!("could not create {}: {e}", temp.0.display()))?;
    let file = Arc::new(file);

    let handles: Vec<_> = (0..THREADS)
        .map(|id| {
            let file = Arc::clone(&file);
            thread::spawn(move || worker(id, file))
        })
        .collect();
    let mut reports = Vec::new();
    for handle in handles {
        let report = handle.join().map_err(|_| "a writer thread panicked")?;
        reports.push(report.map_err(|e| format!("a thread could not write: {e}"))?);
    }
    // ANCHOR_END: share

    let text = fs::read_to_string(&temp.0)
        .map_err(|e| format!("could not read {} back: {e}", temp.0.display()))?;
    let mut lines: Vec<&str> = text.lines().collect();
    let order: Vec<&str> = lines.iter().filter_map(|l| l.split(' ').nth(1)).collect();
    println!(
        "threads in the order their lines landed: {} (varies)",
        order.join(" ")
    );
    lines.sort_unstable();
    println!("the file holds {} lines (sorted here):", lines.len());
    for line in &lines {
        println!("  {line}");
    }

    let one_handle = reports.iter().all(|r| r.0 == handle_number(&file));
    let one_code = reports.iter().all(|r| r.1 == worker as *const () as usize);
    let counted = LINES_WRITTEN.load(Ordering::Relaxed);
    println!("every thread wrote through the same OS handle: {one_handle}");
    println!("shared static counter: {counted} lines written by {THREADS} threads");
    println!(
        "every thread ran the same machine code, at {:#x}: {one_code}",
        worker as *const () as usize
    );
    let mut expected: Vec<String> = (0..THREADS)
        .flat_map(|id| (0..LINES_EACH).map(move |line| format!("thread {id} line {line}")))
        .collect();
    expected.sort_unstable();
    println!("no line lost or torn: {}", lines == expected);
    Ok(())
}
