//! Question: Where do code, globals, heap and stack live in an address space?
//!
//! Run: cargo run --example ch02-address-space
//! Miri: not run, because it reads the real /proc/self/maps, which knows
//! nothing of Miri's simulated memory.

use std::error::Error;
use std::sync::atomic::{AtomicU64, Ordering};

/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!("usage: cargo run --example ch02-address-space");
    std::process::exit(2)
}

// ANCHOR: statics
/// A constant global: it never changes, so it can sit in read-only memory.
static GREETING: [u8; 5] = *b"hello";

/// A global that the program changes: it needs writable memory.
static COUNTER: AtomicU64 = AtomicU64::new(7);
// ANCHOR_END: statics

/// One thing whose address we look up.
struct Place {
    kind: &'static str,
    what: &'static str,
    address: usize,
}

fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        usage();
    }
    // ANCHOR: locations
    let on_the_heap = Box::new(42_u64);
    let on_the_stack = 42_u64;
    COUNTER.fetch_add(1, Ordering::SeqCst);
    let main_fn: fn() -> Result<(), Box<dyn Error>> = main;
    let place = |kind, what, address| Place {
        kind,
        what,
        address,
    };
    let places = vec![
        place("code", "fn main", main_fn as usize),
        place(
            "read-only data",
            "static GREETING",
            &raw const GREETING as usize,
        ),
        place(
            "writable data",
            "static COUNTER",
            &raw const COUNTER as usize,
        ),
        place("heap", "a Box<u64>", &raw const *on_the_heap as usize),
        place("stack", "a local u64", &raw const on_the_stack as usize),
    ];
    // ANCHOR_END: locations
    describe(places)
}

// ANCHOR: region
/// One line of /proc/self/maps: an address range and what is mapped there.
#[cfg(target_os = "linux")]
struct Region {
    start: usize,
    end: usize,
    perms: String,
    path: String,
}

#[cfg(target_os = "linux")]
impl Region {
    /// Parses `start-end perms offset device inode [path]`. The path is the
    /// rest of the line after the fifth field, and may contain spaces.
    fn parse(line: &str) -> Option<Region> {
        let mut fields = line.splitn(6, ' ');
        let (start, end) = fields.next()?.split_once('-')?;
        let perms = fields.next()?.to_string();
        let path = fields.nth(3).unwrap_or("").trim_start().to_string();
        let start = usize::from_str_radix(start, 16).ok()?;
        let end = usize::from_str_radix(end, 16).ok()?;
        Some(Region {
            start,
            end,
            perms,
            path,
        })
    }
}
// ANCHOR_END: region

// ANCHOR: lookup
#[cfg(target_os = "linux")]
fn describe(mut places: Vec<Place>) -> Result<(), Box<dyn Error>> {
    let exe = std::env::current_exe()?;
    let maps = std::fs::read_to_string("/proc/self/maps")?;
    let regions: Vec<Region> = maps.lines().filter_map(Region::parse).collect();
    let file_name =
        |r: &Region| r.path.rsplit('/').next().unwrap_or("").to_string();
    // The C library is mapped in too: add the start of its code.
    let is_libc = |r: &&Region| {
        r.perms.contains('x') && file_name(r).starts_with("libc.so")
    };
    if let Some(libc) = regions.iter().find(is_libc) {
        places.push(Place {
            kind: "library code",
            what: "the C library",
            address: libc.start,
        });
    }
    places.sort_by_key(|p| std::cmp::Reverse(p.address));
    println!("From the highest address to the lowest, and the region of each:");
    for p in &places {
        let holds = |r: &&Region| r.start <= p.address && p.address < r.end;
        let region = regions.iter().find(holds).ok_or("no region holds it")?;
        let label: String = match region.path.as_str() {
            "" => "an anonymous mapping".into(),
            path if path == exe.as_os_str() => "this program's file".into(),
            path if path.starts_with('[') => path.into(),
            _ => file_name(region),
        };
        let (kind, what, at) = (p.kind, p.what, p.address);
        println!("  {kind:<14} {what:<15} {at:#14x} {} {label}", region.perms);
    }
    Ok(())
}
// ANCHOR_END: lookup

#[cfg(not(target_os = "linux"))]
fn describe(places: Vec<Place>) -> Result<(), Box<dyn Error>> {
    for p in &places {
        println!("  {:<14} {:<15} {:#14x}", p.kind, p.what, p.address);
    }
    println!("Region names come from /proc/self/maps: Linux only.");
    Ok(())
}
