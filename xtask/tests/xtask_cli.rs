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
    let bad: [&[&str]; 9] = [
        &[],
        &["bogus"],
        &["serve-the-book"],
        &["build", "--nope"],
        &["outputs", "--all"],
        &["outputs", "no-such-example"],
        &["miri", "--recrod"],
        &["stress", "many"],
        &["chart", "--svg"],
    ];
    for args in bad {
        let (code, stderr) = xtask(args);
        assert_eq!(
            code,
            Some(2),
            "`cargo xtask {}` should exit 2; stderr: {stderr}",
            args.join(" ")
        );
        assert!(
            stderr.contains("usage: cargo xtask"),
            "`cargo xtask {}` should print the usage; stderr: {stderr}",
            args.join(" ")
        );
    }
}

#[test]
fn help_prints_the_usage_and_succeeds() {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("help")
        .output()
        .expect("run xtask");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for command in ["serve", "build", "outputs", "miri", "stress", "chart"] {
        assert!(
            text.contains(command),
            "`cargo xtask help` does not mention `{command}`"
        );
    }
}
