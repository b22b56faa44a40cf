//! Question: How can two processes read and write the same memory?
//!
//! Run: cargo run --example ch05-shared-memory
//! Needs: libc = "0.2" (Unix)
//! Miri: not run, because it starts a child process and calls mmap.

use std::error::Error;
use std::fs::{File, OpenOptions};
use std::process::Command;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch05-shared-memory");
    std::process::exit(2)
}

/// Deletes the temporary file when dropped, also if the example fails.
struct TempFile(std::path::PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

// The layout both processes agree on: bytes and offsets, never pointers.
const SIZE: usize = 4096;
const COUNTER: usize = 0; // u64, native byte order
const LENGTH: usize = 8; // u32: how many bytes of text follow
const TEXT: usize = 16; // the message, UTF-8

fn main() -> Result<(), Box<dyn Error>> {
    match std::env::args().skip(1).collect::<Vec<_>>().as_slice() {
        [] if cfg!(unix) => parent(),
        [] => {
            println!("This example maps memory with Unix mmap: Unix only.");
            Ok(())
        }
        [role, path] if role == "child" => child(path),
        _ => usage(),
    }
}

/// Opens the file both processes map, for reading and writing.
fn open(path: &std::path::Path) -> std::io::Result<File> {
    OpenOptions::new().read(true).write(true).open(path)
}

// ANCHOR: protocol
fn parent() -> Result<(), Box<dyn Error>> {
    let name = format!("ch05-shared-memory-{}.bin", std::process::id());
    let temp = TempFile(std::env::temp_dir().join(name));
    File::create_new(&temp.0)?.set_len(SIZE as u64)?; // 4096 zero bytes
    let mut shared = Mapping::new(&open(&temp.0)?)?;
    shared.write(COUNTER, &41u64.to_ne_bytes());
    println!("parent mapped the file at {:p}, stored 41", shared.ptr);
    let exe = std::env::current_exe()?;
    // status() starts the child and waits for it to exit. That exit is the
    // synchronisation: afterwards nobody else writes to the region, so a
    // plain copy is safe to read.
    let status = Command::new(exe).arg("child").arg(&temp.0).status()?;
    if !status.success() {
        return Err(format!("the child failed: {status}").into());
    }
    let seen = shared.snapshot();
    let (counter, message) = decode(&seen)?;
    println!("after the child exited, the parent's mapping holds:");
    println!("  counter {counter}, message {message:?}");
    let on_disk = std::fs::read(&temp.0)?;
    println!(
        "std::fs::read of the file sees the same bytes: {}",
        on_disk == seen
    );
    Ok(())
}
// ANCHOR_END: protocol

// ANCHOR: child
fn child(path: &str) -> Result<(), Box<dyn Error>> {
    let mut shared = Mapping::new(&open(path.as_ref())?)?;
    let (counter, _) = decode(&shared.snapshot())?;
    let message = format!("hello from child pid {}", std::process::id());
    shared.write(COUNTER, &(counter + 1).to_ne_bytes());
    shared.write(TEXT, message.as_bytes());
    shared.write(LENGTH, &(message.len() as u32).to_ne_bytes());
    println!(
        "child mapped it at {:p}, read {counter}, stored {}",
        shared.ptr,
        counter + 1
    );
    Ok(())
}

/// Reads the counter and the message, checking them as if they came from a
/// stranger: the compiler knows nothing about what another process wrote.
fn decode(bytes: &[u8]) -> Result<(u64, String), Box<dyn Error>> {
    let counter = u64::from_ne_bytes(bytes[COUNTER..COUNTER + 8].try_into()?);
    let len = u32::from_ne_bytes(bytes[LENGTH..LENGTH + 4].try_into()?);
    let text = bytes.get(TEXT..TEXT + len as usize).ok_or("bad length")?;
    Ok((counter, String::from_utf8(text.to_vec())?))
}
// ANCHOR_END: child

// ANCHOR: map
/// SIZE bytes of a file mapped with MAP_SHARED: stores go to the very pages
/// that every other process mapping the file sees.
struct Mapping {
    ptr: *mut u8,
}

#[cfg(unix)]
impl Mapping {
    fn new(file: &File) -> Result<Mapping, Box<dyn Error>> {
        use std::os::fd::AsRawFd;
        // A page past the end of the file cannot be touched: the access
        // raises SIGBUS. So check the length first. (If another process
        // truncates the file later, SIGBUS still awaits us.)
        let len = file.metadata()?.len();
        if len < SIZE as u64 {
            return Err(
                format!("the file holds {len} bytes, not {SIZE}").into()
            );
        }
        // SAFETY: a null hint lets the kernel choose the address; the file is
        // at least SIZE bytes and open for reading and writing; offset 0 is
        // page aligned. MAP_FAILED is checked before the pointer is used.
        let ptr = unsafe {
            let prot = libc::PROT_READ | libc::PROT_WRITE;
            libc::mmap(
                std::ptr::null_mut(),
                SIZE,
                prot,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(
                format!("mmap: {}", std::io::Error::last_os_error()).into()
            );
        }
        Ok(Mapping { ptr: ptr.cast() })
    }
}

impl Mapping {
    /// Copies `bytes` into the region at `offset`: raw copies, never a
    /// `&mut [u8]`, because another process may touch these bytes.
    fn write(&mut self, offset: usize, bytes: &[u8]) {
        assert!(offset + bytes.len() <= SIZE, "write outside the mapping");
        // SAFETY: the range lies inside the SIZE mapped bytes, and a slice of
        // our own memory cannot overlap the mapping.
        unsafe {
            self.ptr
                .add(offset)
                .copy_from_nonoverlapping(bytes.as_ptr(), bytes.len())
        };
    }

    /// Copies the whole region into this process's own memory.
    fn snapshot(&self) -> Vec<u8> {
        let mut copy = vec![0u8; SIZE];
        // SAFETY: the mapping is SIZE readable bytes, `copy` is a fresh
        // buffer of SIZE bytes, and the protocol keeps writers out meanwhile.
        unsafe { self.ptr.copy_to_nonoverlapping(copy.as_mut_ptr(), SIZE) };
        copy
    }
}

#[cfg(unix)]
impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: ptr and SIZE are what mmap returned and was given, and
        // nothing uses the mapping after this.
        unsafe { libc::munmap(self.ptr.cast(), SIZE) };
    }
}
// ANCHOR_END: map

#[cfg(not(unix))]
impl Mapping {
    fn new(_file: &File) -> Result<Mapping, Box<dyn Error>> {
        Err("shared mappings are shown with Unix mmap".into())
    }
}
