//! Question: Do the threads of one process share its open files and globals?
//!
//! Run: cargo run --example ch04-shared-file-handle
//! Miri: not run, because it writes a real file, which Miri's isolation bars.

use std::error::Error;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch04-shared-file-handle");
    std::process::exit(2)
}

// ANCHOR: worker
/// Deletes the temporary file when dropped, also if the example fails.
struct TempFile(std::path::PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// One static for the whole process: every thread adds to the same counter.
static LINES_WRITTEN: AtomicUsize = AtomicUsize::new(0);

/// Writes three lines through the shared file, one `write_all` each.
/// (`&File` implements Write: no lock, each call goes to the kernel.)
fn worker(id: usize, mut file: &File) -> io::Result<()> {
    for line in 0..3 {
        file.write_all(format!("thread {id} line {line}\n").as_bytes())?;
        LINES_WRITTEN.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}
// ANCHOR_END: worker

// ANCHOR: share
fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        usage();
    }
    let name = format!("thread-vs-process-ch04-{}.txt", std::process::id());
    let temp = TempFile(std::env::temp_dir().join(name));
    // Opened once, in append mode: each write goes to the end of the file.
    let mut options = OpenOptions::new();
    let file = &options.create_new(true).append(true).open(&temp.0)?;
    thread::scope(|s| -> Result<(), Box<dyn Error>> {
        let handles: Vec<_> =
            (0..4).map(|id| s.spawn(move || worker(id, file))).collect();
        for handle in handles {
            handle.join().map_err(|_| "a writer thread panicked")??;
        }
        Ok(())
    })?;
    let text = std::fs::read_to_string(&temp.0)?;
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort_unstable(); // the order they landed in is the scheduler's
    println!("the file holds {} whole lines (sorted here):", lines.len());
    lines.iter().for_each(|line| println!("  {line}"));
    let counted = LINES_WRITTEN.load(Ordering::Relaxed);
    println!("the shared static counted {counted} lines from 4 threads");
    // ANCHOR_END: share
    Ok(())
}
