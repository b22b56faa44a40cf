//! Finding processes an example left behind (Linux only).
//!
//! The test process makes itself a *child subreaper*: when an example exits
//! and leaves a child running (an orphan) or unreaped (a zombie), the kernel
//! hands that process to us instead of to init. After each example, any
//! child of ours that we did not start is something the example left behind.

/// A process whose parent is this process: after an example ended, one the
/// example left behind (handed to us because we are its subreaper).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftoverProcess {
    pub pid: i32,
    /// `Z` for a zombie, `R`/`S`/... for a live orphan.
    pub state: char,
    /// The kernel's short name for it (the first 15 bytes of the program name).
    pub comm: String,
}

/// Makes this process the subreaper of its descendants.
#[cfg(target_os = "linux")]
pub fn become_subreaper() -> Result<(), String> {
    // SAFETY: prctl(PR_SET_CHILD_SUBREAPER, 1) only sets a flag on this
    // process; the remaining arguments are ignored by the kernel.
    let rc = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    if rc == 0 {
        Ok(())
    } else {
        Err(format!(
            "prctl(PR_SET_CHILD_SUBREAPER) failed: {}",
            std::io::Error::last_os_error()
        ))
    }
}

/// Every process whose parent is this process, read from `/proc`.
#[cfg(target_os = "linux")]
pub fn children() -> Vec<LeftoverProcess> {
    let me = std::process::id() as i32;
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat"))
        else {
            continue;
        };
        if let Some((process, ppid)) = parse_stat(pid, &stat)
            && ppid == me
        {
            found.push(process);
        }
    }
    found.sort_by_key(|c| c.pid);
    found
}

/// Kills (if alive) and reaps a leftover child, so one failure does not leak
/// into the next check.
#[cfg(target_os = "linux")]
pub fn reap(pid: i32) {
    // SAFETY: kill and waitpid on a pid that /proc just listed as our child;
    // at worst they fail with ESRCH/ECHILD, which we ignore.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
        let mut status = 0;
        libc::waitpid(pid, &mut status, 0);
    }
}

/// Reads `/proc/PID/stat`: the process and its parent's pid. The format is
/// `pid (comm) state ppid ...`, where comm may hold spaces and parentheses.
pub fn parse_stat(pid: i32, stat: &str) -> Option<(LeftoverProcess, i32)> {
    let (open, close) = (stat.find('(')?, stat.rfind(')')?);
    let comm = stat.get(open + 1..close)?.to_string();
    let mut rest = stat.get(close + 1..)?.split_whitespace();
    let state = rest.next()?.chars().next()?;
    let ppid = rest.next()?.parse::<i32>().ok()?;
    Some((LeftoverProcess { pid, state, comm }, ppid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_parse_even_with_parentheses_in_the_name() {
        let (process, ppid) =
            parse_stat(42, "42 (a (b) c) Z 7 42 42 0 -1 4194560")
                .expect("valid");
        assert_eq!(
            process,
            LeftoverProcess {
                pid: 42,
                state: 'Z',
                comm: "a (b) c".into()
            }
        );
        assert_eq!(ppid, 7);
        assert_eq!(parse_stat(1, "1 (init S 0"), None);
        assert_eq!(parse_stat(1, "1 (init) S"), None);
    }
}
