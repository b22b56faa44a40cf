//! The starter project a reader takes away: `cargo xtask bundle` writes
//! [`ZIP_PATH`], a standalone Cargo project holding every example as it is
//! in `examples/`, with its own `Cargo.toml` whose dependencies are exactly
//! the crates the examples' `//! Needs:` headers name, and a short README.
//!
//! The zip is the same bytes for the same examples (fixed timestamps, files
//! in name order, stored without compression: the examples are small text).

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::Path;

use crate::examples;

/// Where `cargo xtask bundle` writes the zip, relative to the repository root.
pub const ZIP_PATH: &str = "target/bundle/thread-vs-process-examples.zip";

/// The zip's name in the built site, beside the pages: `cargo xtask build`
/// and the Pages build put it there, so a chapter links to it as
/// `thread-vs-process-examples.zip` (from a page at the top of `src/`).
pub const SITE_NAME: &str = "thread-vs-process-examples.zip";

/// The folder (and package name) inside the zip.
pub const PROJECT: &str = "thread-vs-process-examples";

/// The dependencies the examples' headers name: `libc` (a Unix-only
/// dependency) and tokio's features, their union.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Dependencies {
    pub libc: bool,
    pub tokio_features: BTreeSet<String>,
}

/// Reads every example's `//! Needs:` lines. A crate other than libc and
/// tokio, or a malformed line, is an error naming the example.
pub fn dependencies(root: &Path) -> Result<Dependencies, String> {
    let mut deps = Dependencies::default();
    for path in crate::files_with_suffix(&root.join("examples"), ".rs") {
        let source = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let shown = format!("examples/{}.rs", crate::stem(&path));
        for need in
            examples::needs(&source).map_err(|e| format!("{shown}: {e}"))?
        {
            match need.krate.as_str() {
                "libc" => deps.libc = true,
                "tokio" => deps.tokio_features.extend(need.features()),
                other => {
                    return Err(format!(
                        "{shown}: `Needs: {other}`: the bundle knows libc and tokio only"
                    ));
                }
            }
        }
    }
    Ok(deps)
}

/// The bundle's `Cargo.toml`.
pub fn manifest(deps: &Dependencies) -> String {
    let mut text = format!(
        "# Every example of the book \"Thread vs Process\", as a project of its own.\n\
         # Run one with: cargo run --example NAME\n\
         [package]\n\
         name = \"{PROJECT}\"\n\
         version = \"0.1.0\"\n\
         edition = \"2024\"\n\
         publish = false\n\
         \n\
         # A project of its own, also when unpacked inside another workspace.\n\
         [workspace]\n"
    );
    if !deps.tokio_features.is_empty() {
        let features: Vec<String> = deps
            .tokio_features
            .iter()
            .map(|f| format!("\"{f}\""))
            .collect();
        text.push_str(&format!(
            "\n[dependencies]\ntokio = {{ version = \"1\", features = [{}] }}\n",
            features.join(", ")
        ));
    }
    if deps.libc {
        text.push_str("\n[target.'cfg(unix)'.dependencies]\nlibc = \"0.2\"\n");
    }
    text
}

const README: &str = "\
# Thread vs Process: the examples

Every program of the book \"Thread vs Process\", one file per idea, as a
Cargo project of its own. Each file starts with the question it answers
and the command that runs it:

    cargo run --example ch01-one-program-many-processes

Each file stands alone: copy one into your own project, and add the
crates its `//! Needs:` lines name to that project's `Cargo.toml`. The
programs that start processes run copies of themselves; the ones that
measure a cost take `-- --quick` (a short run) or `-- --csv` (the figures
as CSV rows; use `--release` for numbers worth quoting).
";

/// Every file of the bundle: (path inside the zip, content), in name order.
pub fn files(root: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
    let deps = dependencies(root)?;
    let mut files = vec![
        (
            format!("{PROJECT}/Cargo.toml"),
            manifest(&deps).into_bytes(),
        ),
        (format!("{PROJECT}/README.md"), README.as_bytes().to_vec()),
    ];
    for path in crate::files_with_suffix(&root.join("examples"), ".rs") {
        let bytes = std::fs::read(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        files.push((
            format!("{PROJECT}/examples/{}.rs", crate::stem(&path)),
            bytes,
        ));
    }
    files.sort();
    Ok(files)
}

/// Writes the bundle of `root`'s examples as a zip at `dest`. Returns how
/// many files it holds.
pub fn write_zip(root: &Path, dest: &Path) -> Result<usize, String> {
    let files = files(root)?;
    if let Some(dir) = dest.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let file = std::fs::File::create(dest)
        .map_err(|e| format!("cannot create {}: {e}", dest.display()))?;
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    let failed = |e: &dyn std::fmt::Display| {
        format!("cannot write {}: {e}", dest.display())
    };
    for (name, bytes) in &files {
        zip.start_file(name.as_str(), options)
            .map_err(|e| failed(&e))?;
        zip.write_all(bytes).map_err(|e| failed(&e))?;
    }
    zip.finish().map_err(|e| failed(&e))?;
    Ok(files.len())
}

/// Unpacks a zip into `dir`, writing only the files whose bytes differ
/// from what is there (so a build in `dir` stays warm). Returns the paths
/// of the files, relative to `dir`.
pub fn unpack(zip_path: &Path, dir: &Path) -> Result<Vec<String>, String> {
    let failed = |e: &dyn std::fmt::Display| {
        format!("cannot read {}: {e}", zip_path.display())
    };
    let file = std::fs::File::open(zip_path).map_err(|e| failed(&e))?;
    let mut archive = zip::ZipArchive::new(file).map_err(|e| failed(&e))?;
    let mut names = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| failed(&e))?;
        let Some(rel) = entry.enclosed_name() else {
            return Err(format!(
                "{}: entry {i} has an unsafe path",
                zip_path.display(),
            ));
        };
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes)
            .map_err(|e| failed(&e))?;
        let path = dir.join(&rel);
        if std::fs::read(&path).ok().as_deref() != Some(bytes.as_slice()) {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| {
                    format!("cannot create {}: {e}", parent.display())
                })?;
            }
            std::fs::write(&path, &bytes)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        names.push(rel.to_string_lossy().replace('\\', "/"));
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_names_exactly_the_needed_crates() {
        let deps = Dependencies {
            libc: true,
            tokio_features: ["time", "rt-multi-thread"]
                .map(String::from)
                .into(),
        };
        let text = manifest(&deps);
        let doc: toml::Table = text.parse().expect("valid TOML");
        assert_eq!(doc["package"]["edition"].as_str(), Some("2024"));
        assert!(doc["workspace"].as_table().is_some_and(|t| t.is_empty()));
        let tokio = &doc["dependencies"]["tokio"];
        assert_eq!(tokio["version"].as_str(), Some("1"));
        assert_eq!(
            tokio["features"].as_array().map(Vec::len),
            Some(2),
            "{text}"
        );
        assert_eq!(
            doc["target"]["cfg(unix)"]["dependencies"]["libc"].as_str(),
            Some("0.2")
        );
        let std_only = manifest(&Dependencies::default());
        assert!(!std_only.contains("dependencies"), "{std_only}");
    }
}
