//! The preprocessor a global `mdbook test` runs (xtask/src/test_marks.rs):
//! excerpts and libc programs are skipped, tokio programs link tokio, and
//! everything else reaches rustdoc unchanged.

use xtask::test_marks::mark;

#[test]
fn an_excerpt_is_ignored() {
    let page = "text\n\n```rust,noplayground\nlet x = 1;\n```\n";
    assert_eq!(
        mark(page),
        "text\n\n```rust,noplayground,ignore\nlet x = 1;\n```\n"
    );
}

#[test]
fn a_libc_program_is_ignored() {
    let page = "```rust\nfn main() { unsafe { libc::getpid() }; }\n```\n";
    assert!(mark(page).starts_with("```rust,ignore\n"), "{}", mark(page));
}

#[test]
fn a_tokio_program_links_tokio_after_its_inner_doc_comments() {
    let page = "```rust\n# //! Question: ...?\n# //!\n#[tokio::main]\nasync fn main() {}\n```\n";
    assert_eq!(
        mark(page),
        "```rust\n# //! Question: ...?\n# //!\n# extern crate tokio;\n#[tokio::main]\nasync fn main() {}\n```\n"
    );
}

#[test]
fn other_blocks_are_unchanged() {
    let page = "```rust\nfn main() {}\n```\n\n```rust,compile_fail\nlet x = ;\n```\n\n```console\n$ ls\n```\n";
    assert_eq!(mark(page), page);
}
