//! Question: What does it cost to pass data between threads and processes?
//!
//! Run: cargo run --example ch12-communication-cost
//! Miri: not run, because it starts child processes.

use std::error::Error;
use std::io::{self, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!(
        "usage: cargo run --example ch12-communication-cost [-- --quick --csv]"
    );
    std::process::exit(2)
}

/// Kills and waits for the child if we return early, so it never outlives us.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        // Both are harmless if the child was already waited for.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The throughput test's buffer sizes, and how many are in flight.
const SIZES: [(usize, &str); 2] = [(64 << 10, "64k"), (1 << 20, "1m")];
const IN_FLIGHT: usize = 4;

type Res<T> = Result<T, Box<dyn Error>>;

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|role| role == "answer") {
        let k = args.get(1).ok_or("no byte count")?.parse()?;
        return Ok(answer(k, io::stdin(), io::stdout())?);
    }
    let (mut quick, mut csv) = (false, false);
    for arg in &args {
        match arg.as_str() {
            "--quick" => quick = true,
            "--csv" => csv = true,
            _ => usage(),
        }
    }
    let n = if quick { 300 } else { 20_000 };
    let runs = if quick { 3 } else { 100 };
    let run: usize = if quick { 1 << 20 } else { 16 << 20 }; // bytes a run
    let s = channel_round_trip(n)?;
    print(csv, "channel_round_trip", "ns", ns(&s), s.n);
    let s = thread_pipe_round_trip(n)?;
    print(csv, "thread_pipe_round_trip", "ns", ns(&s), s.n);
    let s = pipe_to_child(n, 1, 1)?;
    print(csv, "pipe_round_trip", "ns", ns(&s), s.n);
    for (size, size_name) in SIZES {
        // The fastest run has the highest rate: p10 of time, p90 of rate.
        let mib = (run >> 20) as f64;
        let rates =
            |s: Stats| [s.median, s.p90, s.p10].map(|d| mib / d.as_secs_f64());
        let c = rates(channel_throughput(runs, run, size)?);
        let p = rates(pipe_to_child(runs, run, size)?);
        let name = |kind: &str| format!("{kind}_{size_name}");
        print(csv, &name("channel_throughput"), "MiB/s", c, runs);
        print(csv, &name("pipe_throughput"), "MiB/s", p, runs);
        print(csv, &name("channel_vs_pipe"), "ratio", [c[0] / p[0]; 3], 1);
    }
    Ok(())
}

// ANCHOR: channel_round_trip
/// One thread sends a byte through a channel; the other sends it back.
fn channel_round_trip(n: usize) -> Res<Stats> {
    let (ping_tx, ping_rx) = mpsc::channel::<u8>();
    let (pong_tx, pong_rx) = mpsc::channel::<u8>();
    let echo = thread::spawn(move || {
        ping_rx.iter().try_for_each(|byte| pong_tx.send(byte))
    });
    let stats = measure(n, || {
        ping_tx.send(1)?;
        Ok(pong_rx.recv().map(drop)?)
    });
    drop(ping_tx); // ends the echo thread's loop
    echo.join().map_err(|_| "the echo thread panicked")??;
    stats
}
// ANCHOR_END: channel_round_trip

// ANCHOR: pipes
/// `k` bytes into a child's stdin, and its one-byte answer from its stdout:
/// with `k` = 1, a round trip. The kernel copies every byte into the pipe,
/// then out into the child's buffer, where the child reads it.
fn pipe_to_child(n: usize, k: usize, size: usize) -> Res<Stats> {
    let exe = std::env::current_exe()
        .map_err(|e| format!("cannot find this program's file: {e}"))?;
    let mut child = KillOnDrop(
        Command::new(exe)
            .args(["answer", &k.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot spawn the child: {e}"))?,
    );
    let mut to_child = child.0.stdin.take().ok_or("no stdin pipe")?;
    let mut from_child = child.0.stdout.take().ok_or("no stdout pipe")?;
    let stats = exchange(n, [k, size], &mut to_child, &mut from_child)?;
    drop(to_child); // the end of its input: the child exits
    child.0.wait()?;
    Ok(stats)
}

/// The control experiment: the same pipes, between two threads.
fn thread_pipe_round_trip(n: usize) -> Res<Stats> {
    let (to_rx, mut to_tx) = io::pipe()?;
    let (mut from_rx, from_tx) = io::pipe()?;
    let other = thread::spawn(move || answer(1, to_rx, from_tx));
    let stats = exchange(n, [1, 1], &mut to_tx, &mut from_rx);
    drop(to_tx); // the end of its input: the other thread returns
    other.join().map_err(|_| "the other thread panicked")??;
    stats
}

/// Times `n` times `k` bytes to `to`, in `size`-byte writes, one back.
fn exchange(
    n: usize,
    [k, size]: [usize; 2],
    to: &mut impl Write,
    from: &mut impl Read,
) -> Res<Stats> {
    let buffer = vec![1u8; size];
    measure(n, || {
        for _ in 0..k / size {
            to.write_all(&buffer)?;
        }
        Ok(from.read_exact(&mut [0u8; 1])?)
    })
}

/// The other side: reads (all of) `k` bytes, answers one byte; repeats.
fn answer(k: usize, mut from: impl Read, mut to: impl Write) -> io::Result<()> {
    let (mut buffer, mut got) = (vec![0u8; k.min(1 << 20)], 0);
    loop {
        let read = from.read(&mut buffer)?;
        if read == 0 {
            return Ok(()); // the writer closed the pipe
        }
        std::hint::black_box(sum(&buffer[..read]));
        got += read;
        if got == k {
            got = 0;
            to.write_all(b"k")?;
            to.flush()?; // a child's stdout is buffered: send it now
        }
    }
}
// ANCHOR_END: pipes

// ANCHOR: channel_throughput
/// `run` bytes go to a thread in Vecs of `size` bytes, which come back for
/// reuse: a Vec's pointer, length and capacity move, not its bytes.
fn channel_throughput(n: usize, run: usize, size: usize) -> Res<Stats> {
    let (data_tx, data_rx) = mpsc::channel::<Vec<u8>>();
    let (back_tx, back_rx) = mpsc::channel::<Vec<u8>>();
    let consumer = thread::spawn(move || {
        for buffer in data_rx {
            std::hint::black_box(sum(&buffer)); // reads every byte
            let _ = back_tx.send(buffer);
        }
    });
    let mut pool: Vec<_> = (0..IN_FLIGHT).map(|_| vec![1u8; size]).collect();
    let stats = measure(n, || {
        for _ in 0..run / size {
            let buffer = pool.pop().map_or_else(|| back_rx.recv(), Ok)?;
            data_tx.send(buffer)?;
        }
        while pool.len() < IN_FLIGHT {
            pool.push(back_rx.recv()?); // all back: every byte was read
        }
        Ok(())
    });
    drop(data_tx);
    consumer.join().map_err(|_| "the consumer panicked")?;
    stats
}
// ANCHOR_END: channel_throughput

/// Reads every byte of the buffer.
fn sum(buffer: &[u8]) -> u64 {
    buffer.iter().map(|&byte| u64::from(byte)).sum()
}

// ANCHOR: measure
/// Median, 10th and 90th percentile of `n` timed runs.
struct Stats {
    median: Duration,
    p10: Duration,
    p90: Duration,
    n: usize,
}

/// Times `run` `n` times, after `n / 10 + 1` untimed warm-up runs.
fn measure(
    n: usize,
    mut run: impl FnMut() -> Result<(), Box<dyn Error>>,
) -> Result<Stats, Box<dyn Error>> {
    for _ in 0..n / 10 + 1 {
        run()?;
    }
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        run()?;
        times.push(start.elapsed());
    }
    times.sort();
    let at = |percent: usize| times[(n - 1) * percent / 100];
    Ok(Stats {
        median: at(50),
        p10: at(10),
        p90: at(90),
        n,
    })
}
// ANCHOR_END: measure

/// One figure, as a CSV row or a line for people. A ratio's p10 and p90
/// repeat its value (it is one ratio of two medians), with n = 1.
fn print(csv: bool, name: &str, unit: &str, values: [f64; 3], n: usize) {
    let [median, p10, p90] = values;
    let d = if unit == "ratio" { 1 } else { 0 };
    if csv {
        println!("{name},{unit},{median:.d$},{p10:.d$},{p90:.d$},{n}");
    } else if unit == "ratio" {
        println!("  {name:<26} {median:.1} times (varies)");
    } else {
        print!("  {name}: {median:.0} {unit} ");
        println!("(p10 {p10:.0} {unit}, p90 {p90:.0} {unit}, n={n})");
    }
}

/// The median, p10 and p90 in nanoseconds.
fn ns(s: &Stats) -> [f64; 3] {
    [s.median, s.p10, s.p90].map(|d| d.as_nanos() as f64)
}
