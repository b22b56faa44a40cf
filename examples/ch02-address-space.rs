//! Question: Where in a process's address space do code, globals, heap and stack live?
//!
//! Run: cargo run --example ch02-address-space
//!
//! Miri: not run, because its addresses are looked up in the real
//! /proc/self/maps, which knows nothing of Miri's simulated memory.
//!
//! The program takes the address of a function, two statics, a heap
//! allocation and a local variable. On Linux it then looks each address up
//! in `/proc/self/maps`, the kernel's list of this process's memory regions,
//! and prints which region holds it.

use std::error::Error;
use std::sync::atomic::{AtomicU64, Ordering};

const USAGE: &str = "usage: cargo run --example ch02-address-space";

// ANCHOR: statics
/// A constant global: it never changes, so it can sit in read-only memory.
static GREETING: [u8; 5] = *b"hello";

/// A global that the program changes: it needs writable memory.
static COUNTER: AtomicU64 = AtomicU64::new(7);
// ANCHOR_END: statics

/// One thing whose address we look up.
struct Item {
    /// The section of the address space it belongs to.
    kind: &'static str,
    /// What the thing is.
    what: &'static str,
    address: usize,
}

fn main() -> Result<(), Box<dyn Error>> {
    if std::env::args().len() > 1 {
        eprintln!("{USAGE}");
        std::process::exit(2);
    }

    // ANCHOR: locations
    let on_the_heap = Box::new(42_u64);
    let on_the_stack = 42_u64;
    COUNTER.fetch_add(1, Ordering::SeqCst);

    let items = [
        Item {
            kind: "code",
            what: "the function main",
            address: main as fn() -> Result<(), Box<dyn Error>> as usize,
        },
        Item {
            kind: "read-only data",
            what: "static GREETING",
            address: &raw const GREETING as usize,
        },
        Item {
            kind: "writable data",
            what: "static COUNTER",
            address: &raw const COUNTER as usize,
        },
        Item {
            kind: "heap",
            what: "a Box<u64>",
            address: &raw const *on_the_heap as usize,
        },
        Item {
            kind: "stack",
            what: "a local u64",
            address: &raw const on_the_stack as usize,
        },
    ];
    // ANCHOR_END: locations

    describe(&items)
}

/// One line of `/proc/self/maps`: an address range and what is mapped there.
#[cfg(target_os = "linux")]
struct Region {
    start: usize,
    end: usize,
    /// Permissions: read, write, execute, and `p` for private (copy-on-write).
    perms: String,
    /// A file path, a kernel label such as `[heap]`, or empty (anonymous).
    path: String,
}

#[cfg(target_os = "linux")]
fn read_maps() -> Result<Vec<Region>, Box<dyn Error>> {
    let maps = std::fs::read_to_string("/proc/self/maps")
        .map_err(|e| format!("cannot read /proc/self/maps: {e}"))?;
    let mut regions = Vec::new();
    for line in maps.lines() {
        // start-end perms offset device inode [path]
        let mut fields = line.split_whitespace();
        let (Some(range), Some(perms)) = (fields.next(), fields.next()) else {
            continue;
        };
        let path = fields.nth(3).unwrap_or_default().to_string();
        let Some((start, end)) = range.split_once('-') else {
            continue;
        };
        regions.push(Region {
            start: usize::from_str_radix(start, 16)?,
            end: usize::from_str_radix(end, 16)?,
            perms: perms.to_string(),
            path,
        });
    }
    Ok(regions)
}

/// A name for a region that is the same on every run and every machine.
#[cfg(target_os = "linux")]
fn region_name(region: &Region, exe: &std::path::Path) -> String {
    let path = region.path.trim_end_matches(" (deleted)");
    let file = std::path::Path::new(path)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    if path.is_empty() {
        "an anonymous mapping".to_string()
    } else if path.starts_with('[') {
        path.to_string()
    } else if std::path::Path::new(path) == exe {
        format!("{file} (this program's file)")
    } else {
        format!("{file} (a file)")
    }
}

#[cfg(target_os = "linux")]
fn describe(items: &[Item]) -> Result<(), Box<dyn Error>> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find my own program: {e}"))?;
    let regions = read_maps()?;
    let find = |address: usize| {
        regions
            .iter()
            .find(|r| r.start <= address && address < r.end)
    };

    // ANCHOR: lookup
    println!("Each address and the region of /proc/self/maps that holds it:");
    for item in items {
        let region =
            find(item.address).ok_or_else(|| format!("no region holds {:#x}", item.address))?;
        println!(
            "  {:<14} {:<18} {}  {:<40} {:#x}",
            item.kind,
            item.what,
            region.perms,
            region_name(region, &exe),
            item.address,
        );
    }
    // ANCHOR_END: lookup

    // The C library is mapped in too; take the start of its code.
    let mut layout: Vec<(usize, String)> = items
        .iter()
        .map(|item| (item.address, format!("{} ({})", item.kind, item.what)))
        .collect();
    let libc = regions.iter().find(|r| {
        r.perms.contains('x')
            && std::path::Path::new(&r.path)
                .file_name()
                .is_some_and(|f| f.to_string_lossy().starts_with("libc.so"))
    });
    if let Some(libc) = libc {
        layout.push((
            libc.start,
            "shared library (the C library's code)".to_string(),
        ));
    }
    layout.sort();
    println!("The same places, from the highest address to the lowest:");
    for (address, label) in layout.iter().rev() {
        println!("  {label:<40} {address:#x}");
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn describe(items: &[Item]) -> Result<(), Box<dyn Error>> {
    for item in items {
        println!("  {:<14} {:<18} {:#x}", item.kind, item.what, item.address);
    }
    println!(
        "The names of the regions come from /proc/self/maps, which only Linux has, \
         so this system shows the addresses alone."
    );
    Ok(())
}
