//! Guards the output masks (STYLE.md, "Output masks"): each rule hides what
//! truly varies and nothing else, so a recorded run still pins its facts.

use xtask::outputs::{compare, header, mask_line};

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

#[test]
fn masks_hide_what_varies() {
    let pairs = [
        ("heap at 0x55d4c2a1b2c0", "heap at 0x7f00aa000010"),
        ("alloc1234 was freed", "alloc99 was freed"),
        ("child (pid 4242) exited", "child (pid 17) exited"),
        ("pid=1, PID: 2", "pid=31, PID: 42"),
        ("ran on ThreadId(3)", "ran on ThreadId(12)"),
        (
            "thread 'worker' (4711) panicked at x.rs:1:1",
            "thread 'worker' (9) panicked at x.rs:1:1",
        ),
        ("took 1.234567ms", "took 950µs"),
        ("took 2s in all", "took 1.5 s in all"),
        ("idle thread: 132 KiB", "idle thread: 8.5 MiB"),
        (
            "lost updates: 4811 of 200000 (varies)",
            "lost updates: 0 of 200000 (varies)",
        ),
    ];
    for (a, b) in pairs {
        assert_eq!(
            mask_line(a),
            mask_line(b),
            "`{a}` and `{b}` should match after masks"
        );
    }
}

#[test]
fn masks_keep_the_facts() {
    let pairs = [
        ("4 threads", "5 threads"),
        ("size of a u64: 8 bytes", "size of a u64: 16 bytes"),
        ("counter = 4000", "counter = 3999"),
        ("exit status: 0", "exit status: 1"),
        (
            "stack addresses all different: true",
            "stack addresses all different: false",
        ),
        ("ran 2 steps", "ran 3 steps"),
        (
            "lost updates: 48 of 200000 (varies)",
            "kept updates: 48 of 200000 (varies)",
        ),
        ("thread 'a' (1) panicked", "thread 'b' (1) panicked"),
    ];
    for (a, b) in pairs {
        assert_ne!(
            mask_line(a),
            mask_line(b),
            "`{a}` and `{b}` must still differ after masks"
        );
    }
}

#[test]
fn unordered_lines_match_only_as_declared() {
    let recorded = lines("start\nworker 1 done\nworker 2 done\nend");
    let swapped = lines("start\nworker 2 done\nworker 1 done\nend");
    assert!(
        compare(&recorded, &swapped, &[]).is_err(),
        "order matters unless declared"
    );
    assert!(compare(&recorded, &swapped, &[2..=3]).is_ok());
    let changed = lines("start\nworker 2 done\nworker 3 done\nend");
    assert!(
        compare(&recorded, &changed, &[2..=3]).is_err(),
        "an unordered block still needs the same lines"
    );
    let longer = lines("start\nworker 1 done\nworker 2 done\nend\nextra");
    assert!(
        compare(&recorded, &longer, &[]).is_err(),
        "an extra line is a difference"
    );
}

#[test]
fn header_declares_question_command_and_unordered_lines() {
    let h = header("//! Question: Why?\n//!\n//! Run: cargo run --example x\n//! Unordered output: lines 2-5, 7\nfn main() {}\n")
        .expect("valid header");
    assert_eq!(h.question.as_deref(), Some("Why?"));
    assert_eq!(h.run.as_deref(), Some("cargo run --example x"));
    assert_eq!(h.unordered, vec![2..=5, 7..=7]);
    assert!(header("//! Unordered output: lines 5-2\n").is_err());
}
