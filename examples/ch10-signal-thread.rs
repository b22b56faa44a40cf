//! Question: Which thread receives a signal sent to the whole process?
//!
//! Run: cargo run --example ch10-signal-thread
//! Needs: libc = "0.2" (Unix)
//! Miri: not run, because Miri does not implement the signal calls.

use std::error::Error;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch10-signal-thread");
    std::process::exit(2)
}

fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        usage();
    }
    run()
}

#[cfg(unix)]
fn run() -> Result<(), Box<dyn Error>> {
    use std::os::unix::thread::JoinHandleExt;
    use std::{ptr, sync::mpsc, thread};

    // ANCHOR: block
    // Block both signals in main BEFORE any other thread exists: each new
    // thread inherits its creator's mask, so no thread is interrupted.
    // A blocked signal stays pending until sigwait takes it.
    let set = signal_set(&[libc::SIGUSR1, libc::SIGUSR2]);
    // SAFETY: `set` is an initialised sigset_t; the old mask is not wanted.
    let err = unsafe {
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, ptr::null_mut())
    };
    check(err, "pthread_sigmask")?;
    println!("main: SIGUSR1 and SIGUSR2 blocked before starting any thread");

    let (report, reports) = mpsc::channel();
    let signals = thread::Builder::new()
        .name("signals".into())
        .spawn(move || wait_for_signals(set, report))?;
    println!("{}", reports.recv()?);
    // ANCHOR_END: block

    // ANCHOR: send
    // Process-directed: kill names the process, and the kernel picks a
    // thread that does not block the signal or waits for it in sigwait.
    // SAFETY: kill only sends a signal, one that every thread blocks.
    if unsafe { libc::kill(libc::getpid(), libc::SIGUSR1) } != 0 {
        return Err(format!("kill: {}", std::io::Error::last_os_error()).into());
    }
    println!(
        "kill(own pid, SIGUSR1), to the process: {}",
        reports.recv()?
    );

    // Thread-directed: pthread_kill names one thread of this process.
    // SAFETY: the handle is not joined yet, so the thread id is valid.
    let err =
        unsafe { libc::pthread_kill(signals.as_pthread_t(), libc::SIGUSR2) };
    check(err, "pthread_kill")?;
    println!(
        "pthread_kill(signals, SIGUSR2), to one thread: {}",
        reports.recv()?
    );
    signals.join().map_err(|_| "the signal thread panicked")?;
    // ANCHOR_END: send
    Ok(())
}

// ANCHOR: signal_thread
/// The dedicated signal thread: takes each signal in `set` with sigwait,
/// reports it, and returns after SIGUSR2.
#[cfg(unix)]
fn wait_for_signals(
    set: libc::sigset_t,
    report: std::sync::mpsc::Sender<String>,
) {
    let mut mask = signal_set(&[]);
    // SAFETY: a null new set only copies this thread's mask into `mask`.
    unsafe {
        libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut mask)
    };
    // SAFETY: `mask` is an initialised sigset_t.
    let blocked = unsafe { libc::sigismember(&mask, libc::SIGUSR1) } == 1;
    let _ =
        report.send(format!("signals: inherited SIGUSR1 blocked: {blocked}"));
    let mut signal = 0;
    // SAFETY: `set` is initialised; `signal` is a live c_int.
    while unsafe { libc::sigwait(&set, &mut signal) } == 0 {
        // An ordinary thread, not a handler: it may allocate, lock, print.
        let me = std::thread::current().name().unwrap_or("?").to_string();
        let _ = report.send(format!("taken by '{me}': {}", name(signal)));
        if signal == libc::SIGUSR2 {
            return;
        }
    }
}

/// A signal set holding exactly `signals`.
#[cfg(unix)]
fn signal_set(signals: &[libc::c_int]) -> libc::sigset_t {
    // SAFETY: sigemptyset initialises the zeroed set; sigaddset adds to it.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for &signal in signals {
            libc::sigaddset(&mut set, signal);
        }
        set
    }
}

/// Turns a pthread-style return code (0 or an errno value) into a Result.
#[cfg(unix)]
fn check(err: libc::c_int, call: &str) -> Result<(), String> {
    match err {
        0 => Ok(()),
        _ => Err(format!(
            "{call}: {}",
            std::io::Error::from_raw_os_error(err)
        )),
    }
}
// ANCHOR_END: signal_thread

#[cfg(unix)]
fn name(signal: libc::c_int) -> &'static str {
    match signal {
        libc::SIGUSR1 => "SIGUSR1",
        libc::SIGUSR2 => "SIGUSR2",
        _ => "another signal",
    }
}

#[cfg(not(unix))]
fn run() -> Result<(), Box<dyn Error>> {
    println!("Windows has no signals, so this example does nothing here.");
    Ok(())
}
