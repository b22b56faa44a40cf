//! What the rule tests read in an example's source: the code without its
//! comments and literals, the crates it uses and the tokio features those
//! uses need, its `//! Needs:` header lines, and the blocks every example
//! shares byte for byte (the child guard, the usage function, the cost
//! examples' measuring pattern). The canonical blocks are copied from the
//! brief every example follows (STYLE.md, "Every example").

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;

/// The one child guard (STYLE.md convention 5), from its doc comment
/// through the end of its `impl Drop`.
pub const KILL_ON_DROP: &str = "\
/// Kills and waits for the child if we return early, so it never outlives us.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        // Both are harmless if the child was already waited for.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}";

/// The cost examples' measuring pattern, from the doc comment of `Stats`
/// through the end of `fn measure`, as `cargo fmt` writes it (the brief's
/// one-line `Ok(Stats { ... })` is not what rustfmt leaves, so a formatted
/// example could never match it).
pub const MEASURE: &str = "\
/// Median, 10th and 90th percentile of `n` timed runs.
struct Stats {
    median: Duration,
    p10: Duration,
    p90: Duration,
    n: usize,
}

/// Times `run` `n` times, after `n / 10 + 1` untimed warm-up runs.
fn measure(
    n: usize,
    mut run: impl FnMut() -> Result<(), Box<dyn Error>>,
) -> Result<Stats, Box<dyn Error>> {
    for _ in 0..n / 10 + 1 {
        run()?;
    }
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        run()?;
        times.push(start.elapsed());
    }
    times.sort();
    let at = |percent: usize| times[(n - 1) * percent / 100];
    Ok(Stats {
        median: at(50),
        p10: at(10),
        p90: at(90),
        n,
    })
}";

/// The one argument-checking function (convention 4); `NAME` and `REST`
/// stand for the example's name and the rest of its usage text.
pub const USAGE_FORM: &str = "\
/// Prints how to run this example, and exits with code 2.
fn usage() -> ! {
    eprintln!(\"usage: cargo run --example NAME REST\");
    std::process::exit(2)
}";

/// The most lines a cost example may have.
pub const COST_EXAMPLE_MAX_LINES: usize = 250;

/// `source` with every comment and the inside of every string and character
/// literal replaced by spaces. Line breaks and byte offsets are kept, so an
/// offset found in the result points at the same place in `source`.
pub fn code_only(source: &str) -> String {
    let bytes = source.as_bytes();
    let mut out = bytes.to_vec();
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for b in &mut out[from..to] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    };
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        if rest.starts_with(b"//") {
            let end = rest
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |p| i + p);
            blank(&mut out, i, end);
            i = end;
        } else if rest.starts_with(b"/*") {
            // Block comments nest in Rust.
            let (mut depth, mut j) = (0usize, i);
            while j < bytes.len() {
                if bytes[j..].starts_with(b"/*") {
                    depth += 1;
                    j += 2;
                } else if bytes[j..].starts_with(b"*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            blank(&mut out, i, j);
            i = j;
        } else if rest[0] == b'r'
            && (i == 0 || !is_ident(bytes[i - 1]) || bytes[i - 1] == b'b')
            && rest[1..].iter().take_while(|&&b| b == b'#').count() + 1
                < rest.len()
            && rest[1 + rest[1..].iter().take_while(|&&b| b == b'#').count()]
                == b'"'
        {
            // A raw string, r"..." or r#"..."#.
            let hashes = rest[1..].iter().take_while(|&&b| b == b'#').count();
            let open = i + 1 + hashes + 1;
            let mut close = b"\"".to_vec();
            close.extend(std::iter::repeat_n(b'#', hashes));
            let end = bytes[open..]
                .windows(close.len())
                .position(|w| w == close.as_slice())
                .map_or(bytes.len(), |p| open + p);
            blank(&mut out, open, end);
            i = (end + close.len()).min(bytes.len());
        } else if rest[0] == b'"' {
            let mut j = i + 1;
            while j < bytes.len() && bytes[j] != b'"' {
                j += if bytes[j] == b'\\' { 2 } else { 1 };
            }
            let end = j.min(bytes.len());
            blank(&mut out, i + 1, end);
            i = end + 1;
        } else if rest[0] == b'\'' {
            // A character literal ('x', '\n', '\u{1F600}', '"'), or a lifetime.
            if rest.get(1) == Some(&b'\\') {
                let end = rest[2..]
                    .iter()
                    .position(|&b| b == b'\'')
                    .map_or(bytes.len(), |p| i + 2 + p);
                blank(&mut out, i + 1, end);
                i = end + 1;
            } else {
                // After an ASCII `'`, the next byte starts a character.
                let width = source
                    .get(i + 1..)
                    .and_then(|s| s.chars().next())
                    .map_or(1, char::len_utf8);
                if rest.get(1 + width) == Some(&b'\'') {
                    blank(&mut out, i + 1, i + 1 + width);
                    i += width + 2;
                } else {
                    i += 1;
                }
            }
        } else {
            i += 1;
        }
    }
    // Only ASCII bytes were replaced by spaces, and whole literals at that.
    String::from_utf8(out)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

static LIBC_PATH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\blibc::").expect("regex"));
static TOKIO_PATH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\btokio\s*::\s*").expect("regex"));
static BARE_TOKIO_MACRO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(^|[^:\w])(select|join|try_join)\s*!").expect("regex")
});

/// True when the file's code (comments and strings aside) calls into libc.
pub fn uses_libc(source: &str) -> bool {
    LIBC_PATH.is_match(&code_only(source))
}

/// True when the file's code names tokio anywhere.
pub fn uses_tokio(source: &str) -> bool {
    let code = code_only(source);
    TOKIO_PATH.is_match(&code)
        || code
            .lines()
            .any(|l| l.trim_start().starts_with("use tokio"))
}

/// The first path segment after each `tokio::` in `code`, with the items
/// of a use group (`tokio::{sync::Notify, time}` gives `sync` and `time`),
/// each with its offset in `code`.
fn tokio_segments(code: &str) -> Vec<(String, usize)> {
    let mut found = Vec::new();
    for m in TOKIO_PATH.find_iter(code) {
        let after = &code[m.end()..];
        if let Some(group) = after.strip_prefix('{') {
            let mut depth = 0usize;
            let mut item_start = 0;
            let mut items = Vec::new();
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        items.push(&group[item_start..i]);
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        items.push(&group[item_start..i]);
                        item_start = i + 1;
                    }
                    _ => {}
                }
            }
            for item in items {
                found.push((first_ident(item), m.start()));
            }
        } else {
            found.push((first_ident(after), m.start()));
        }
    }
    found.retain(|(s, _)| !s.is_empty() && s != "self");
    found
}

fn first_ident(text: &str) -> String {
    text.trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// The tokio features a file's code needs, derived conservatively from
/// what it names (STYLE.md, "Every example", documents this mapping):
///
/// | the code uses | feature |
/// | --- | --- |
/// | `#[tokio::main]` (the default, multi-thread flavor), `Builder::new_multi_thread`, `Runtime::new` | `rt-multi-thread` (it includes `rt`) |
/// | `#[tokio::main(flavor = "current_thread")]`, `#[tokio::test]`, `Builder::new_current_thread`, `tokio::spawn`, `tokio::task`, `tokio::runtime`, with no multi-thread runtime | `rt` |
/// | `#[tokio::main]`, `#[tokio::test]`, `select!`, `join!`, `try_join!` | `macros` |
/// | `tokio::time`, `tokio::sync`, `tokio::net`, `tokio::process`, `tokio::signal`, `tokio::fs` | `time`, `sync`, `net`, `process`, `signal`, `fs` |
/// | `tokio::io` | `io-util`, and `io-std` when it names `stdin`, `stdout` or `stderr` |
pub fn tokio_features(source: &str) -> BTreeSet<&'static str> {
    let code = code_only(source);
    let mut features = BTreeSet::new();
    let (mut runtime, mut multi_thread) = (false, false);
    for (segment, at) in tokio_segments(&code) {
        match segment.as_str() {
            "main" | "test" => {
                features.insert("macros");
                // The attribute's arguments are in `source` (the flavor is a
                // string, blanked in `code`).
                let attribute =
                    source[at..].split(']').next().unwrap_or_default();
                let multi = if segment == "main" {
                    !attribute.contains("current_thread")
                } else {
                    attribute.contains("multi_thread")
                };
                if multi {
                    multi_thread = true;
                } else {
                    runtime = true;
                }
            }
            "select" | "join" | "try_join" => {
                features.insert("macros");
            }
            "spawn" | "task" | "runtime" => runtime = true,
            "time" => {
                features.insert("time");
            }
            "sync" => {
                features.insert("sync");
            }
            "net" => {
                features.insert("net");
            }
            "process" => {
                features.insert("process");
            }
            "signal" => {
                features.insert("signal");
            }
            "fs" => {
                features.insert("fs");
            }
            "io" => {
                features.insert("io-util");
                let path = &code[at..];
                let path = &path[..path.find(';').unwrap_or(path.len())];
                if ["stdin", "stdout", "stderr"]
                    .iter()
                    .any(|s| path.contains(s))
                {
                    features.insert("io-std");
                }
            }
            _ => {}
        }
    }
    if BARE_TOKIO_MACRO.is_match(&code) && uses_tokio(source) {
        features.insert("macros");
    }
    if code.contains("new_multi_thread") || code.contains("Runtime::new(") {
        multi_thread = true;
    }
    if code.contains("new_current_thread") {
        runtime = true;
    }
    if multi_thread {
        features.insert("rt-multi-thread");
    } else if runtime {
        features.insert("rt");
    }
    features
}

/// One `//! Needs: CRATE = ...` line of an example's header.
#[derive(Debug, Clone, PartialEq)]
pub struct Need {
    /// The text after `Needs: `, as written.
    pub text: String,
    pub krate: String,
    /// The dependency as Cargo reads it (`"0.2"`, or a table).
    pub spec: toml::Value,
    /// The line ends with `(Unix)`: the crate is a Unix-only dependency.
    pub unix_only: bool,
}

impl Need {
    /// The `features = [...]` of the dependency, as written.
    pub fn features(&self) -> Vec<String> {
        self.spec
            .get("features")
            .and_then(toml::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|f| f.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The `version` of the dependency (the spec itself when it is a string).
    pub fn version(&self) -> Option<&str> {
        self.spec
            .as_str()
            .or_else(|| self.spec.get("version").and_then(toml::Value::as_str))
    }
}

/// The `//! Needs:` lines of an example's leading `//!` block.
pub fn needs(source: &str) -> Result<Vec<Need>, String> {
    let mut found = Vec::new();
    for line in source.lines().map_while(|l| l.strip_prefix("//!")) {
        let Some(text) = line.trim().strip_prefix("Needs:") else {
            continue;
        };
        let text = text.trim();
        let (dependency, unix_only) = match text.strip_suffix("(Unix)") {
            Some(d) => (d.trim_end(), true),
            None => (text, false),
        };
        let table: toml::Table = dependency.parse().map_err(|e| {
            format!("`Needs: {text}` is not a Cargo dependency line: {e}")
        })?;
        let mut entries = table.into_iter();
        let (Some((krate, spec)), None) = (entries.next(), entries.next())
        else {
            return Err(format!("`Needs: {text}` must name exactly one crate"));
        };
        found.push(Need {
            text: text.to_string(),
            krate,
            spec,
            unix_only,
        });
    }
    Ok(found)
}

/// The block of `source` that starts with the item whose line begins with
/// `first` (with the `///` doc comment lines just above it) and ends with
/// the closing `}` of the item whose line begins with `last` (which may be
/// `first` itself). Lines are returned without the first line's indentation.
/// `None` when either item is missing.
pub fn item_block(source: &str, first: &str, last: &str) -> Option<String> {
    let lines: Vec<&str> = source.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim_start().starts_with(first))?;
    let indent =
        &lines[start][..lines[start].len() - lines[start].trim_start().len()];
    let mut from = start;
    while from > 0
        && (lines[from - 1].trim_start().starts_with("///")
            || is_cfg(lines[from - 1]))
    {
        from -= 1;
    }
    let opener = start
        + lines[start..]
            .iter()
            .position(|l| l.trim_start().starts_with(last))?;
    let close = format!("{indent}}}");
    let end = opener + lines[opener..].iter().position(|l| *l == close)?;
    // A `#[cfg(...)]` line gates an item for one OS; it is not part of the
    // shared text (an example may gate its guard to Unix).
    let block: Vec<&str> = lines[from..=end]
        .iter()
        .filter(|l| !is_cfg(l))
        .map(|l| l.strip_prefix(indent).unwrap_or(l))
        .collect();
    Some(block.join("\n"))
}

/// A line that is only a `#[cfg(...)]` attribute.
fn is_cfg(line: &str) -> bool {
    let line = line.trim();
    line.starts_with("#[cfg(") && line.ends_with(")]")
}

/// What is wrong with `source`'s `fn usage`, or `None` when it has the one
/// form ([`USAGE_FORM`]) with a usage text that starts with
/// `usage: cargo run --example NAME`.
pub fn usage_form_problem(source: &str, name: &str) -> Option<String> {
    let count = code_only(source).matches("fn usage(").count();
    if count != 1 {
        return Some(format!("has {count} `fn usage(` (expected exactly one)"));
    }
    let Some(block) = item_block(source, "fn usage(", "fn usage(") else {
        return Some(
            "`fn usage` does not end with a `}` line of its own".into(),
        );
    };
    let prefix = format!("    eprintln!(\"usage: cargo run --example {name}");
    // rustfmt puts a long usage text on a line of its own; read it as one.
    let block = block
        .replace("eprintln!(\n        \"", "eprintln!(\"")
        .replace("\",\n    );", "\");")
        .replace("\"\n    );", "\");");
    let lines: Vec<&str> = block.lines().collect();
    let expected: Vec<&str> = USAGE_FORM.lines().collect();
    let fits = lines.len() == expected.len()
        && lines.iter().zip(&expected).enumerate().all(|(i, (l, e))| {
            if i == 2 {
                l.strip_prefix(&prefix).is_some_and(|rest| {
                    rest.strip_suffix("\");").is_some_and(|text| {
                        !text.contains('"')
                            && (text.is_empty() || text.starts_with(' '))
                    })
                })
            } else {
                l == e
            }
        });
    (!fits).then(|| {
        format!(
            "`fn usage` is not the one form (only the text after \
             `usage: cargo run --example {name}` may vary):\n{USAGE_FORM}\n\
             found:\n{block}"
        )
    })
}

/// A cost example measures what a page quotes: it has the measuring
/// pattern, or prints CSV rows (`--csv`).
pub fn is_cost_example(source: &str) -> bool {
    code_only(source).contains("struct Stats") || source.contains("\"--csv\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_only_blanks_comments_and_literals_and_keeps_offsets() {
        let source = "let a = \"libc::x\"; // tokio::time\n\
                      /* libc:: /* nested */ */ let c = '\"'; let l: &'a str = r#\"tokio::\"#;\n\
                      libc::getpid(); let é = \"é\";";
        let code = code_only(source);
        assert_eq!(code.len(), source.len());
        assert_eq!(code.lines().count(), source.lines().count());
        assert!(!code.contains("tokio"), "{code}");
        assert_eq!(code.matches("libc::").count(), 1, "{code}");
        assert!(code.contains("&'a str"), "a lifetime is code: {code}");
        assert!(code.contains("let é"), "{code}");
    }

    #[test]
    fn crates_are_found_in_code_only() {
        assert!(uses_libc("fn f() { unsafe { libc::getpid() }; }"));
        assert!(!uses_libc("// libc::getpid()\nfn f() {}"));
        assert!(uses_tokio("use tokio::sync::Notify;"));
        assert!(!uses_tokio("println!(\"tokio::spawn\");"));
    }

    fn features(source: &str) -> Vec<&'static str> {
        tokio_features(source).into_iter().collect()
    }

    #[test]
    fn tokio_features_follow_the_documented_mapping() {
        assert_eq!(
            features("#[tokio::main]\nasync fn main() {}"),
            ["macros", "rt-multi-thread"]
        );
        assert_eq!(
            features(
                "#[tokio::main(flavor = \"current_thread\")]\n\
                 async fn main() { tokio::time::sleep(D).await; }"
            ),
            ["macros", "rt", "time"]
        );
        assert_eq!(
            features(
                "use tokio::{sync::Notify, time::{sleep, Duration}};\n\
                 let rt = tokio::runtime::Builder::new_multi_thread().build();"
            ),
            ["rt-multi-thread", "sync", "time"]
        );
        assert_eq!(
            features(
                "let rt = Builder::new_current_thread(); tokio::spawn(f);"
            ),
            ["rt"]
        );
        assert_eq!(
            features("use tokio::select;\nselect! { _ = a => {} }"),
            ["macros"]
        );
        assert_eq!(
            features(
                "use tokio::io::{AsyncWriteExt, stdout};\nuse tokio::net::TcpListener;"
            ),
            ["io-std", "io-util", "net"]
        );
        assert!(features("fn main() {} // tokio::main").is_empty());
    }

    #[test]
    fn needs_lines_parse_as_cargo_dependencies() {
        let source = "//! Question: Why?\n//!\n\
                      //! Needs: libc = \"0.2\" (Unix)\n\
                      //! Needs: tokio = { version = \"1\", features = [\"rt\", \"time\"] }\n\
                      fn main() {}\n//! Needs: ignored = \"1\"\n";
        let needs = needs(source).expect("valid Needs lines");
        assert_eq!(needs.len(), 2);
        assert_eq!(needs[0].krate, "libc");
        assert_eq!(needs[0].version(), Some("0.2"));
        assert!(needs[0].unix_only);
        assert_eq!(needs[1].krate, "tokio");
        assert_eq!(needs[1].version(), Some("1"));
        assert_eq!(needs[1].features(), ["rt", "time"]);
        assert!(!needs[1].unix_only);
        assert!(super::needs("//! Needs: tokio 1\n").is_err());
        assert!(super::needs("//! Needs: a = \"1\", b = \"2\"\n").is_err());
    }

    #[test]
    fn item_blocks_run_from_the_doc_comment_to_the_closing_brace() {
        let source = format!(
            "use std::process::Child;\n\n{KILL_ON_DROP}\n\nfn main() {{}}\n"
        );
        assert_eq!(
            item_block(
                &source,
                "struct KillOnDrop",
                "impl Drop for KillOnDrop"
            )
            .as_deref(),
            Some(KILL_ON_DROP)
        );
        let indented: String = KILL_ON_DROP
            .lines()
            .map(|l| {
                if l.is_empty() {
                    "\n".to_string()
                } else {
                    format!("    {l}\n")
                }
            })
            .collect();
        let nested = format!("mod unix {{\n{indented}}}\n");
        assert_eq!(
            item_block(
                &nested,
                "struct KillOnDrop",
                "impl Drop for KillOnDrop"
            )
            .as_deref(),
            Some(KILL_ON_DROP)
        );
        assert_eq!(
            item_block("fn main() {}\n", "struct Stats", "fn measure("),
            None
        );
    }

    #[test]
    fn only_the_one_usage_form_passes() {
        let good = |text: &str| {
            format!(
                "/// Prints how to run this example, and exits with code 2.\n\
                 fn usage() -> ! {{\n    eprintln!(\"usage: cargo run --example ch01-x{text}\");\n    \
                 std::process::exit(2)\n}}\n"
            )
        };
        assert_eq!(usage_form_problem(&good(""), "ch01-x"), None);
        assert_eq!(
            usage_form_problem(&good(" [-- --quick | --csv]"), "ch01-x"),
            None
        );
        assert!(usage_form_problem(&good(""), "ch01-y").is_some());
        assert!(usage_form_problem(&good("-more"), "ch01-x").is_some());
        let exit_with_semicolon = good("").replace("exit(2)\n", "exit(2);\n");
        assert!(usage_form_problem(&exit_with_semicolon, "ch01-x").is_some());
        assert!(usage_form_problem("fn main() {}\n", "ch01-x").is_some());
        // rustfmt's form for a usage text too long for one line.
        let wrapped = "/// Prints how to run this example, and exits with code 2.\n\
             fn usage() -> ! {\n    eprintln!(\n        \"usage: cargo run --example \
             ch01-x [-- [--quick] [--csv]]\"\n    );\n    std::process::exit(2)\n}\n";
        assert_eq!(usage_form_problem(wrapped, "ch01-x"), None);
    }

    #[test]
    fn cost_examples_are_the_measuring_ones() {
        assert!(is_cost_example(&format!("{MEASURE}\n")));
        assert!(is_cost_example("match a { \"--csv\" => {} }"));
        assert!(!is_cost_example("// struct Stats\nfn main() {}"));
    }
}
