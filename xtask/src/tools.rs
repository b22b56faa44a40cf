//! The tool versions the book is built with. mdBook's is the version of the
//! `mdbook-driver` library in Cargo.lock ([`mdbook_version`]); any other
//! tool's is in the `[workspace.metadata.tools]` table of the root
//! `Cargo.toml`.

use std::path::Path;

/// One pinned tool: the crate name, which is also its binary's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

/// Reads `[workspace.metadata.tools]` from `root/Cargo.toml`.
pub fn pinned(root: &Path) -> Result<Vec<Tool>, String> {
    let tools = crate::toml_value(
        root,
        "Cargo.toml",
        &["workspace", "metadata", "tools"],
    )?;
    let table = tools
        .as_table()
        .ok_or("[workspace.metadata.tools] in Cargo.toml must be a table")?;
    let mut tools = Vec::new();
    for (name, version) in table {
        let version = version.as_str().ok_or_else(|| {
            format!(
                "[workspace.metadata.tools] {name} must be a version string"
            )
        })?;
        tools.push(Tool {
            name: name.clone(),
            version: version.to_string(),
        });
    }
    if tools.is_empty() {
        return Err(
            "[workspace.metadata.tools] in Cargo.toml is empty".to_string()
        );
    }
    Ok(tools)
}

/// The pinned version of one tool.
pub fn version_of(root: &Path, name: &str) -> Result<String, String> {
    pinned(root)?
        .into_iter()
        .find(|t| t.name == name)
        .map(|t| t.version)
        .ok_or_else(|| {
            format!(
                "no pinned version for {name} in [workspace.metadata.tools]"
            )
        })
}

/// The versions of a package in `root/Cargo.lock`.
pub fn locked_versions(root: &Path, name: &str) -> Result<Vec<String>, String> {
    let packages = crate::toml_value(root, "Cargo.lock", &["package"])?;
    Ok(packages
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p.get("name").and_then(|n| n.as_str()) == Some(name))
        .filter_map(|p| p.get("version")?.as_str().map(str::to_string))
        .collect())
}

/// mdBook's version: the one `mdbook-driver` in Cargo.lock, which
/// `cargo xtask serve` and `cargo xtask build` link.
pub fn mdbook_version(root: &Path) -> Result<String, String> {
    match locked_versions(root, "mdbook-driver")?.as_slice() {
        [one] => Ok(one.clone()),
        other => Err(format!(
            "Cargo.lock has mdbook-driver {other:?}, not one version"
        )),
    }
}
