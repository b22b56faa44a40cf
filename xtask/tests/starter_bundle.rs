//! Guards the starter project a reader downloads (`cargo xtask bundle`):
//! unpacked, it builds every example on its own, offline, with only the
//! crates its `Cargo.toml` names (those the examples' headers declare).

use std::process::Command;

use xtask::{bundle, repo_root};

#[test]
fn the_bundle_builds_offline() {
    let root = repo_root();
    // Inside target/, at a fixed place, so a rerun builds warm: unpacking
    // rewrites only the files that changed.
    let work = root.join("target/bundle-test");
    let zip = work.join("thread-vs-process-examples.zip");
    let count =
        bundle::write_zip(&root, &zip).unwrap_or_else(|e| panic!("{e}"));
    let unpacked = work.join("unpacked");
    let names =
        bundle::unpack(&zip, &unpacked).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(names.len(), count);
    let project = unpacked.join(bundle::PROJECT);
    for example in xtask::example_names(&root) {
        let rel = format!("{}/examples/{example}.rs", bundle::PROJECT);
        assert!(names.contains(&rel), "the bundle lacks {rel}");
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let out = Command::new(&cargo)
        .current_dir(&project)
        .args(["build", "--examples", "--offline", "--quiet"])
        .env("CARGO_TARGET_DIR", work.join("target"))
        .output()
        .expect("run cargo build");
    assert!(
        out.status.success(),
        "the unpacked bundle does not build offline (`cargo build --examples \
         --offline` in {}):\n{}\nCargo.toml:\n{}",
        project.display(),
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(project.join("Cargo.toml")).unwrap_or_default()
    );
}
