//! Programs that must not compile, each with the compiler's message saved
//! beside it: `examples/compile_fail/NAME.rs` and `NAME.stderr`.
//!
//! The message is what `rustc --edition 2024 NAME.rs` prints in that folder,
//! so the paths in it are the ones a reader sees when trying it there.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// One program that must fail to compile.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub source: PathBuf,
    pub expected: PathBuf,
}

pub fn dir(root: &Path) -> PathBuf {
    root.join("examples/compile_fail")
}

/// Every `examples/compile_fail/*.rs`, sorted.
pub fn cases(root: &Path) -> Vec<Case> {
    crate::files_with_suffix(&dir(root), ".rs")
        .into_iter()
        .map(|source| {
            let name = crate::stem(&source);
            Case {
                expected: source.with_extension("stderr"),
                name,
                source,
            }
        })
        .collect()
}

/// The compiler the tests use: `$RUSTC`, or `rustc` (which rustup resolves
/// through `rust-toolchain.toml`).
pub fn rustc() -> String {
    std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string())
}

/// `rustc --version` of that compiler.
pub fn rustc_version(root: &Path) -> Result<String, String> {
    let out = Command::new(rustc())
        .current_dir(dir(root))
        .arg("--version")
        .output()
        .map_err(|e| format!("cannot run {} --version: {e}", rustc()))?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The channel pinned in `rust-toolchain.toml`.
pub fn pinned_toolchain(root: &Path) -> Result<String, String> {
    crate::toml_value(root, "rust-toolchain.toml", &["toolchain", "channel"])?
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| {
            "rust-toolchain.toml: toolchain.channel must be a string"
                .to_string()
        })
}

/// The outcome of compiling one case.
#[derive(Debug)]
pub struct Outcome {
    pub compiled: bool,
    pub stderr: String,
}

/// Compiles one case the way the book tells readers to (plus a private
/// output folder and no colours, which do not change the message).
pub fn compile(root: &Path, case: &Case) -> Result<Outcome, String> {
    let out_dir = std::env::temp_dir().join(format!(
        "tvp-compile-fail-{}-{}",
        std::process::id(),
        case.name
    ));
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    let file = format!("{}.rs", case.name);
    let result = Command::new(rustc())
        .current_dir(dir(root))
        .args(["--edition", "2024", "--color", "never", "--emit=metadata"])
        .arg("--out-dir")
        .arg(&out_dir)
        .arg(&file)
        .stdin(Stdio::null())
        .output();
    let _ = std::fs::remove_dir_all(&out_dir);
    let out = result.map_err(|e| format!("cannot run {}: {e}", rustc()))?;
    Ok(Outcome {
        compiled: out.status.success(),
        stderr: String::from_utf8_lossy(&out.stderr).replace("\r\n", "\n"),
    })
}
