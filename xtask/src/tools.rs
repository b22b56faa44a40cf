//! The tool versions the book is built with, pinned in one place: the
//! `[workspace.metadata.tools]` table of the root `Cargo.toml`.

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
