//! Guards the single place mdBook's version is pinned: the `mdbook-driver`
//! library xtask links (Cargo.toml's `=0.5.4`, recorded in Cargo.lock). The
//! other mdBook libraries, the README and the CI step that checks a global
//! `mdbook` binary all agree with it, and nothing installs tools by hand.

use xtask::{repo_root, tools};

#[test]
fn mdbook_libraries_are_one_version() {
    let root = repo_root();
    let mdbook =
        tools::mdbook_version(&root).expect("one mdbook-driver in Cargo.lock");
    let mut pins = vec![
        ("mdbook-driver", mdbook.clone()),
        ("mdbook-html", mdbook.clone()),
        ("mdbook-markdown", mdbook.clone()),
    ];
    // Any other tool pinned in [workspace.metadata.tools] is linked at that version.
    for tool in tools::pinned(&root).unwrap_or_default() {
        pins.push((Box::leak(tool.name.into_boxed_str()), tool.version));
    }
    for (crate_name, pinned) in pins {
        let locked =
            tools::locked_versions(&root, crate_name).expect("Cargo.lock");
        assert_eq!(
            locked,
            vec![pinned.clone()],
            "Cargo.lock has {crate_name} {locked:?}, but the pin is {pinned}"
        );
    }
}

#[test]
fn readme_and_workflows_use_the_pinned_mdbook() {
    let root = repo_root();
    let mdbook = tools::mdbook_version(&root).expect("mdbook version");
    let readme =
        std::fs::read_to_string(root.join("README.md")).expect("README.md");
    assert!(
        readme.contains(&format!("mdbook {mdbook}")),
        "README.md should name `mdbook {mdbook}`, the pinned version"
    );
    assert!(
        !readme.contains(".tools") && !readme.contains("install-tools"),
        "README.md still describes installing tools into .tools/"
    );
    let workflows = root.join(".github/workflows");
    let mut builds = 0;
    for wf in xtask::files_with_suffix(&workflows, ".yml") {
        let text = std::fs::read_to_string(&wf).expect("workflow");
        let shown = wf.display();
        assert!(
            !text.contains("install-tools") && !text.contains(".tools"),
            "{shown} still uses the removed install-tools machinery"
        );
        builds += text.matches("cargo xtask build").count();
        // `bash .ci/run ... site` is `cargo xtask build` (its site step).
        builds += text
            .lines()
            .filter(|l| {
                l.contains(".ci/run")
                    && l.split_whitespace().any(|w| w == "site")
            })
            .count();
        for line in text.lines().filter(|l| l.contains("cargo install mdbook"))
        {
            assert!(
                line.contains(&format!("--version {mdbook} --locked")),
                "{shown} installs an mdbook other than the pinned {mdbook}: {line}"
            );
        }
    }
    let ci = std::fs::read_to_string(root.join(".ci/run")).expect(".ci/run");
    let site = ci
        .split("step_site()")
        .nth(1)
        .and_then(|rest| rest.split("\n}").next())
        .unwrap_or_default();
    assert!(
        site.contains("cargo xtask build"),
        ".ci/run's site step should build with `cargo xtask build`:{site}"
    );
    assert!(
        builds >= 2,
        "the Pages workflow and the CI book job should both build with `cargo xtask build`"
    );
}
