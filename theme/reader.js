// Small comforts for readers, on top of mdBook's own book.js.
//
// 1. Under the code of each example, the command that runs it and a link to
//    its file in the repository. Both come from the header every example
//    opens with (STYLE.md): `//! Run: cargo run --example NAME`. The header
//    is among the hidden lines of the code block, so it is read from the
//    block's text; no Markdown convention is needed.
// 2. The sidebar toggle works from the keyboard: mdBook 0.5 makes it a
//    <label> for a hidden checkbox, which Tab never reaches.
// 3. One top-level heading per page: the book title in the menu bar is an
//    <h1> in mdBook's template, so a screen reader heard two. It stays
//    visible; it is just no longer announced as a heading.

(() => {
    // --- 1. Run command and source link under each example -----------------
    const RUN = /^\/\/! Run: (.+)$/m;

    // The repository and the branch, from the links mdBook puts in the menu
    // bar (book.toml: git-repository-url and edit-url-template).
    function sourceUrl(file) {
        const repo = document.querySelector('.right-buttons a[title="Git repository"]');
        if (!repo) {
            return null;
        }
        let branch = 'main';
        const edit = document.querySelector('.right-buttons a[rel="edit"]');
        const m = edit && /\/edit\/([^/]+)\//.exec(edit.getAttribute('href'));
        if (m) {
            branch = m[1];
        }
        return repo.getAttribute('href').replace(/\/$/, '') + '/blob/' + branch + '/' + file;
    }

    // What the header says: { command, note, file } or null.
    function exampleOf(code) {
        const m = RUN.exec(code.textContent);
        if (!m) {
            return null;
        }
        const line = m[1].trim();
        let cargo = /^cargo run --example ([A-Za-z0-9_-]+)/.exec(line);
        if (cargo) {
            return { command: line, note: '', file: 'examples/' + cargo[1] + '.rs' };
        }
        // A program that must not compile:
        // `rustc --edition 2024 NAME.rs (in examples/compile_fail; it must fail)`
        const rustc = /^(rustc [^(]*?([A-Za-z0-9_-]+\.rs))\s*(?:\((.*)\))?$/.exec(line);
        if (rustc) {
            const dir = /examples\/compile_fail/.test(line) ? 'examples/compile_fail/' : 'examples/';
            return { command: rustc[1], note: rustc[3] || '', file: dir + rustc[2] };
        }
        return { command: line, note: '', file: null };
    }

    function caption(example) {
        const p = document.createElement('p');
        p.className = 'example-source';
        p.append('Run it: ');
        const code = document.createElement('code');
        code.textContent = example.command;
        p.append(code);
        if (example.note) {
            p.append(' (' + example.note + ')');
        }
        const url = example.file && sourceUrl(example.file);
        if (url) {
            p.append(' · ');
            const a = document.createElement('a');
            a.href = url;
            a.textContent = example.file;
            a.title = 'The whole program on GitHub';
            p.append(a);
        }
        return p;
    }

    // An example is often shown in several excerpts; the caption goes once,
    // under the last excerpt before anything else (prose aside) is shown.
    const shown = [];
    document.querySelectorAll('main pre > code.language-rust').forEach(code => {
        const example = exampleOf(code);
        if (example) {
            shown.push({ pre: code.parentElement, example });
        }
    });
    shown.forEach((item, i) => {
        const next = shown[i + 1];
        if (next && next.example.file === item.example.file && next.example.command === item.example.command) {
            return;
        }
        item.pre.after(caption(item.example));
    });

    // --- 2. Keyboard access to the sidebar toggle ---------------------------
    const toggle = document.getElementById('mdbook-sidebar-toggle');
    if (toggle && toggle.tagName === 'LABEL') {
        toggle.setAttribute('role', 'button');
        toggle.setAttribute('tabindex', '0');
        toggle.addEventListener('keydown', e => {
            if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault();
                toggle.click();
            }
        });
    }

    // --- 3. One top-level heading -------------------------------------------
    const title = document.querySelector('#mdbook-menu-bar h1.menu-title');
    if (title) {
        title.setAttribute('role', 'presentation');
    }
})();
