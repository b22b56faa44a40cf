//! Question: How does one thread wait on hundreds of connections at once?
//!
//! Run: cargo run --example ch13-epoll-loop
//! Needs: libc = "0.2" (Unix)
//! Miri: not run, because it calls epoll, which Miri does not emulate fully.

use std::error::Error;

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch13-epoll-loop");
    std::process::exit(2)
}

#[cfg(not(target_os = "linux"))]
fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        usage();
    }
    println!(
        "This example uses epoll, which only Linux has (macOS has kqueue,"
    );
    println!("Windows has IOCP); it does nothing here.");
    Ok(())
}

#[cfg(target_os = "linux")]
fn main() -> Result<(), Box<dyn Error>> {
    use std::io::{Error as OsError, Read, Write};
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::os::unix::net::UnixStream;

    if std::env::args().len() > 1 {
        usage();
    }
    // ANCHOR: register
    const CONNECTIONS: usize = 300;
    // SAFETY: epoll_create1 takes no pointers; we check the result.
    let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    if fd < 0 {
        return Err(
            format!("epoll_create1: {}", OsError::last_os_error()).into()
        );
    }
    // SAFETY: fd is a new descriptor that nothing else owns.
    let epoll = unsafe { OwnedFd::from_raw_fd(fd) };
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for token in 0..CONNECTIONS {
        let (server_end, client_end) = UnixStream::pair()?;
        let mut interest = libc::epoll_event {
            events: libc::EPOLLIN as u32, // tell us when it can be read
            u64: token as u64,            // and hand back this number
        };
        // SAFETY: both descriptors are open; `interest` outlives the call.
        let rc = unsafe {
            let op = libc::EPOLL_CTL_ADD;
            libc::epoll_ctl(
                epoll.as_raw_fd(),
                op,
                server_end.as_raw_fd(),
                &mut interest,
            )
        };
        if rc < 0 {
            return Err(
                format!("epoll_ctl: {}", OsError::last_os_error()).into()
            );
        }
        ours.push(server_end);
        theirs.push(client_end);
    }
    // ANCHOR_END: register
    // ANCHOR: loop
    // Another thread plays the clients: each writes once, in reverse order.
    let clients = std::thread::spawn(move || {
        for mut client in theirs.into_iter().rev() {
            let _ = client.write_all(b"ping"); // dropping it closes it
        }
    });
    let mut ready = vec![libc::epoll_event { events: 0, u64: 0 }; 64];
    let (mut served, mut wakeups, mut first) = (0, 0, None);
    while served < CONNECTIONS {
        // SAFETY: `ready` has room for `ready.len()` events.
        let n = unsafe {
            libc::epoll_wait(epoll.as_raw_fd(), ready.as_mut_ptr(), 64, -1)
        };
        if n < 0 {
            return Err(
                format!("epoll_wait: {}", OsError::last_os_error()).into()
            );
        }
        wakeups += 1;
        for event in &ready[..n as usize] {
            let token = event.u64 as usize;
            first.get_or_insert(token);
            let mut message = [0; 4];
            // Readable means a message is there, or the client hung up.
            let _ = ours[token].read(&mut message)?;
            // SAFETY: the descriptor is registered; no event pointer is needed.
            unsafe {
                let op = libc::EPOLL_CTL_DEL;
                let fd = ours[token].as_raw_fd();
                libc::epoll_ctl(
                    epoll.as_raw_fd(),
                    op,
                    fd,
                    std::ptr::null_mut(),
                );
            }
            served += 1;
        }
    }
    clients.join().map_err(|_| "the client thread panicked")?;
    println!("one thread served {served} connections");
    println!("first ready: connection {}", first.unwrap_or(0));
    println!("calls to epoll_wait: {wakeups} (varies)");
    // ANCHOR_END: loop
    Ok(())
}
