//! Question: How do two processes on one machine talk through a local socket?
//!
//! Run: cargo run --example ch05-unix-socket
//! Miri: not run, because it starts a child process.
// Off Unix only main and usage run; the rest is allowed to go unused.
#![cfg_attr(not(unix), allow(unused))]

use std::error::Error;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch05-unix-socket");
    std::process::exit(2)
}

// ANCHOR: start
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
            println!("std has Unix sockets on Unix only: nothing to do here.");
            Ok(())
        }
        [role, path] if role == "child" => child(path),
        _ => usage(),
    }
}

#[cfg(unix)]
fn parent() -> Result<(), Box<dyn Error>> {
    let pid = std::process::id();
    // The socket has a name in the file system; the pid makes it unique.
    let name = format!("ch05-unix-socket-{pid}.sock");
    let socket = SocketFile(std::env::temp_dir().join(name));
    let mut command = Command::new(std::env::current_exe()?);
    command.arg("child").arg(&socket.0).stdout(Stdio::piped());
    let mut child = KillOnDrop(command.spawn()?);
    // ANCHOR_END: start
    // ANCHOR: connect
    // The child says "listening" once it can take a connection. If it dies
    // first, its end of the pipe closes and we read end of file instead.
    let mut ready = String::new();
    let pipe = child.0.stdout.take().ok_or("no stdout pipe")?;
    BufReader::new(pipe).read_line(&mut ready)?;
    if ready != "listening\n" {
        return Err("the child ended before it listened".into());
    }
    let child_pid = child.0.id();
    println!(
        "parent pid {pid}: child pid {child_pid} listens on a socket file"
    );
    let mut stream = std::os::unix::net::UnixStream::connect(&socket.0)?;
    let request = format!("hello from parent pid {pid}");
    writeln!(stream, "{request}")?;
    println!("parent sent: {request}");
    let mut reply = String::new();
    BufReader::new(&stream).read_line(&mut reply)?; // "" if the child died
    println!("parent got:  {}", reply.trim_end());
    println!("child {}", child.0.wait()?);
    Ok(())
}
// ANCHOR_END: connect

// ANCHOR: child
#[cfg(unix)]
fn child(path: &str) -> Result<(), Box<dyn Error>> {
    let listener = std::os::unix::net::UnixListener::bind(path)?;
    println!("listening"); // stdout is the parent's pipe
    let (mut stream, _) = listener.accept()?; // the parent is on its way
    let mut request = String::new();
    BufReader::new(&stream).read_line(&mut request)?;
    let pid = std::process::id();
    writeln!(stream, "child pid {pid} read {:?}", request.trim_end())?;
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
