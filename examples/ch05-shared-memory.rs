//! Question: How can two processes read and write the same memory?
//!
//! Run: cargo run --example ch05-shared-memory
//!
//! Miri: not run, because it starts a child process and calls mmap.

use std::error::Error;

/// Hidden argument: the copy of this program that writes into the mapping.
const CHILD_ROLE: &str = "--child-write";

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => parent(),
        [role, path] if role == CHILD_ROLE => child(path),
        _ => {
            eprintln!("usage: cargo run --example ch05-shared-memory");
            std::process::exit(2);
        }
    }
}

#[cfg(not(unix))]
fn parent() -> Result<(), Box<dyn Error>> {
    println!(
        "Shared memory between processes is shown here with Unix mmap, so this example does nothing on this system."
    );
    Ok(())
}

#[cfg(not(unix))]
fn child(_path: &str) -> Result<(), Box<dyn Error>> {
    Err("the child role needs Unix mmap".into())
}

#[cfg(unix)]
use unix::{child, parent};

#[cfg(unix)]
mod unix {
    use std::error::Error;
    use std::fs::{File, OpenOptions};
    use std::os::unix::io::AsRawFd;
    use std::path::PathBuf;
    use std::process::{Child, Command, ExitStatus};
    use std::thread;
    use std::time::{Duration, Instant};

    const LIMIT: Duration = Duration::from_secs(1);

    // The layout both processes agree on. The region holds bytes, never
    // pointers: each process may map it at a different address.
    const SIZE: usize = 4096;
    const COUNTER: usize = 0; // u64, native byte order
    const LENGTH: usize = 8; // u32: how many bytes of text follow
    const TEXT: usize = 16; // the message, UTF-8

    // ANCHOR: map
    /// A file mapped with MAP_SHARED: stores into it go to the same physical
    /// pages that every other process mapping the file sees.
    struct Mapping {
        ptr: *mut u8,
    }

    impl Mapping {
        fn new(file: &File) -> Result<Mapping, Box<dyn Error>> {
            // SAFETY: a null hint lets the kernel choose the address; SIZE is
            // the file's length (set with set_len), the descriptor is open for
            // reading and writing, and offset 0 is page aligned. The result is
            // checked for MAP_FAILED before it is used.
            let ptr = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    SIZE,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_SHARED,
                    file.as_raw_fd(),
                    0,
                )
            };
            if ptr == libc::MAP_FAILED {
                let e = std::io::Error::last_os_error();
                return Err(format!("mmap failed: {e}").into());
            }
            Ok(Mapping { ptr: ptr.cast() })
        }

        /// Copies `bytes` into the shared region at `offset`.
        fn write(&mut self, offset: usize, bytes: &[u8]) {
            assert!(offset + bytes.len() <= SIZE, "write outside the mapping");
            // SAFETY: the range lies inside the SIZE bytes mapped by `new`, and
            // a local slice cannot overlap the mapping. Raw copies, not a
            // `&mut [u8]`, because another process may also touch these bytes.
            unsafe {
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.ptr.add(offset), bytes.len())
            };
        }

        /// Copies the whole region into this process's own memory.
        fn snapshot(&self) -> Vec<u8> {
            let mut copy = vec![0u8; SIZE];
            // SAFETY: the mapping is SIZE readable bytes and `copy` is a fresh
            // buffer of the same size. The protocol makes sure no other
            // process writes while we copy (see `parent`).
            unsafe { std::ptr::copy_nonoverlapping(self.ptr, copy.as_mut_ptr(), SIZE) };
            copy
        }
    }

    impl Drop for Mapping {
        fn drop(&mut self) {
            // SAFETY: `ptr` and SIZE are exactly what mmap returned and was
            // given, and nothing uses the mapping after this.
            unsafe { libc::munmap(self.ptr.cast(), SIZE) };
        }
    }
    // ANCHOR_END: map

    /// Kills and reaps the child if the parent leaves early.
    struct ChildGuard(Option<Child>);

    impl Drop for ChildGuard {
        fn drop(&mut self) {
            if let Some(mut child) = self.0.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }

    /// Removes the temporary file, also when the parent leaves early.
    struct TempFile(PathBuf);

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    /// Reads the counter and the message out of a copy of the region,
    /// checking them as if they came from a stranger.
    fn decode(bytes: &[u8]) -> Result<(u64, String), Box<dyn Error>> {
        let counter = u64::from_ne_bytes(bytes[COUNTER..COUNTER + 8].try_into()?);
        let len = u32::from_ne_bytes(bytes[LENGTH..LENGTH + 4].try_into()?) as usize;
        let text = bytes
            .get(TEXT..TEXT + len)
            .ok_or("the message length points outside the region")?;
        let text = String::from_utf8(text.to_vec()).map_err(|_| "the message is not UTF-8")?;
        Ok((counter, text))
    }

    pub fn parent() -> Result<(), Box<dyn Error>> {
        let pid = std::process::id();
        let path = std::env::temp_dir().join(format!("ch05-shared-memory-{pid}.bin"));
        let _ = std::fs::remove_file(&path); // a leftover from a crashed run
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| format!("could not create {path:?}: {e}"))?;
        let temp_file = TempFile(path);
        file.set_len(SIZE as u64)?; // a mapping cannot reach past the end of the file
        let mut shared = Mapping::new(&file)?;
        println!(
            "parent pid {pid} mapped a {SIZE}-byte file at {:p}",
            shared.ptr
        );

        // ANCHOR: protocol
        shared.write(COUNTER, &41u64.to_ne_bytes());
        println!("parent wrote counter 41 into the region and starts a child");
        let exe = std::env::current_exe().map_err(|e| format!("cannot find own program: {e}"))?;
        let child = Command::new(exe)
            .arg(super::CHILD_ROLE)
            .arg(&temp_file.0)
            .spawn()
            .map_err(|e| format!("could not spawn child: {e}"))?;
        let child_pid = child.id();
        let mut guard = ChildGuard(Some(child));

        // The child's exit is the synchronisation: once it has been reaped,
        // nobody else writes to the region, so a plain copy is safe to read.
        let child = guard.0.as_mut().ok_or("child already gone")?;
        let status = wait_with_deadline(child, LIMIT)?;
        guard.0 = None; // reaped: nothing left for the guard to clean up
        if !status.success() {
            return Err(format!("the child failed: {status}").into());
        }
        println!("child pid {child_pid} exited with code 0; only now does the parent read");
        let seen = shared.snapshot();
        let (counter, message) = decode(&seen)?;
        // ANCHOR_END: protocol
        println!("counter in the parent's mapping: {counter}");
        println!("message in the parent's mapping: {message:?}");
        let expected = format!("hello parent, this is child pid {child_pid}, written by the child");
        println!(
            "the parent's mapping saw the child's write without a copy through a pipe: {}",
            counter == 42 && message == expected
        );

        // read() goes through the same page cache that the mapping is made of.
        let on_disk = std::fs::read(&temp_file.0)?;
        println!(
            "std::fs::read of the file returns the same {} bytes: {}",
            on_disk.len(),
            on_disk == seen
        );

        drop(shared);
        drop(file);
        let path = temp_file.0.clone();
        drop(temp_file);
        println!("unmapped, and temp file removed: {}", !path.exists());
        Ok(())
    }

    fn wait_with_deadline(
        child: &mut Child,
        limit: Duration,
    ) -> Result<ExitStatus, Box<dyn Error>> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = child.try_wait()? {
                return Ok(status);
            }
            if Instant::now() >= deadline {
                return Err("the child did not exit in time".into());
            }
            thread::sleep(Duration::from_millis(2));
        }
    }

    // ANCHOR: child
    pub fn child(path: &str) -> Result<(), Box<dyn Error>> {
        let pid = std::process::id();
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| format!("could not open {path}: {e}"))?;
        let mut shared = Mapping::new(&file)?;
        let (counter, _) = decode(&shared.snapshot())?;
        let message = format!("hello parent, this is child pid {pid}, written by the child");
        shared.write(COUNTER, &(counter + 1).to_ne_bytes());
        shared.write(TEXT, message.as_bytes());
        shared.write(LENGTH, &(message.len() as u32).to_ne_bytes());
        println!(
            "child pid {pid} mapped the same file at {:p}, read counter {counter}, wrote {} and a message",
            shared.ptr,
            counter + 1
        );
        Ok(())
    }
    // ANCHOR_END: child
}
