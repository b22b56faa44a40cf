//! Question: How do two processes on one machine talk through a local socket?
//!
//! Run: cargo run --example ch05-unix-socket
//! Miri: not run, because it starts a child process.
// Off Unix only main and usage run; the rest is allowed to go unused.
#![cfg_attr(not(unix), allow(unused))]

use std::error::Error;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command};

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch05-unix-socket");
    std::process::exit(2)
}

// ANCHOR: listen
/// Kills and waits for the child if we return early, so it never outlives us.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        // Both are harmless if the child was already waited for.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Deletes the socket's name when dropped, also if the example fails.
struct SocketFile(std::path::PathBuf);

impl Drop for SocketFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    match std::env::args().skip(1).collect::<Vec<_>>().as_slice() {
        [] if cfg!(unix) => parent(),
        [] => {
            println!(
                "std's UnixListener is Unix only: this does nothing here."
            );
            Ok(())
        }
        [role, path] if role == "child" => child(path),
        _ => usage(),
    }
}

#[cfg(unix)]
fn parent() -> Result<(), Box<dyn Error>> {
    use std::os::unix::net::UnixListener;
    let pid = std::process::id();
    // The socket has a name in the file system; the pid makes it unique.
    let name = format!("ch05-unix-socket-{pid}.sock");
    let socket = SocketFile(std::env::temp_dir().join(name));
    let listener = UnixListener::bind(&socket.0)?;
    println!("parent pid {pid} listens on a socket file named after its pid");
    let exe = std::env::current_exe()?;
    let mut child =
        KillOnDrop(Command::new(exe).arg("child").arg(&socket.0).spawn()?);
    // ANCHOR_END: listen
    // ANCHOR: accept
    let (mut stream, _) = listener.accept()?; // blocks until it connects
    let mut request = String::new();
    BufReader::new(&stream).read_line(&mut request)?;
    println!("parent got: {}", request.trim_end());
    writeln!(
        stream,
        "hello child pid {}, from parent pid {pid}",
        child.0.id()
    )?;
    println!("child {}", child.0.wait()?);
    Ok(())
}
// ANCHOR_END: accept

// ANCHOR: child
#[cfg(unix)]
fn child(path: &str) -> Result<(), Box<dyn Error>> {
    let mut stream = std::os::unix::net::UnixStream::connect(path)?;
    writeln!(
        stream,
        "hello parent, this is child pid {}",
        std::process::id()
    )?;
    let mut reply = String::new();
    BufReader::new(&stream).read_line(&mut reply)?;
    println!("child got:  {}", reply.trim_end());
    Ok(())
}
// ANCHOR_END: child

#[cfg(not(unix))]
fn parent() -> Result<(), Box<dyn Error>> {
    Err("Unix only".into())
}

#[cfg(not(unix))]
fn child(_path: &str) -> Result<(), Box<dyn Error>> {
    Err("Unix only".into())
}
