//! Question: How do fork, exec and spawn differ when a process starts another?
//!
//! Run: cargo run --example ch09-fork-exec-spawn
//!
//! Miri: not run, because it forks and starts child processes.

use std::error::Error;
use std::process::{Child, Command, ExitStatus};
use std::thread;
use std::time::{Duration, Instant};

/// Hidden arguments: the roles of the copies of this program the parent starts.
const ROLE_EXEC: &str = "--child-exec";
const ROLE_AFTER_EXEC: &str = "--child-after-exec";
const ROLE_SPAWNED: &str = "--child-spawned";
const LIMIT: Duration = Duration::from_secs(1);

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => parent(),
        [role] if role == ROLE_EXEC => child_exec(),
        [role, old_pid] if role == ROLE_AFTER_EXEC => child_after_exec(old_pid),
        [role] if role == ROLE_SPAWNED => {
            println!(
                "  spawned child pid {}: a new process running a fresh program",
                std::process::id()
            );
            Ok(())
        }
        _ => {
            eprintln!("usage: cargo run --example ch09-fork-exec-spawn");
            std::process::exit(2);
        }
    }
}

fn parent() -> Result<(), Box<dyn Error>> {
    println!("== 1. fork: copy this process ==");
    fork_copy()?;
    println!();
    println!("== 2. exec: replace the program, keep the process ==");
    run_child(ROLE_EXEC)?;
    println!();
    println!("== 3. spawn: new process and new program in one call ==");
    run_child(ROLE_SPAWNED)?;
    Ok(())
}

// ANCHOR: fork
#[cfg(unix)]
fn fork_copy() -> Result<(), Box<dyn Error>> {
    // Only the main thread exists at this point, which makes fork safe here.
    let mut counter: i32 = 42;
    // SAFETY: this process has a single thread, so no lock can be held by a
    // thread that the child would lack. The child only does arithmetic on its
    // own copy of `counter` and calls _exit, which is async-signal-safe.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(format!("fork failed: {}", std::io::Error::last_os_error()).into());
    }
    if pid == 0 {
        // The child: same code, same variables, but its own copy of them.
        counter += 1;
        // SAFETY: _exit ends the child at once, without running the parent's
        // atexit handlers or flushing buffers the child shares by copy.
        unsafe { libc::_exit(counter) };
    }
    // The parent: fork returned the child's pid.
    println!("parent: fork returned the child's pid {pid} here, and 0 in the child");
    let code = wait_pid(pid)?;
    println!("parent: the child added 1 to its copy and exited with {code}");
    println!("parent: my own counter is still {counter}");
    Ok(())
}
// ANCHOR_END: fork

/// waitpid with a deadline: poll with WNOHANG, kill the child if it is late.
#[cfg(unix)]
fn wait_pid(pid: libc::pid_t) -> Result<i32, Box<dyn Error>> {
    let deadline = Instant::now() + LIMIT;
    let mut status: libc::c_int = 0;
    loop {
        // SAFETY: `status` is a valid, writable c_int; pid is our own child.
        let done = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if done == pid {
            break;
        }
        if done < 0 {
            return Err(format!("waitpid failed: {}", std::io::Error::last_os_error()).into());
        }
        if Instant::now() >= deadline {
            // SAFETY: kill and a blocking waitpid on our own child, which
            // SIGKILL ends at once, so the wait is short.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
            return Err("the forked child did not exit in time".into());
        }
        thread::sleep(Duration::from_millis(1));
    }
    if libc::WIFEXITED(status) {
        Ok(libc::WEXITSTATUS(status))
    } else {
        Err("the forked child did not exit normally".into())
    }
}

#[cfg(not(unix))]
fn fork_copy() -> Result<(), Box<dyn Error>> {
    println!("(this system has no fork: CreateProcess always starts a new program)");
    Ok(())
}

// ANCHOR: exec
#[cfg(unix)]
fn child_exec() -> Result<(), Box<dyn Error>> {
    use std::os::unix::process::CommandExt;
    let pid = std::process::id();
    println!("  child pid {pid}: calling exec to become a new program");
    let exe = std::env::current_exe().map_err(|e| format!("cannot find own program: {e}"))?;
    // exec only returns if it failed; on success this program is gone.
    let err = Command::new(exe)
        .arg(ROLE_AFTER_EXEC)
        .arg(pid.to_string())
        .exec();
    Err(format!("exec failed: {err}").into())
}
// ANCHOR_END: exec

#[cfg(not(unix))]
fn child_exec() -> Result<(), Box<dyn Error>> {
    println!("  (this system has no exec: a process keeps the program it started with)");
    Ok(())
}

fn child_after_exec(old_pid: &str) -> Result<(), Box<dyn Error>> {
    let pid = std::process::id();
    println!("  child pid {pid}: running again from main(), with fresh memory");
    println!("  same pid as before exec: {}", old_pid == pid.to_string());
    Ok(())
}

/// Kills and reaps the child if the parent leaves early, so no zombie stays.
struct ChildGuard(Option<Child>);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

// ANCHOR: spawn
fn run_child(role: &str) -> Result<(), Box<dyn Error>> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find own program: {e}"))?;
    println!(
        "parent pid {}: spawning a copy of this program",
        std::process::id()
    );
    // spawn = fork + exec (or posix_spawn), done carefully inside std.
    let child = Command::new(exe)
        .arg(role)
        .spawn()
        .map_err(|e| format!("could not spawn child: {e}"))?;
    let mut guard = ChildGuard(Some(child));
    let status = wait_with_deadline(guard.0.as_mut().ok_or("no child")?, LIMIT)?;
    guard.0 = None; // reaped: nothing left for the guard to do
    println!("parent: child exited with success: {}", status.success());
    Ok(())
}
// ANCHOR_END: spawn

fn wait_with_deadline(child: &mut Child, limit: Duration) -> Result<ExitStatus, Box<dyn Error>> {
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
