//! Question: How do two processes on one machine talk through a local socket?
//!
//! Run: cargo run --example ch05-unix-socket

use std::error::Error;

/// Hidden argument: the copy of this program that connects to the socket.
const CHILD_ROLE: &str = "--child-connect";

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => parent(),
        [role, path] if role == CHILD_ROLE => child(path),
        _ => {
            eprintln!("usage: cargo run --example ch05-unix-socket");
            std::process::exit(2);
        }
    }
}

#[cfg(not(unix))]
fn parent() -> Result<(), Box<dyn Error>> {
    println!(
        "Unix domain sockets (std::os::unix::net) exist only on Unix, so this example does nothing here."
    );
    Ok(())
}

#[cfg(not(unix))]
fn child(_path: &str) -> Result<(), Box<dyn Error>> {
    Err("the child role needs Unix domain sockets".into())
}

#[cfg(unix)]
use unix::{child, parent};

#[cfg(unix)]
mod unix {
    use std::error::Error;
    use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
    use std::os::unix::net::{UnixListener, UnixStream};
    use std::path::PathBuf;
    use std::process::{Child, Command, ExitStatus, Stdio};
    use std::thread;
    use std::time::{Duration, Instant};

    const LIMIT: Duration = Duration::from_secs(1);

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

    /// Removes the socket file, also when the parent leaves early.
    struct SocketFile(PathBuf);

    impl Drop for SocketFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    pub fn parent() -> Result<(), Box<dyn Error>> {
        let pid = std::process::id();
        // ANCHOR: listen
        // The socket has a name in the file system; the pid makes it unique.
        let path = std::env::temp_dir().join(format!("ch05-unix-socket-{pid}.sock"));
        let _ = std::fs::remove_file(&path); // a leftover from a crashed run
        let listener =
            UnixListener::bind(&path).map_err(|e| format!("could not bind {path:?}: {e}"))?;
        let socket_file = SocketFile(path);
        // ANCHOR_END: listen
        println!("parent pid {pid} listens on a socket file named after its pid");

        let exe = std::env::current_exe().map_err(|e| format!("cannot find own program: {e}"))?;
        let child = Command::new(exe)
            .arg(super::CHILD_ROLE)
            .arg(&socket_file.0)
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("could not spawn child: {e}"))?;
        let child_pid = child.id();
        let mut guard = ChildGuard(Some(child));

        // ANCHOR: accept
        let mut stream = accept_with_deadline(&listener, LIMIT)?;
        stream.set_read_timeout(Some(LIMIT))?;
        let mut request = String::new();
        BufReader::new(&stream).read_line(&mut request)?;
        println!("parent got: {}", request.trim_end());
        writeln!(
            stream,
            "hello child pid {child_pid}, this is parent pid {pid}"
        )?;
        // ANCHOR_END: accept
        drop(stream);

        let child = guard.0.as_mut().ok_or("child already gone")?;
        let status = wait_with_deadline(child, LIMIT)?;
        // The child's few bytes of output wait in its stdout pipe until now.
        let mut said = String::new();
        if let Some(mut out) = child.stdout.take() {
            out.read_to_string(&mut said)?;
        }
        guard.0 = None; // reaped: nothing left for the guard to clean up
        print!("{said}");
        println!("child exited with code {}", status.code().unwrap_or(-1));

        let path = socket_file.0.clone();
        drop(socket_file);
        println!("socket file removed: {}", !path.exists());
        Ok(())
    }

    /// `accept` blocks until someone connects; poll it so the wait has a bound.
    fn accept_with_deadline(
        listener: &UnixListener,
        limit: Duration,
    ) -> Result<UnixStream, Box<dyn Error>> {
        listener.set_nonblocking(true)?;
        let deadline = Instant::now() + limit;
        loop {
            match listener.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(false)?;
                    return Ok(stream);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock && Instant::now() < deadline => {
                    thread::sleep(Duration::from_millis(2));
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    return Err("no child connected in time".into());
                }
                Err(e) => return Err(format!("accept failed: {e}").into()),
            }
        }
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
            thread::sleep(Duration::from_millis(5));
        }
    }

    // ANCHOR: child
    pub fn child(path: &str) -> Result<(), Box<dyn Error>> {
        let pid = std::process::id();
        let mut stream =
            UnixStream::connect(path).map_err(|e| format!("could not connect to {path}: {e}"))?;
        stream.set_read_timeout(Some(LIMIT))?;
        writeln!(stream, "hello parent, this is child pid {pid}")?;
        let mut reply = String::new();
        BufReader::new(&stream).read_line(&mut reply)?;
        println!("child got:  {}", reply.trim_end());
        Ok(())
    }
    // ANCHOR_END: child
}
