//! Guards the single place tool versions are pinned: the mdBook libraries
//! the tests build with, the tools `cargo xtask serve` installs, the README
//! and the GitHub workflows all agree with `[workspace.metadata.tools]`.

use xtask::{repo_root, tools};

/// The versions of a package in Cargo.lock.
fn locked_versions(lock: &str, name: &str) -> Vec<String> {
    let doc: toml::Table = lock.parse().expect("Cargo.lock is TOML");
    doc.get("package")
        .and_then(|p| p.as_array())
        .map(|pkgs| {
            pkgs.iter()
                .filter(|p| {
                    p.get("name").and_then(|n| n.as_str()) == Some(name)
                })
                .filter_map(|p| {
                    p.get("version")
                        .and_then(|v| v.as_str())
                        .map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn mdbook_libraries_match_the_pinned_tools() {
    let root = repo_root();
    let lock =
        std::fs::read_to_string(root.join("Cargo.lock")).expect("Cargo.lock");
    let mdbook = tools::version_of(&root, "mdbook").expect("pinned mdbook");
    for (crate_name, pinned) in [
        ("mdbook-driver", &mdbook),
        ("mdbook-html", &mdbook),
        ("mdbook-markdown", &mdbook),
        ("mdbook-preprocessor", &mdbook),
    ] {
        let locked = locked_versions(&lock, crate_name);
        assert_eq!(
            locked,
            vec![pinned.clone()],
            "Cargo.lock has {crate_name} {locked:?}, but [workspace.metadata.tools] pins {pinned}: \
             the tests would check a different mdBook than readers serve"
        );
    }
    // Diagrams are drawn by `cargo xtask diagrams` and inlined by our own
    // preprocessor: no Mermaid preprocessor is linked, pinned or installed.
    assert!(
        locked_versions(&lock, "mdbook-mermaid").is_empty(),
        "Cargo.lock still has mdbook-mermaid"
    );
    assert!(
        tools::version_of(&root, "mdbook-mermaid").is_err(),
        "[workspace.metadata.tools] still pins mdbook-mermaid"
    );
}

#[test]
fn readme_and_workflows_use_the_pinned_tools() {
    let root = repo_root();
    let mut failures = Vec::new();
    let readme =
        std::fs::read_to_string(root.join("README.md")).expect("README.md");
    for tool in tools::pinned(&root).expect("pins") {
        let named = format!("{} {}", tool.name, tool.version);
        if !readme.contains(&named) {
            failures.push(format!(
                "README.md should name `{named}`, the pinned version"
            ));
        }
    }
    // The workflows run steps of .ci/run; wherever mdbook is installed or
    // run (there, or in a workflow), it goes through `cargo xtask`, which
    // reads the pinned versions.
    let mut scripts = vec![root.join(".ci/run")];
    scripts.extend(xtask::files_with_suffix(
        &root.join(".github/workflows"),
        ".yml",
    ));
    let mut builds_the_site = false;
    for script in scripts {
        let shown = script.strip_prefix(&root).unwrap_or(&script).display();
        let text = std::fs::read_to_string(&script).expect("read a CI script");
        let runs_mdbook = text.lines().any(|l| {
            let code = l.split('#').next().unwrap_or_default();
            code.split_whitespace().any(|w| w == "mdbook")
        });
        builds_the_site |=
            runs_mdbook || text.contains(".ci/run toolchain site");
        if runs_mdbook
            && !text.contains("cargo xtask install-tools")
            && !text.contains("cargo xtask build")
        {
            failures.push(format!(
                "{shown} runs mdbook but not through `cargo xtask`, which \
                 reads the pinned versions"
            ));
        }
        if text.contains("cargo install mdbook") {
            failures.push(format!(
                "{shown} installs mdbook itself instead of the pinned version"
            ));
        }
    }
    if !builds_the_site {
        failures.push("neither .ci/run nor a workflow builds the book".into());
    }
    xtask::fail_if_any("places that do not use the pinned tools", failures);
}
