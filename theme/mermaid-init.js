// Draws the book's Mermaid diagrams, and loads Mermaid only on pages that
// have one.
//
// mermaid.min.js is Mermaid 11.6.0 as mdbook-mermaid 0.17.1 ships it
// (`mdbook-mermaid install` writes it into theme/; after an upgrade, move the
// new file to src/mermaid/ and keep book.toml's additional-js as it is).
//
// The mdbook-mermaid preprocessor turns each ```mermaid block into
// <pre class="mermaid">SOURCE</pre>. Mermaid itself (mermaid.min.js, 2.7 MB)
// lives in src/mermaid/, which mdBook copies into the site as it is; this
// script, which book.toml loads on every page, adds it to a page only when
// the page has such a block. It draws the diagrams in Mermaid's light or dark
// theme to match the book's theme, and draws them again when the reader
// picks a theme from the other family.
//
// If Mermaid cannot draw a diagram, the block keeps its source text (which
// carries the diagram's accTitle and accDescr) and is marked
// data-mermaid-error; the error goes to the console, where the browser
// tests see it.

(() => {
    const blocks = Array.from(document.querySelectorAll('pre.mermaid'));
    if (blocks.length === 0) {
        return;
    }

    const DARK_THEMES = ['coal', 'navy', 'ayu'];
    const isDark = () => DARK_THEMES.some(t => document.documentElement.classList.contains(t));

    // Mermaid replaces a block's text with the SVG: keep the source to draw
    // it again after a theme change.
    for (const block of blocks) {
        block.dataset.mermaidSource = block.textContent;
    }

    let drawnDark = null;
    let drawing = Promise.resolve();

    function draw() {
        const dark = isDark();
        if (dark === drawnDark) {
            return drawing;
        }
        drawnDark = dark;
        drawing = drawing.then(async () => {
            for (const block of blocks) {
                block.removeAttribute('data-processed');
                block.removeAttribute('data-mermaid-error');
                block.removeAttribute('data-mermaid-theme');
                block.textContent = block.dataset.mermaidSource;
            }
            window.mermaid.initialize({
                startOnLoad: false,
                securityLevel: 'strict',
                theme: dark ? 'dark' : 'default',
                // Mermaid's dark theme puts #ccc labels on #585858 (4.4:1) and
                // note text on #474949 (4.5:1): darker and lighter, for 6.5:1+.
                themeVariables: dark ? { edgeLabelBackground: '#404040', noteTextColor: '#e0e0e0' } : {},
            });
            // One block at a time, so that one broken diagram does not keep
            // the others from being drawn.
            for (const block of blocks) {
                try {
                    await window.mermaid.run({ nodes: [block] });
                } catch (e) {
                    block.textContent = block.dataset.mermaidSource;
                    block.setAttribute('data-mermaid-error', '');
                    console.error('mermaid: cannot draw a diagram:', e && e.message ? e.message : e);
                }
                // Done with this block, in this theme (the browser tests wait for it).
                block.dataset.mermaidTheme = dark ? 'dark' : 'default';
            }
        });
        return drawing;
    }

    const script = document.createElement('script');
    // `path_to_root` is set by mdBook on every page ("" on the 404 page, whose
    // <base href> points at the site's root instead).
    script.src = path_to_root + 'mermaid/mermaid.min.js';
    script.async = true;
    script.onload = () => {
        draw();
        // mdBook's theme picker changes the class of <html>.
        new MutationObserver(draw).observe(document.documentElement, {
            attributes: true,
            attributeFilter: ['class'],
        });
    };
    script.onerror = () => {
        for (const block of blocks) {
            block.setAttribute('data-mermaid-error', '');
        }
        console.error('mermaid: cannot load ' + script.src);
    };
    document.head.appendChild(script);
})();
