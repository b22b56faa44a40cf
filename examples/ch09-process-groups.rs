//! Question: How does one signal reach a whole group of processes?
//!
//! Run: cargo run --example ch09-process-groups
//! Needs: libc = "0.2" (Unix)
//! Miri: not run, because it starts child processes.

use std::error::Error;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch09-process-groups");
    std::process::exit(2)
}

#[cfg(not(unix))]
fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        usage();
    }
    println!("Process groups are a Unix idea; on Windows, job objects group");
    println!("processes instead. This example does nothing here.");
    Ok(())
}

#[cfg(unix)]
use std::io::{BufRead, BufReader};
#[cfg(unix)]
use std::process::{Child, Command, Stdio};

#[cfg(unix)]
fn main() -> Result<(), Box<dyn Error>> {
    match std::env::args().skip(1).collect::<Vec<_>>().as_slice() {
        [] => parent(),
        [role] if role == "leader" => leader(),
        [role] if role == "member" => member(),
        _ => usage(),
    }
}

// ANCHOR: parent
/// Kills and waits for the child if we return early, so it never outlives us.
#[cfg(unix)]
struct KillOnDrop(Child);

#[cfg(unix)]
impl Drop for KillOnDrop {
    fn drop(&mut self) {
        // Both are harmless if the child was already waited for.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(unix)]
fn parent() -> Result<(), Box<dyn Error>> {
    use std::os::unix::process::CommandExt;
    let exe = std::env::current_exe()?;
    let mut leader = KillOnDrop(
        Command::new(exe)
            .arg("leader")
            .process_group(0) // a new group, whose id is the child's pid
            .stdout(Stdio::piped())
            .spawn()?,
    );
    let group = leader.0.id() as libc::pid_t;
    let output = leader.0.stdout.take().ok_or("no pipe from the leader")?;
    for line in BufReader::new(output).lines() {
        let line = line?;
        println!("{line}");
        if line == "leader: ready" {
            // SAFETY: kill takes no pointers; a negative pid means the
            // group, which holds only the children this function started.
            if unsafe { libc::kill(-group, libc::SIGTERM) } != 0 {
                return Err(std::io::Error::last_os_error().into());
            }
            println!("parent: sent SIGTERM to the leader's whole group");
        }
    }
    let code = leader.0.wait()?.code().ok_or("the leader was killed")?;
    println!("parent: the leader exited with code {code}");
    println!("parent: in another group, the parent received nothing");
    Ok(())
}
// ANCHOR_END: parent

// ANCHOR: children
#[cfg(unix)]
fn leader() -> Result<(), Box<dyn Error>> {
    use std::os::unix::process::ExitStatusExt;
    let exe = std::env::current_exe()?;
    let mut member = KillOnDrop(
        Command::new(exe)
            .arg("member")
            .stdin(Stdio::piped()) // closed if the leader dies: no orphan
            .stdout(Stdio::piped())
            .spawn()?,
    );
    let mut said = String::new();
    let output = member.0.stdout.take().ok_or("no pipe from the member")?;
    BufReader::new(output).read_line(&mut said)?;
    print!("{said}");
    // SAFETY: setting a signal to be ignored runs no code of ours.
    unsafe { libc::signal(libc::SIGTERM, libc::SIG_IGN) };
    println!("leader: ignoring SIGTERM from now on");
    println!("leader: ready");
    // `wait` would close the member's stdin first, and end it before the
    // signal comes: hold the pipe open until we return.
    let _stdin = member.0.stdin.take();
    let status = member.0.wait()?;
    let by_sigterm = status.signal() == Some(libc::SIGTERM);
    println!("leader: the member was ended by SIGTERM: {by_sigterm}");
    Ok(())
}

#[cfg(unix)]
fn member() -> Result<(), Box<dyn Error>> {
    // SAFETY: getpgrp and getppid take no arguments and cannot fail.
    let (group, leader) = unsafe { (libc::getpgrp(), libc::getppid()) };
    println!("member: in the leader's group: {}", group == leader);
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?; // blocks until a signal ends us
    Ok(())
}
// ANCHOR_END: children
