//! Miri runs: the examples whose own code uses `unsafe` or atomics, run
//! under the Miri interpreter, which reports undefined behaviour such as a
//! data race. Their recorded runs are `examples/outputs/NAME.miri.txt`,
//! whose command is `$ cargo +nightly miri run --example NAME [-- ARGS]`.
//!
//! An example that cannot run under Miri (Miri cannot start processes or
//! call most foreign functions) says so in its header:
//! `//! Miri: not run, because ...`.

use std::path::Path;
use std::process::Command;

use crate::outputs::{self, CapturedRun, Recorded, Runner};

/// How long one Miri run may take: Miri interprets the program, thousands of
/// times slower than a native run.
pub const MIRI_TIME_LIMIT: std::time::Duration =
    std::time::Duration::from_secs(600);

/// The pinned nightly, from `[workspace.metadata.miri]` in `Cargo.toml`.
pub fn toolchain(root: &Path) -> Result<String, String> {
    crate::toml_value(
        root,
        "Cargo.toml",
        &["workspace", "metadata", "miri", "toolchain"],
    )?
    .as_str()
    .map(str::to_string)
    .ok_or_else(|| {
        "[workspace.metadata.miri] toolchain must be a string".to_string()
    })
}

/// True when an example's own code uses `unsafe` or atomics (comments aside).
pub fn needs_miri(source: &str) -> bool {
    source.lines().any(|l| {
        let code = l.split("//").next().unwrap_or_default();
        code.contains("unsafe") || code.contains("Atomic")
    })
}

/// The reason an example gives for not running under Miri, if any.
pub fn exemption(source: &str) -> Option<String> {
    source
        .lines()
        .map_while(|l| l.strip_prefix("//!"))
        .find_map(|l| {
            l.trim()
                .strip_prefix("Miri: not run")
                .map(|r| r.trim().to_string())
        })
}

/// Every recorded Miri run.
pub fn recorded(root: &Path) -> Result<Vec<Recorded>, String> {
    Ok(outputs::recorded_runs(root)?
        .into_iter()
        .filter(|r| r.runner == Runner::Miri)
        .collect())
}

/// Installs the pinned nightly with Miri (a no-op when it is there) and
/// prepares Miri's standard library.
pub fn install(root: &Path) -> Result<(), String> {
    let tc = toolchain(root)?;
    let status = Command::new("rustup")
        .args([
            "toolchain",
            "install",
            &tc,
            "--profile",
            "minimal",
            "--component",
            "miri,rust-src",
        ])
        .status()
        .map_err(|e| format!("cannot run rustup: {e}"))?;
    if !status.success() {
        return Err(format!("rustup could not install {tc} with Miri"));
    }
    let status = Command::new("cargo")
        .current_dir(root)
        .args([&format!("+{tc}"), "miri", "setup"])
        .status()
        .map_err(|e| format!("cannot run cargo miri setup: {e}"))?;
    if !status.success() {
        return Err("cargo miri setup failed".to_string());
    }
    Ok(())
}

/// Runs one recorded Miri command with the pinned nightly. Cargo's own
/// progress lines are left out (`-q`), as they are from native runs.
pub fn run(root: &Path, rec: &Recorded) -> Result<CapturedRun, String> {
    let tc = toolchain(root)?;
    let mut args = vec![
        format!("+{tc}"),
        "miri".into(),
        "run".into(),
        "-q".into(),
        "--example".into(),
        rec.example.clone(),
    ];
    if !rec.args.is_empty() {
        args.push("--".into());
        args.extend(rec.args.iter().cloned());
    }
    // `cargo` picks the toolchain from `+nightly`, not from the CARGO of the
    // cargo that runs xtask (which is the pinned stable one).
    outputs::run_merged(root, Path::new("cargo"), &args, MIRI_TIME_LIMIT)
}

/// Miri found undefined behaviour in this output.
pub fn reports_ub(output: &str) -> bool {
    output.contains("Undefined Behavior")
}
