//! Guards the compiler errors the book shows: each program in
//! `examples/compile_fail/` must still fail to compile, with exactly the
//! message saved beside it.

use xtask::compile_fail;
use xtask::repo_root;

#[test]
fn compiler_is_the_pinned_toolchain() {
    let root = repo_root();
    let pinned =
        compile_fail::pinned_toolchain(&root).expect("rust-toolchain.toml");
    let version = compile_fail::rustc_version(&root).expect("rustc --version");
    assert!(
        version.starts_with(&format!("rustc {pinned} ")),
        "the compiler messages were recorded with Rust {pinned} (rust-toolchain.toml), \
         but the tests run `{version}`; run the tests with the pinned toolchain, or bump \
         the pin and re-record with `cargo xtask outputs`"
    );
}

#[test]
fn every_compile_fail_program_fails_with_its_recorded_message() {
    let root = repo_root();
    let cases = compile_fail::cases(&root);
    assert!(
        !cases.is_empty(),
        "no programs in examples/compile_fail/: the book promises real compiler errors"
    );
    let mut failures = Vec::new();
    for case in &cases {
        let shown = case
            .source
            .strip_prefix(&root)
            .unwrap_or(&case.source)
            .display();
        let expected = match std::fs::read_to_string(&case.expected) {
            Ok(text) => text.replace("\r\n", "\n"),
            Err(e) => {
                failures.push(format!(
                    "{shown}: cannot read {}: {e} (run `cargo xtask outputs {}`)",
                    case.expected.display(),
                    case.name
                ));
                continue;
            }
        };
        let outcome = match compile_fail::compile(&root, case) {
            Ok(o) => o,
            Err(e) => {
                failures.push(format!("{shown}: {e}"));
                continue;
            }
        };
        if outcome.compiled {
            failures.push(format!(
                "{shown} compiles, but the book shows it failing to compile"
            ));
        } else if outcome.stderr != expected {
            // With the rust-src component installed, rustc quotes the standard
            // library's source instead of a /rustc/<commit>/ path.
            let hint = if outcome.stderr.contains("rustlib/src/rust")
                && !expected.contains("rustlib/src/rust")
            {
                "\n(hint: the messages were recorded without the rust-src component, which \
                 .ci/run's toolchain does not install; `rustup component remove rust-src` for \
                 this toolchain, or re-record and review with `cargo xtask outputs`)"
            } else {
                ""
            };
            failures.push(format!(
                "{shown}: the compiler's message changed.{hint}\n--- recorded ({})\n{expected}\n--- now\n{}",
                case.expected.display(),
                outcome.stderr
            ));
        }
    }
    xtask::fail_if_any("compile-fail programs that drifted", failures);
    println!("checked {} compile-fail programs", cases.len());
}
