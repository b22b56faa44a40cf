//! Guards `cargo xtask` against bad input: an unknown command or a bad flag
//! prints the usage and exits with code 2, and does nothing else.

use std::process::Command;

fn xtask(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("run xtask");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn unknown_commands_and_bad_flags_print_the_usage_and_exit_2() {
    let bad: [&[&str]; 12] = [
        &[],
        &["bogus"],
        &["serve-the-book"],
        &["build", "--nope"],
        &["outputs", "--all"],
        &["outputs", "no-such-example"],
        &["miri", "--recrod"],
        &["stress", "many"],
        &["chart", "--svg"],
        &["bundle", "--zip"],
        &["diagrams", "--all"],
        &["preprocessor", "html"],
    ];
    let mut failures = Vec::new();
    for args in bad {
        let (code, stderr) = xtask(args);
        if code != Some(2) || !stderr.contains("usage: cargo xtask") {
            failures.push(format!(
                "`cargo xtask {}` should print the usage and exit 2; it \
                 exited {code:?}, stderr: {stderr}",
                args.join(" ")
            ));
        }
    }
    xtask::fail_if_any("bad invocations not refused", failures);
}

#[test]
fn help_prints_the_usage_and_succeeds() {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("help")
        .output()
        .expect("run xtask");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let missing: Vec<String> = [
        "serve",
        "build",
        "outputs",
        "miri",
        "stress",
        "chart",
        "diagrams",
        "test-marks",
        "bundle",
    ]
    .iter()
    .filter(|command| !text.contains(*command))
    .map(|command| format!("`cargo xtask help` does not mention `{command}`"))
    .collect();
    xtask::fail_if_any("commands missing from the help", missing);
}
