//! Question: What does it cost to pass data between threads, and between processes?
//!
//! Run: cargo run --example ch12-communication-cost
//!
//! Miri: not run, because it starts child processes and pins threads to CPUs through libc.
//!
//! Arguments: `--quick` (few repetitions, for the tests), `--csv` (one row
//! per figure, for the reference data). Measure with `--release` for
//! figures you mean to quote.

use std::error::Error;
use std::io::{Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: cargo run --example ch12-communication-cost [-- [--quick] [--csv]]";
/// Hidden argument: the child that sends every byte it reads straight back.
/// It is followed by the CPU to pin itself to, or `any`.
const CHILD_ECHO: &str = "--child-echo";
/// Hidden argument: the child that reads N bytes, answers one byte, repeats.
const CHILD_SINK: &str = "--child-sink";
/// Every measurement, and every wait for a child, ends after this.
const LIMIT: Duration = Duration::from_secs(20);
/// The throughput test moves its bytes in buffers of each of these sizes,
/// with this many buffers in flight on the channel.
const BUFFER_SIZES: [(usize, &str, &str); 2] =
    [(64 * 1024, "64k", "64 KiB"), (1024 * 1024, "1m", "1 MiB")];
const POOL: usize = 4;

#[derive(Clone, Copy)]
struct Reps {
    warm_up: usize,
    measured: usize,
}

struct Plan {
    round_trip: Reps,
    bulk: Reps,
    /// Bytes moved per repetition of the throughput test.
    bytes: usize,
}

const QUICK: Plan = Plan {
    round_trip: Reps {
        warm_up: 50,
        measured: 300,
    },
    bulk: Reps {
        warm_up: 2,
        measured: 10,
    },
    bytes: 4 * 1024 * 1024,
};

const FULL: Plan = Plan {
    round_trip: Reps {
        warm_up: 1_000,
        measured: 20_000,
    },
    bulk: Reps {
        warm_up: 10,
        measured: 100,
    },
    bytes: 16 * 1024 * 1024,
};

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [role, cpu] if role == CHILD_ECHO => return echo_child(cpu),
        [role, bytes, cpu] if role == CHILD_SINK => return sink_child(bytes, cpu),
        _ => {}
    }
    let (mut quick, mut csv) = (false, false);
    for arg in &args {
        match arg.as_str() {
            "--quick" => quick = true,
            "--csv" => csv = true,
            _ => {
                eprintln!("{USAGE}");
                std::process::exit(2);
            }
        }
    }
    let plan = if quick { QUICK } else { FULL };
    let report = Report::new(csv);
    report.intro(quick);
    let placement = Placement::find()?;
    report.line(&placement.describe());

    report.heading("round trip of a one-byte message (latency):");
    for (place, name, label, varies) in [
        (placement.same, "same_cpu", "same CPU", false),
        (placement.cross, "cross_cpu", "different CPUs", true),
        (Some((None, None)), "unpinned", "unpinned", false),
    ] {
        let channel = format!("channel_round_trip_{name}");
        let thread_pipe = format!("thread_pipe_round_trip_{name}");
        let pipe = format!("pipe_round_trip_{name}");
        let channel_label = format!("channel between threads, {label}");
        let thread_pipe_label = format!("pipe between threads, {label}");
        let pipe_label = format!("pipe between processes, {label}");
        match place {
            Some((a, b)) => {
                let samples = bounded(move || channel_round_trip(plan.round_trip, a, b))?;
                report.times(&channel, &channel_label, &samples, varies);
                let samples = bounded(move || thread_pipe_round_trip(plan.round_trip, a, b))?;
                report.times(&thread_pipe, &thread_pipe_label, &samples, varies);
                let samples = pipe_round_trip(plan.round_trip, a, b)?;
                report.times(&pipe, &pipe_label, &samples, varies);
            }
            None => {
                let why = placement.why_not();
                report.skipped(&channel_label, why);
                report.skipped(&thread_pipe_label, why);
                report.skipped(&pipe_label, why);
            }
        }
    }

    report.heading(&format!(
        "moving {} MiB per repetition (throughput):",
        plan.bytes / (1024 * 1024)
    ));
    // Where pinning is not available, one unpinned run of each.
    let places = match placement.allowed {
        Some(_) => [
            (placement.same, "same_cpu", "same CPU", false),
            (placement.cross, "cross_cpu", "different CPUs", true),
        ]
        .to_vec(),
        None => [(Some((None, None)), "unpinned", "unpinned", false)].to_vec(),
    };
    for (size, size_name, size_label) in BUFFER_SIZES {
        for &(place, name, label, varies) in &places {
            let channel = format!("channel_throughput_{size_name}_{name}");
            let pipe = format!("pipe_throughput_{size_name}_{name}");
            let channel_label = format!("channel of {size_label} Vec<u8>s, {label}");
            let pipe_label = format!("pipe, {size_label} writes, {label}");
            match place {
                Some((a, b)) => {
                    let (reps, bytes) = (plan.bulk, plan.bytes);
                    let samples = bounded(move || channel_throughput(reps, bytes, size, a, b))?;
                    report.rates(&channel, &channel_label, &samples, varies);
                    let samples = pipe_throughput(reps, bytes, size, a, b)?;
                    report.rates(&pipe, &pipe_label, &samples, varies);
                }
                None => {
                    let why = placement.why_not();
                    report.skipped(&channel_label, why);
                    report.skipped(&pipe_label, why);
                }
            }
        }
    }
    report.ratios();
    Ok(())
}

/// Runs `work` on a helper thread and waits for it at most LIMIT, so the
/// timed loops can use plain blocking calls and still never hang the program.
fn bounded<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, Box<dyn Error>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(work());
    });
    match rx.recv_timeout(LIMIT) {
        Ok(result) => Ok(result?),
        Err(_) => Err("a measurement did not finish in time".into()),
    }
}

// ANCHOR: channel_round_trip
/// One thread sends a byte through a channel; the other sends it back.
fn channel_round_trip(
    reps: Reps,
    cpu_a: Option<usize>,
    cpu_b: Option<usize>,
) -> Result<Vec<Duration>, String> {
    let (ping_tx, ping_rx) = mpsc::channel::<u8>();
    let (pong_tx, pong_rx) = mpsc::channel::<u8>();
    let echo = thread::spawn(move || -> Result<(), String> {
        pin_current_thread(cpu_b)?;
        while let Ok(byte) = ping_rx.recv() {
            pong_tx.send(byte).map_err(|_| "the other thread left")?;
        }
        Ok(()) // the sender is gone: the measurement is over
    });
    pin_current_thread(cpu_a)?;
    let mut samples = Vec::with_capacity(reps.measured);
    for i in 0..reps.warm_up + reps.measured {
        let start = Instant::now();
        ping_tx.send(i as u8).map_err(|_| "the echo thread left")?;
        let back = pong_rx.recv().map_err(|_| "the echo thread left")?;
        let elapsed = start.elapsed();
        if back != i as u8 {
            return Err("the echo thread sent back something else".into());
        }
        if i >= reps.warm_up {
            samples.push(elapsed);
        }
    }
    drop(ping_tx);
    echo.join().map_err(|_| "the echo thread panicked")??;
    Ok(samples)
}
// ANCHOR_END: channel_round_trip

// ANCHOR: thread_pipe_round_trip
/// The control experiment: the same pipes as between two processes, but
/// between two threads of this one.
fn thread_pipe_round_trip(
    reps: Reps,
    cpu_a: Option<usize>,
    cpu_b: Option<usize>,
) -> Result<Vec<Duration>, String> {
    let (mut ping_rx, mut ping_tx) = std::io::pipe().map_err(|e| format!("pipe: {e}"))?;
    let (mut pong_rx, mut pong_tx) = std::io::pipe().map_err(|e| format!("pipe: {e}"))?;
    let echo = thread::spawn(move || -> Result<(), String> {
        pin_current_thread(cpu_b)?;
        let mut byte = [0u8; 1];
        // A read of 0 bytes: the writer is gone, the measurement is over.
        while ping_rx.read(&mut byte).map_err(|e| format!("read: {e}"))? == 1 {
            pong_tx
                .write_all(&byte)
                .map_err(|e| format!("write: {e}"))?;
        }
        Ok(())
    });
    pin_current_thread(cpu_a)?;
    let samples = time_byte_round_trips(reps, &mut ping_tx, &mut pong_rx)?;
    drop(ping_tx);
    echo.join().map_err(|_| "the echo thread panicked")??;
    Ok(samples)
}
// ANCHOR_END: thread_pipe_round_trip

// ANCHOR: byte_round_trips
/// Writes one byte into `to` and waits for it to come back on `from`, again
/// and again; returns the time of each round trip after the warm-up. The
/// same loop times a pipe between two threads and a pipe to a child process:
/// only what is at the other end differs.
fn time_byte_round_trips(
    reps: Reps,
    to: &mut impl Write,
    from: &mut impl Read,
) -> Result<Vec<Duration>, String> {
    let mut samples = Vec::with_capacity(reps.measured);
    let mut back = [0u8; 1];
    for i in 0..reps.warm_up + reps.measured {
        let start = Instant::now();
        to.write_all(&[i as u8])
            .map_err(|e| format!("write: {e}"))?;
        from.read_exact(&mut back)
            .map_err(|e| format!("read: {e}"))?;
        let elapsed = start.elapsed();
        if back[0] != i as u8 {
            return Err("the other end sent back something else".into());
        }
        if i >= reps.warm_up {
            samples.push(elapsed);
        }
    }
    Ok(samples)
}
// ANCHOR_END: byte_round_trips

/// Kills and reaps the child if we leave early, so no zombie stays.
struct ChildGuard(Option<Child>);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts a copy of this program in a child role, with pipes to and from it.
fn start_child(
    role: &str,
    args: &[&str],
) -> Result<(ChildGuard, ChildStdin, ChildStdout), Box<dyn Error>> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find own program: {e}"))?;
    let mut child = Command::new(exe)
        .arg(role)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("could not spawn child: {e}"))?;
    let to_child = child.stdin.take().ok_or("child has no stdin pipe")?;
    let from_child = child.stdout.take().ok_or("child has no stdout pipe")?;
    Ok((ChildGuard(Some(child)), to_child, from_child))
}

/// Waits at most LIMIT for the child to exit after its stdin was closed.
fn finish_child(mut guard: ChildGuard) -> Result<(), Box<dyn Error>> {
    let child = guard.0.as_mut().ok_or("no child to wait for")?;
    let deadline = Instant::now() + LIMIT;
    loop {
        if let Some(status) = child.try_wait()? {
            guard.0 = None; // reaped
            return if status.success() {
                Ok(())
            } else {
                Err(format!("the child failed: {status}").into())
            };
        }
        if Instant::now() > deadline {
            return Err("the child did not exit in time".into()); // the guard kills it
        }
        thread::sleep(Duration::from_millis(1));
    }
}

// ANCHOR: pipe_round_trip
/// This process writes a byte into the child's stdin; the child writes it
/// back on its stdout. Each byte crosses the kernel twice each way.
fn pipe_round_trip(
    reps: Reps,
    cpu_a: Option<usize>,
    cpu_b: Option<usize>,
) -> Result<Vec<Duration>, Box<dyn Error>> {
    let child_cpu = cpu_b.map_or("any".to_string(), |c| c.to_string());
    let (guard, mut to_child, mut from_child) = start_child(CHILD_ECHO, &[&child_cpu])?;
    // If the time runs out, `guard` kills the child, which ends the reads.
    let samples = bounded(move || {
        pin_current_thread(cpu_a)?;
        // Dropping `to_child` afterwards closes the pipe: the child exits.
        time_byte_round_trips(reps, &mut to_child, &mut from_child)
    })?;
    finish_child(guard)?;
    Ok(samples)
}
// ANCHOR_END: pipe_round_trip

fn echo_child(cpu: &str) -> Result<(), Box<dyn Error>> {
    pin_current_thread(parse_cpu(cpu)?)?;
    let (mut input, mut output) = (std::io::stdin().lock(), std::io::stdout().lock());
    let mut byte = [0u8; 1];
    while input.read(&mut byte)? == 1 {
        output.write_all(&byte)?;
        output.flush()?; // stdout is buffered: push the byte out now
    }
    Ok(())
}

// ANCHOR: channel_throughput
/// `bytes` go to another thread in buffers of `size` bytes, which come back
/// for reuse, POOL of them in flight. Only each Vec (pointer, length,
/// capacity) moves; the bytes stay where they are.
fn channel_throughput(
    reps: Reps,
    bytes: usize,
    size: usize,
    cpu_a: Option<usize>,
    cpu_b: Option<usize>,
) -> Result<Vec<f64>, String> {
    let count = bytes / size;
    let (data_tx, data_rx) = mpsc::channel::<Vec<u8>>();
    let (back_tx, back_rx) = mpsc::channel::<Vec<u8>>();
    let (done_tx, done_rx) = mpsc::channel::<u64>();
    let consumer = thread::spawn(move || -> Result<(), String> {
        pin_current_thread(cpu_b)?;
        let mut sum = 0u64;
        while let Ok(buffer) = data_rx.recv() {
            sum += u64::from(buffer[0]); // the receiver reads the data in place
            let last = buffer[1] == 1;
            if back_tx.send(buffer).is_err() || (last && done_tx.send(sum).is_err()) {
                break;
            }
        }
        Ok(())
    });
    pin_current_thread(cpu_a)?;
    let mut pool: Vec<Vec<u8>> = (0..POOL).map(|_| vec![7u8; size]).collect();
    let mut rates = Vec::with_capacity(reps.measured);
    for rep in 0..reps.warm_up + reps.measured {
        let start = Instant::now();
        for i in 0..count {
            let mut buffer = match pool.pop() {
                Some(b) => b,
                None => back_rx.recv().map_err(|_| "the consumer left")?,
            };
            buffer[1] = u8::from(i == count - 1); // marks the last one
            data_tx.send(buffer).map_err(|_| "the consumer left")?;
        }
        done_rx.recv().map_err(|_| "the consumer left")?;
        let elapsed = start.elapsed();
        pool.extend(back_rx.try_iter());
        if rep >= reps.warm_up {
            rates.push(mib_per_s(bytes, elapsed));
        }
    }
    drop(data_tx);
    consumer.join().map_err(|_| "the consumer panicked")??;
    Ok(rates)
}
// ANCHOR_END: channel_throughput

// ANCHOR: pipe_throughput
/// The same bytes written into a child's stdin in writes of `size` bytes:
/// the kernel copies them into the pipe, then out into the child's buffer.
fn pipe_throughput(
    reps: Reps,
    bytes: usize,
    size: usize,
    cpu_a: Option<usize>,
    cpu_b: Option<usize>,
) -> Result<Vec<f64>, Box<dyn Error>> {
    let child_cpu = cpu_b.map_or("any".to_string(), |c| c.to_string());
    let (guard, mut to_child, mut from_child) =
        start_child(CHILD_SINK, &[&bytes.to_string(), &child_cpu])?;
    let rates = bounded(move || {
        pin_current_thread(cpu_a)?;
        let buffer = vec![7u8; size];
        let mut ack = [0u8; 1];
        let mut rates = Vec::with_capacity(reps.measured);
        for rep in 0..reps.warm_up + reps.measured {
            let start = Instant::now();
            for _ in 0..bytes / size {
                to_child
                    .write_all(&buffer)
                    .map_err(|e| format!("write to child: {e}"))?;
            }
            // The child answers once it has read every byte of this repetition.
            from_child
                .read_exact(&mut ack)
                .map_err(|e| format!("read from child: {e}"))?;
            let elapsed = start.elapsed();
            if rep >= reps.warm_up {
                rates.push(mib_per_s(bytes, elapsed));
            }
        }
        Ok(rates)
    })?;
    finish_child(guard)?;
    Ok(rates)
}
// ANCHOR_END: pipe_throughput

fn sink_child(bytes: &str, cpu: &str) -> Result<(), Box<dyn Error>> {
    let per_rep: usize = bytes
        .parse()
        .map_err(|_| format!("bad byte count {bytes}"))?;
    pin_current_thread(parse_cpu(cpu)?)?;
    let (mut input, mut output) = (std::io::stdin().lock(), std::io::stdout().lock());
    let mut buffer = vec![0u8; 1024 * 1024];
    loop {
        let mut got = 0;
        while got < per_rep {
            let n = input.read(&mut buffer)?;
            if n == 0 {
                return Ok(()); // the parent closed the pipe
            }
            got += n;
        }
        output.write_all(b"k")?;
        output.flush()?;
    }
}

/// A child's CPU argument: a number, or `any`.
fn parse_cpu(cpu: &str) -> Result<Option<usize>, String> {
    match cpu {
        "any" => Ok(None),
        n => n
            .parse()
            .map(Some)
            .map_err(|_| format!("bad CPU number {n}")),
    }
}

fn mib_per_s(bytes: usize, elapsed: Duration) -> f64 {
    bytes as f64 / (1024.0 * 1024.0) / elapsed.as_secs_f64().max(1e-9)
}

/// Which CPUs the two sides run on: `None` leaves the choice to the OS.
type Place = (Option<usize>, Option<usize>);

struct Placement {
    /// The CPUs this process may use, if the OS tells.
    allowed: Option<Vec<usize>>,
    same: Option<Place>,
    cross: Option<Place>,
}

impl Placement {
    fn find() -> Result<Self, Box<dyn Error>> {
        let allowed = allowed_cpus()?;
        let (same, cross) = match allowed.as_deref() {
            Some([a, b, ..]) => (Some((Some(*a), Some(*a))), Some((Some(*a), Some(*b)))),
            Some([a]) => (Some((Some(*a), Some(*a))), None),
            _ => (None, None),
        };
        Ok(Placement {
            allowed,
            same,
            cross,
        })
    }

    fn describe(&self) -> String {
        match self.allowed.as_deref() {
            Some([a, b, ..]) => {
                format!("pinning: threads and processes pinned to CPUs {a} and {b} (varies)")
            }
            Some(_) => "pinning: this process may use one CPU only (varies)".to_string(),
            None => {
                "pinning to a CPU is not available on this OS: the OS places both sides".to_string()
            }
        }
    }

    /// Why a placement cannot be measured here.
    fn why_not(&self) -> &'static str {
        match self.allowed {
            None => "pinning is not available on this OS",
            Some(_) => "this process may use one CPU only",
        }
    }
}

#[cfg(target_os = "linux")]
fn allowed_cpus() -> Result<Option<Vec<usize>>, Box<dyn Error>> {
    // SAFETY: cpu_set_t is a plain bit array; all zeros is a valid empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a live cpu_set_t and we pass its exact size; pid 0
    // means the calling thread.
    let rc = unsafe { libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut set) };
    if rc != 0 {
        return Err(format!("sched_getaffinity: {}", std::io::Error::last_os_error()).into());
    }
    let cpus = (0..libc::CPU_SETSIZE as usize)
        // SAFETY: `cpu` is below CPU_SETSIZE, the number of bits in the set.
        .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
        .collect();
    Ok(Some(cpus))
}

#[cfg(not(target_os = "linux"))]
fn allowed_cpus() -> Result<Option<Vec<usize>>, Box<dyn Error>> {
    Ok(None)
}

// ANCHOR: pin
/// Makes the calling thread run only on `cpu` (nothing to do for `None`).
#[cfg(target_os = "linux")]
fn pin_current_thread(cpu: Option<usize>) -> Result<(), String> {
    let Some(cpu) = cpu else { return Ok(()) };
    // SAFETY: cpu_set_t is a plain bit array; all zeros is a valid empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `cpu` came from sched_getaffinity, so it is below CPU_SETSIZE.
    unsafe { libc::CPU_SET(cpu, &mut set) };
    // SAFETY: `set` is a live cpu_set_t of the size we pass; pid 0 means
    // the calling thread only.
    let rc = unsafe { libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set) };
    if rc == 0 {
        Ok(())
    } else {
        Err(format!(
            "cannot pin to CPU {cpu}: {}",
            std::io::Error::last_os_error()
        ))
    }
}
// ANCHOR_END: pin

#[cfg(not(target_os = "linux"))]
fn pin_current_thread(cpu: Option<usize>) -> Result<(), String> {
    match cpu {
        None => Ok(()),
        Some(_) => Err("pinning is not available on this OS".to_string()),
    }
}

/// Median, 10th and 90th percentile.
struct Stats {
    median: f64,
    p10: f64,
    p90: f64,
    n: usize,
}

fn stats(samples: &[f64]) -> Stats {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    Stats {
        median: at(0.5),
        p10: at(0.1),
        p90: at(0.9),
        n: sorted.len(),
    }
}

/// Three significant digits.
fn digits(value: f64) -> String {
    let decimals = if value < 10.0 {
        2
    } else if value < 100.0 {
        1
    } else {
        0
    };
    format!("{value:.decimals$}")
}

/// A duration in nanoseconds, in the unit that fits: `812ns`, `25.1µs`.
fn show_ns(ns: f64) -> String {
    if ns < 1e3 {
        format!("{}ns", digits(ns))
    } else if ns < 1e6 {
        format!("{}µs", digits(ns / 1e3))
    } else if ns < 1e9 {
        format!("{}ms", digits(ns / 1e6))
    } else {
        format!("{}s", digits(ns / 1e9))
    }
}

/// A rate in MiB/s, shown in MiB/s or GiB/s.
fn show_rate(mib_s: f64) -> String {
    if mib_s < 1024.0 {
        format!("{} MiB/s", digits(mib_s))
    } else {
        format!("{} GiB/s", digits(mib_s / 1024.0))
    }
}

struct Report {
    csv: bool,
    medians: std::cell::RefCell<Vec<(String, f64)>>,
}

impl Report {
    fn new(csv: bool) -> Self {
        Report {
            csv,
            medians: std::cell::RefCell::new(Vec::new()),
        }
    }

    fn intro(&self, quick: bool) {
        if self.csv {
            println!("name,unit,median,p10,p90,n");
            return;
        }
        println!("What it costs to pass data between threads and between processes.");
        println!("machine: {} (varies)", machine());
        if quick {
            println!("mode: --quick, few repetitions (run without it for real figures)");
        }
        if cfg!(debug_assertions) {
            println!("build: debug (add --release for figures you mean to quote)");
        }
        println!("each row: median of n timed runs after a warm-up, with p10 and p90");
    }

    fn line(&self, text: &str) {
        if !self.csv {
            println!("{text}");
        }
    }

    fn heading(&self, text: &str) {
        if !self.csv {
            println!();
            println!("{text}");
        }
    }

    fn times(&self, name: &str, label: &str, samples: &[Duration], varies: bool) {
        let ns: Vec<f64> = samples.iter().map(|d| d.as_nanos() as f64).collect();
        let s = stats(&ns);
        self.record(name, s.median);
        if self.csv {
            println!(
                "{name},ns,{:.0},{:.0},{:.0},{}",
                s.median, s.p10, s.p90, s.n
            );
        } else {
            println!(
                "  {:<44} median {} (p10 {}, p90 {}, n={}){}",
                format!("{label}:"),
                show_ns(s.median),
                show_ns(s.p10),
                show_ns(s.p90),
                s.n,
                if varies { " (varies)" } else { "" }
            );
        }
    }

    fn rates(&self, name: &str, label: &str, samples: &[f64], varies: bool) {
        let s = stats(samples);
        self.record(name, s.median);
        if self.csv {
            println!(
                "{name},MiB/s,{:.0},{:.0},{:.0},{}",
                s.median, s.p10, s.p90, s.n
            );
        } else {
            println!(
                "  {:<44} median {} (p10 {}, p90 {}, n={}){}",
                format!("{label}:"),
                show_rate(s.median),
                show_rate(s.p10),
                show_rate(s.p90),
                s.n,
                if varies { " (varies)" } else { "" }
            );
        }
    }

    fn skipped(&self, label: &str, why: &str) {
        if !self.csv {
            println!("  {:<44} not measured: {why} (varies)", format!("{label}:"));
        }
    }

    fn record(&self, name: &str, median: f64) {
        self.medians.borrow_mut().push((name.to_string(), median));
    }

    fn ratios(&self) {
        if self.csv {
            return;
        }
        let medians = self.medians.borrow();
        let get = |name: &str| medians.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
        println!();
        for (_, size, label) in BUFFER_SIZES {
            for place in ["same_cpu", "unpinned"] {
                let channel = get(&format!("channel_throughput_{size}_{place}"));
                let pipe = get(&format!("pipe_throughput_{size}_{place}"));
                if let (Some(c), Some(p)) = (channel, pipe) {
                    let place = place.replace('_', " ");
                    println!(
                        "in {label} buffers ({place}), a channel moves this many times the bytes of a pipe: {:.0} (varies)",
                        c / p
                    );
                }
            }
        }
    }
}

/// CPU model, usable CPUs, OS and architecture.
fn machine() -> String {
    let cpus = thread::available_parallelism().map_or(1, |n| n.get());
    format!(
        "{}, {cpus} CPUs usable, {} {}",
        cpu_model(),
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

#[cfg(target_os = "linux")]
fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, model)| model.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string())
}

#[cfg(not(target_os = "linux"))]
fn cpu_model() -> String {
    "CPU model not read on this OS".to_string()
}
