//! A smaller search index: mdBook indexes every text of a page, so the
//! whole example files its pages embed (hidden lines included, for the run
//! buttons), the recorded runs and the diagrams' labels made up most of the
//! index (1.39 MB for a 30,000-word book). Nobody searches the book for a
//! line of a program's output; they search for the words of its prose.
//!
//! After mdBook has written the site, [`slim`] builds the index again from
//! the same pages, section by section as mdBook splits them (headings up to
//! `<h3>`), with the same tokenizer and options, but with the text of code
//! blocks (`<pre>`) and diagrams (`<figure class="diagram">`) left out.
//! Inline `code` in sentences stays searchable. Titles and breadcrumbs are
//! mdBook's own.

use std::collections::HashMap;
use std::path::Path;

use elasticlunr::IndexBuilder;
use regex::Regex;

const MAX_WORD_LENGTH_TO_INDEX: usize = 80;

/// How much of a section's prose the index stores for the teaser under a
/// search hit (every word stays searchable; only the stored copy is cut).
const TEASER_CHARS: usize = 800;

/// mdBook's tokenizer (mdbook-html's search.rs).
fn tokenize(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == '-')
        .filter(|s| !s.is_empty())
        .map(|s| s.trim().to_lowercase())
        .filter(|s| s.len() <= MAX_WORD_LENGTH_TO_INDEX)
        .collect()
}

fn decode(s: &str) -> String {
    let numeric = Regex::new(r"&#(x[0-9a-fA-F]+|[0-9]+);").expect("regex");
    let s = numeric.replace_all(s, |c: &regex::Captures| {
        let n = &c[1];
        let code = match n.strip_prefix('x') {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => n.parse().ok(),
        };
        code.and_then(char::from_u32)
            .map(String::from)
            .unwrap_or_default()
    });
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// The prose of each section of a built page, keyed by the heading's id.
fn sections(html: &str) -> HashMap<String, String> {
    let main = html
        .split_once("<main>")
        .and_then(|(_, m)| m.split_once("</main>"))
        .map_or("", |(m, _)| m);
    let drop = Regex::new(
        r#"(?s)<pre[\s>].*?</pre>|<figure class="diagram">.*?</figure>|<script[\s>].*?</script>|<style[\s>].*?</style>"#,
    )
    .expect("regex");
    let main = drop.replace_all(main, " ");
    let heading = Regex::new(r#"(?s)<h[1-3] id="([^"]+)"[^>]*>.*?</h[1-3]>"#)
        .expect("regex");
    let tag = Regex::new(r"<[^>]*>").expect("regex");
    let mut out = HashMap::new();
    let marks: Vec<(String, usize, usize)> = heading
        .captures_iter(&main)
        .map(|c| {
            let m = c.get(0).expect("match");
            (c[1].to_string(), m.start(), m.end())
        })
        .collect();
    for (i, (id, _, end)) in marks.iter().enumerate() {
        let stop = marks.get(i + 1).map_or(main.len(), |m| m.1);
        let text = tag.replace_all(&main[*end..stop], " ");
        out.insert(id.clone(), decode(&text));
    }
    out
}

/// Rewrites the site's `searchindex-*.js` in `site`; returns its size
/// before and after, in bytes.
pub fn slim(site: &Path) -> Result<(usize, usize), String> {
    let file = crate::files_with_suffix(site, ".js")
        .into_iter()
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("searchindex"))
        })
        .ok_or_else(|| format!("no searchindex*.js in {}", site.display()))?;
    let text = std::fs::read_to_string(&file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let prefix = "window.search = Object.assign(window.search, JSON.parse('";
    let suffix = "'));";
    let json = text
        .strip_prefix(prefix)
        .and_then(|t| t.trim_end().strip_suffix(suffix))
        .ok_or_else(|| {
            format!(
                "{} is not the search index mdBook 0.5 writes",
                file.display()
            )
        })?;
    // mdBook put a backslash before every `\\` and `'`: take them away.
    let mut unescaped = String::with_capacity(json.len());
    let mut chars = json.chars();
    while let Some(c) = chars.next() {
        unescaped.push(if c == '\\' {
            chars.next().unwrap_or(c)
        } else {
            c
        });
    }
    let json = unescaped;
    let mut doc: serde_json::Value = serde_json::from_str(&json)
        .map_err(|e| format!("{}: {e}", file.display()))?;
    let urls: Vec<String> = doc["doc_urls"]
        .as_array()
        .ok_or("the search index has no doc_urls")?
        .iter()
        .map(|u| u.as_str().unwrap_or_default().to_string())
        .collect();
    let store = doc["index"]["documentStore"]["docs"].clone();

    let mut pages: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut index = IndexBuilder::new()
        .add_field_with_tokenizer("title", Box::new(tokenize))
        .add_field_with_tokenizer("body", Box::new(tokenize))
        .add_field_with_tokenizer("breadcrumbs", Box::new(tokenize))
        .build();
    let ws = Regex::new(r"\s\s+").expect("regex");
    for (i, url) in urls.iter().enumerate() {
        let (page, id) = url.split_once('#').unwrap_or((url, ""));
        if !pages.contains_key(page) {
            let path = site.join(page);
            let html = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            pages.insert(page.to_string(), sections(&html));
        }
        let stored = &store[i.to_string()];
        let field =
            |f: &str| stored[f].as_str().unwrap_or_default().to_string();
        let body = pages[page]
            .get(id)
            .cloned()
            .unwrap_or_else(|| field("body"));
        let items = [field("title"), body, field("breadcrumbs")];
        index.add_doc(
            &i.to_string(),
            items
                .iter()
                .map(|x| ws.replace_all(x.trim(), " ").into_owned()),
        );
    }
    doc["index"] = serde_json::to_value(&index)
        .map_err(|e| format!("search index: {e}"))?;
    compact(&mut doc["index"]);
    let json = serde_json::to_string(&doc)
        .map_err(|e| format!("search index: {e}"))?;
    let out = format!(
        "{prefix}{}{suffix}",
        json.replace('\\', "\\\\").replace('\'', "\\'")
    );
    std::fs::write(&file, &out)
        .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    Ok((text.len(), out.len()))
}

/// Makes the serialised elasticlunr index smaller without changing a search
/// result (checked against elasticlunr.min.js of mdBook 0.5.4, which the
/// browser tests search with):
///
/// - a trie node that only leads to longer words (`"docs":{},"df":0`, about
///   a third of all nodes) loses both keys: `expandToken` skips a node
///   without `df > 0`, and `getDocs`/`getTermFrequency` are only asked
///   about the words `expandToken` returned;
/// - a term frequency (a square root) keeps two decimals, and a whole one
///   is written `1`, not `1.0`;
/// - the copy of each section kept for teasers keeps its first
///   [`TEASER_CHARS`] characters, cut at a space.
fn compact(index: &mut serde_json::Value) {
    fn trie(node: &mut serde_json::Value) {
        let Some(map) = node.as_object_mut() else {
            return;
        };
        let empty = map.get("df").and_then(|d| d.as_u64()) == Some(0)
            && map
                .get("docs")
                .and_then(|d| d.as_object())
                .is_some_and(|d| d.is_empty());
        if empty {
            map.remove("docs");
            map.remove("df");
        }
        if let Some(docs) = map.get_mut("docs").and_then(|d| d.as_object_mut())
        {
            for posting in docs.values_mut() {
                if let Some(tf) = posting["tf"].as_f64() {
                    let rounded = (tf * 100.0).round() / 100.0;
                    posting["tf"] = if rounded.fract() == 0.0 {
                        serde_json::json!(rounded as u64)
                    } else {
                        serde_json::json!(rounded)
                    };
                }
            }
        }
        for (key, child) in map.iter_mut() {
            if key != "docs" && key != "df" {
                trie(child);
            }
        }
    }
    if let Some(fields) = index["index"].as_object_mut() {
        for field in fields.values_mut() {
            trie(&mut field["root"]);
        }
    }
    if let Some(docs) = index["documentStore"]["docs"].as_object_mut() {
        for doc in docs.values_mut() {
            if let Some(body) = doc["body"].as_str() {
                doc["body"] = serde_json::json!(teaser_text(body));
            }
        }
    }
}

/// The start of a section's prose, at most [`TEASER_CHARS`] characters,
/// cut at a space and marked with `…` when cut.
fn teaser_text(body: &str) -> String {
    if body.chars().count() <= TEASER_CHARS {
        return body.to_string();
    }
    let end = body
        .char_indices()
        .nth(TEASER_CHARS)
        .map_or(body.len(), |(i, _)| i);
    let cut = body[..end].rfind(' ').unwrap_or(end);
    format!("{}…", &body[..cut])
}

/// What replaces mdBook's three search scripts in every page: a loader that
/// fetches them when the reader first opens search (the button, or the `s`
/// and `/` keys), or at once when the address asks to search or to mark
/// search hits. %SRCS% becomes the scripts' addresses, as the page wrote them.
const LOADER: &str = r#"<script>
// mdBook's search scripts (55 KB) load when the reader first opens search:
// see xtask/src/search.rs.
(() => {
    const srcs = %SRCS%;
    let loading = null;
    const load = () => loading ??= srcs.reduce((p, src) => p.then(() => new Promise((ok, fail) => {
        const s = document.createElement('script');
        s.src = src;
        s.onload = ok;
        s.onerror = () => fail(new Error('cannot load ' + src));
        document.head.append(s);
    })), Promise.resolve()).catch((e) => console.error(e.message));
    if (/[?&](search|highlight)=/.test(location.search)) {
        load();
        return;
    }
    const toggle = document.getElementById('mdbook-search-toggle');
    if (!toggle) return;
    const open = () => load().then(() => toggle.click());
    const onClick = (e) => {
        e.preventDefault();
        e.stopImmediatePropagation();
        toggle.removeEventListener('click', onClick, true);
        document.removeEventListener('keydown', onKey);
        open();
    };
    const onKey = (e) => {
        if (e.altKey || e.ctrlKey || e.metaKey || (e.key !== 's' && e.key !== '/')) return;
        if (e.target instanceof Element && e.target.closest('input, textarea, select, [contenteditable]')) return;
        e.preventDefault();
        toggle.removeEventListener('click', onClick, true);
        document.removeEventListener('keydown', onKey);
        open();
    };
    toggle.addEventListener('click', onClick, true);
    document.addEventListener('keydown', onKey);
})();
</script>"#;

/// In every page of `site`, replaces the `<script>` tags of elasticlunr,
/// mark and searcher with [`LOADER`]. Returns how many pages changed.
pub fn lazy_search_scripts(site: &Path) -> Result<usize, String> {
    let tags = Regex::new(
        r#"<script src="([^"]*elasticlunr[^"]*\.js)"></script>\s*<script src="([^"]*mark[^"]*\.js)"></script>\s*<script src="([^"]*searcher[^"]*\.js)"></script>"#,
    )
    .expect("regex");
    let mut changed = 0;
    for f in crate::html_pages(site) {
        let html = std::fs::read_to_string(&f)
            .map_err(|e| format!("cannot read {}: {e}", f.display()))?;
        let Some(c) = tags.captures(&html) else {
            continue;
        };
        let srcs = serde_json::to_string(&[&c[1], &c[2], &c[3]]).expect("JSON");
        let out = tags
            .replace(&html, regex::NoExpand(&LOADER.replace("%SRCS%", &srcs)));
        std::fs::write(&f, out.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", f.display()))?;
        changed += 1;
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn compact_drops_empty_trie_nodes_and_rounds_term_frequencies() {
        let mut index = json!({
            "index": {"body": {"root": {
                "docs": {}, "df": 0,
                "f": {"docs": {}, "df": 0,
                    "o": {"docs": {"3": {"tf": std::f64::consts::SQRT_2}}, "df": 1,
                        "x": {"docs": {"1": {"tf": 1.0}}, "df": 1}}}
            }}},
            "documentStore": {"docs": {"1": {"body": "short"}}}
        });
        compact(&mut index);
        assert_eq!(
            index["index"]["body"]["root"],
            json!({"f": {"o": {"docs": {"3": {"tf": 1.41}}, "df": 1,
                "x": {"docs": {"1": {"tf": 1}}, "df": 1}}}})
        );
        assert_eq!(index["documentStore"]["docs"]["1"]["body"], "short");
    }

    #[test]
    fn a_long_teaser_is_cut_at_a_space() {
        let body = "word ".repeat(TEASER_CHARS);
        let t = teaser_text(&body);
        assert!(t.ends_with("word…"), "{t}");
        assert!(t.chars().count() <= TEASER_CHARS + 1);
        assert_eq!(teaser_text("a few words"), "a few words");
    }

    #[test]
    fn sections_leave_out_code_and_diagrams() {
        let html = "<main><h1 id=\"t\">T</h1><p>fork &amp; exec</p>\
                    <pre><code>let x = 1;</code></pre>\
                    <h2 id=\"s\">S</h2><figure class=\"diagram\"><svg>label</svg></figure><p>zombie</p></main>";
        let s = sections(html);
        assert_eq!(
            s["t"].split_whitespace().collect::<Vec<_>>(),
            ["fork", "&", "exec"]
        );
        assert_eq!(s["s"].trim(), "zombie");
    }
}
