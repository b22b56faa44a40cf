// Browser tests for the built book, in headless Chromium.
//
// The site is the folder in BOOK_DIR (default: ../book, what `cargo xtask
// build` writes); this file builds nothing. It is served on 127.0.0.1 by
// lib/server.mjs. Run: `BOOK_DIR=/path/to/site npm test`, or ./run.sh,
// which builds the book first.
//
// A failing check saves a screenshot of its page into browser-artifacts/
// (or BROWSER_ARTIFACTS).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { serve } from '../lib/server.mjs';
import { launch, newContext, open, screenshot, THEMES, DARK_THEMES, CRATE_LIST_URL, EVALUATE_URL } from '../lib/browser.mjs';
import { textContrast, diagramReport, headings } from '../lib/checks.mjs';

const REPO = path.resolve(import.meta.dirname, '../..');
const BOOK_DIR = path.resolve(process.env.BOOK_DIR ?? path.join(REPO, 'book'));

// Budgets: bytes over the wire for one cold visit, uncompressed. Diagrams are
// inline SVG drawn at build time: no page loads a diagram script.
const KB = 1000;
const BUDGET_PAGE = 300 * KB; // any page, diagrams included
// The print page holds every chapter and every diagram.
const BUDGET_PRINT = 1500 * KB;
// mdBook's search index, loaded when the reader first opens search.
const BUDGET_SEARCH_INDEX = 600 * KB;
// Diagram labels are normal-size text: WCAG AA's 4.5:1.
const DIAGRAM_CONTRAST = 4.5;
// The smallest text a diagram may draw, in CSS px, at the column's width on
// a desktop and on a phone (where a wide diagram scrolls inside its box).
const DIAGRAM_MIN_TEXT_PX = 12;
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
// Screenshots a person looks at (SCREENS=dir to write them).
const SCREENS = process.env.SCREENS ?? null;

// What the search box must find: the chapter whose page the first hit must
// open (or, where two chapters both treat the term, either of them), and a
// chapter that must be among the first three hits. A case whose chapters
// are not in the book yet is skipped (and says so).
//
// "fork": ch09's "fork, exec and spawn" is the full treatment, but ch04's
// short section "And with fork alone?" ranks first in mdBook's search;
// both are right answers, and ch09 follows at once.
const SEARCHES = [
  { term: 'fork', first: ['ch09-crashes-and-lifecycle.html', 'ch04-sharing-and-inheritance.html'], top3: 'ch09-crashes-and-lifecycle.html' },
  { term: 'zombie', first: ['ch09-crashes-and-lifecycle.html'], top3: 'ch09-crashes-and-lifecycle.html' },
  { term: 'deadlock', first: ['ch06-hard-bugs.html'], top3: 'ch06-hard-bugs.html' },
  { term: 'address space', first: ['ch02-address-space.html'], top3: 'ch02-address-space.html' },
];

// ---------------------------------------------------------------------------
// The site, and the list of its pages (before any test is defined).

assert.ok(existsSync(path.join(BOOK_DIR, 'toc.html')), `no built book in ${BOOK_DIR}: run \`cargo xtask build\` first (or set BOOK_DIR)`);
const notFoundHtml = readFileSync(path.join(BOOK_DIR, '404.html'), 'utf8');
const prefix = /<base href="([^"]+)">/.exec(notFoundHtml)?.[1] ?? '/';
const server = await serve(BOOK_DIR, prefix.endsWith('/') ? prefix : prefix + '/');
const browser = await launch();

// The chapters, in SUMMARY order, from the sidebar mdBook generated.
const tocHtml = readFileSync(path.join(BOOK_DIR, 'toc.html'), 'utf8');
const CHAPTERS = [...new Set([...tocHtml.matchAll(/<a href="([^"#]+\.html)"/g)].map((m) => m[1]))];
const hasDiagram = (file) => readFileSync(path.join(BOOK_DIR, file), 'utf8').includes('<figure class="diagram">');
const mainHtml = (file) => /<main>([\s\S]*)<\/main>/.exec(readFileSync(path.join(BOOK_DIR, file), 'utf8'))?.[1] ?? '';
const stripTags = (s) =>
  s
    .replace(/<[^>]+>/g, '')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .trim();

// Every page a reader can land on: the chapters, the print page, the 404
// page by name, and what a mistyped address shows.
const PAGES = [
  ...CHAPTERS.map((f) => ({ name: f, url: f, kind: 'chapter', diagrams: hasDiagram(f) })),
  { name: 'print.html', url: 'print.html', kind: 'print', diagrams: hasDiagram('print.html') },
  { name: '404.html', url: '404.html', kind: '404', diagrams: false },
  { name: 'a missing page', url: 'no/such/page.html', kind: 'missing', status: 404, diagrams: false },
];

const weights = [];
const externalSeen = [];

after(async () => {
  if (weights.length) {
    const rows = weights.map((w) => `  ${w.name.padEnd(36)} ${String(w.bytes).padStart(9)} B  budget ${w.budget}`);
    console.log(`\nbytes per page (cold cache, uncompressed, ${weights.length} pages):\n${rows.join('\n')}`);
  }
  if (externalSeen.length) {
    const counts = {};
    for (const e of externalSeen) counts[e.url] = (counts[e.url] ?? 0) + 1;
    console.log('\nrequests that would have left 127.0.0.1 (answered or blocked by the tests):');
    for (const [u, n] of Object.entries(counts)) console.log(`  ${n} x ${u}`);
  }
  await browser.close();
  await server.close();
});

// Runs `fn(visit)` with a fresh visit of `url`; on failure, saves a screenshot.
async function withPage(label, url, opts, fn) {
  const { context, external } = await newContext(browser, opts);
  const visit = await open(context, server.base + url, opts);
  visit.external = external;
  visit.context = context;
  try {
    await fn(visit);
  } catch (e) {
    const shot = await screenshot(visit.page, label);
    e.message += `\n    screenshot: ${shot}`;
    throw e;
  } finally {
    await context.close();
  }
}

// A describe() whose tests share one visit of the page; any failing test
// saves the page's screenshot once.
function pageSuite(title, url, opts, body) {
  describe(title, () => {
    const shared = { visit: null, failed: [] };
    before(
      async () => {
        const { context, external } = await newContext(browser, opts);
        shared.visit = await open(context, server.base + url, opts);
        shared.visit.context = context;
        shared.visit.external = external;
      },
      { timeout: TEST_TIMEOUT },
    );
    after(async () => {
      if (!shared.visit) return;
      if (shared.failed.length) {
        const file = await screenshot(shared.visit.page, `${title} ${shared.failed[0]}`);
        console.log(`    screenshot of ${title}: ${file}`);
      }
      await shared.visit.context.close();
    });
    const check = (name, fn) =>
      it(name, { timeout: TEST_TIMEOUT }, async () => {
        try {
          await fn(shared.visit);
        } catch (e) {
          shared.failed.push(name);
          throw e;
        }
      });
    body(check);
  });
}

// No single test may hang the run.
const TEST_TIMEOUT = 120_000;

const NO_TRANSITIONS = '*, *::before, *::after { transition: none !important; animation: none !important; }';

// ---------------------------------------------------------------------------

describe('the site', () => {
  it('lists its chapters in the sidebar', () => {
    assert.ok(CHAPTERS.length > 0, 'toc.html lists no chapter');
    assert.ok(CHAPTERS.includes('introduction.html'), `no introduction in ${CHAPTERS}`);
  });
});

for (const p of PAGES) {
  pageSuite(`page ${p.name}`, p.url, { expectStatus: p.status ?? 200 }, (check) => {
    check('loads with no console error and no failed request', (v) => {
      assert.deepEqual(v.problems, []);
    });

    check('sends no request off this machine but the playground crate list', (v) => {
      externalSeen.push(...v.external);
      const others = v.external.filter((e) => e.url !== CRATE_LIST_URL).map((e) => e.url);
      assert.deepEqual(others, []);
    });

    check(`stays within its weight budget, and loads no diagram script`, async (v) => {
      const scripts = v.resources.filter((r) => /mermaid/i.test(r.url)).map((r) => r.url);
      const budget = p.kind === 'print' ? BUDGET_PRINT : BUDGET_PAGE;
      weights.push({ name: p.name, bytes: v.bytes, budget });
      assert.deepEqual(scripts, [], 'a page loaded Mermaid');
      const top = [...v.resources].sort((a, b) => b.bytes - a.bytes).slice(0, 5);
      assert.ok(
        v.bytes <= budget,
        `${v.bytes} bytes over the wire, budget ${budget}; largest:\n${top.map((r) => `      ${r.bytes} ${r.url}`).join('\n')}`,
      );
    });

    check('has one top-level heading and skips no heading level', async (v) => {
      const hs = await v.page.evaluate(headings);
      const h1s = hs.filter((h) => h.level === 1);
      const expectH1 = p.kind === 'print' ? CHAPTERS.length : 1;
      assert.equal(h1s.length, expectH1, `h1s: ${JSON.stringify(h1s.map((h) => h.text))}`);
      let prev = 0;
      const skips = [];
      for (const h of hs) {
        if (h.level > prev + 1) skips.push(`h${prev || '-'} -> h${h.level} "${h.text}"`);
        prev = h.level;
      }
      assert.deepEqual(skips, []);
    });

    check('has a description and link-preview tags, and our favicon', async (v) => {
      const meta = await v.page.evaluate(() => {
        const get = (sel) => document.querySelector(sel)?.getAttribute('content') ?? null;
        return {
          description: get('meta[name="description"]'),
          ogTitle: get('meta[property="og:title"]'),
          ogDescription: get('meta[property="og:description"]'),
          ogType: get('meta[property="og:type"]'),
          twitterCard: get('meta[name="twitter:card"]'),
          icon: document.querySelector('link[rel="icon"]')?.href ?? null,
        };
      });
      for (const [k, val] of Object.entries(meta)) assert.ok(val, `missing ${k}`);
      const icon = await fetch(meta.icon);
      assert.equal(icon.status, 200, meta.icon);
      const ours = readFileSync(path.join(REPO, 'theme/favicon.svg'), 'utf8');
      assert.equal(await icon.text(), ours, 'the favicon is not theme/favicon.svg');
    });

    if (p.kind === 'chapter' || p.kind === 'print') {
      check('shows run and copy buttons on its examples, and where each example lives', async (v) => {
        await v.page.waitForTimeout(100);
        const blocks = await v.page.evaluate(() =>
          Array.from(document.querySelectorAll('main pre > code')).map((code) => {
            const pre = code.parentElement;
            // A block the reader cannot see yet (a folded answer, a drill
            // card not drawn) must have its buttons; a block on screen must
            // show them.
            const onScreen = pre.getClientRects().length > 0;
            const shown = (sel) => {
              const b = pre.querySelector(sel);
              return !!b && !b.hidden && !b.classList.contains('hidden') && (!onScreen || b.getClientRects().length > 0);
            };
            return {
              lang: Array.from(code.classList).find((c) => c.startsWith('language-')) ?? '',
              playground: pre.classList.contains('playground'),
              run: shown('.play-button'),
              copy: shown('.clip-button'),
              boring: !!code.querySelector('.boring'),
              eye: !!pre.querySelector('.buttons button[title="Show hidden lines"]'),
              runLine: /^\/\/! Run: (.+)$/m.exec(code.textContent)?.[1] ?? null,
            };
          }),
        );
        const problems = [];
        blocks.forEach((b, i) => {
          const where = `code block ${i + 1} (${b.lang})`;
          if (!b.copy) problems.push(`${where}: no copy button`);
          if (b.playground && !b.run) problems.push(`${where}: no run button`);
          if (b.boring && !b.eye) problems.push(`${where}: hidden lines but no button to show them`);
          // The run button sends the block's whole text: it must be the whole example.
          if (b.playground && !b.runLine) problems.push(`${where}: a runnable block without the example's "//! Run:" header`);
        });
        assert.deepEqual(problems, []);

        // Under each example: the command and a link to the file, which exists.
        const captions = await v.page.evaluate(() =>
          Array.from(document.querySelectorAll('main .example-source')).map((p) => ({
            command: p.querySelector('code')?.textContent ?? '',
            href: p.querySelector('a')?.href ?? '',
          })),
        );
        const examples = new Set(blocks.filter((b) => b.runLine).map((b) => b.runLine));
        assert.ok(captions.length >= examples.size, `${examples.size} examples, ${captions.length} captions`);
        for (const c of captions) {
          const m = /^https:\/\/github\.com\/[^/]+\/[^/]+\/blob\/[^/]+\/(examples\/.+\.rs)$/.exec(c.href);
          assert.ok(m, `caption link ${c.href}`);
          assert.ok(existsSync(path.join(REPO, m[1])), `${m[1]} does not exist in the repository`);
          if (/^examples\/[^/]+\.rs$/.test(m[1])) {
            assert.equal(c.command, `cargo run --example ${path.basename(m[1], '.rs')}`);
          }
        }
      });

      check('has no code block in a language the highlighter lacks', (v) => {
        assert.deepEqual(v.warnings.filter((w) => /Could not find the language/.test(w)), []);
      });
    }

    if (p.kind === 'chapter') {
      check('links to its repository and to its source for edits', async (v) => {
        const links = await v.page.evaluate(() => ({
          repo: document.querySelector('.right-buttons a[title="Git repository"]')?.href ?? null,
          edit: document.querySelector('.right-buttons a[rel="edit"]')?.href ?? null,
        }));
        assert.match(links.repo ?? '', /^https:\/\/github\.com\/[^/]+\/[^/]+\/?$/);
        const m = /\/edit\/[^/]+\/(src\/.+\.md)$/.exec(links.edit ?? '');
        assert.ok(m, `edit link ${links.edit}`);
        assert.ok(existsSync(path.join(REPO, m[1])), `${m[1]} is not in the repository`);
      });

      check('shows every code block without a sideways scrollbar (80 columns fit)', async (v) => {
        const wide = await v.page.evaluate(() =>
          Array.from(document.querySelectorAll('main pre > code'))
            .filter((c) => c.offsetParent !== null && c.scrollWidth > c.clientWidth + 1)
            .map((c) => {
              const longest = c.innerText.split('\n').reduce((a, b) => (b.length > a.length ? b : a), '');
              return `${c.scrollWidth} px in ${c.clientWidth} px: "${longest.slice(0, 100)}"`;
            }),
        );
        assert.deepEqual(wide, []);
      });
    }

    if (p.diagrams) {
      check('draws every diagram, with a text alternative a screen reader announces', async (v) => {
        const report = await v.page.evaluate(diagramReport);
        // What Chromium's accessibility tree exposes for each SVG.
        const ax = [];
        const { root } = await v.cdp.send('DOM.getDocument', { depth: -1, pierce: false });
        const { nodeIds: figures } = await v.cdp.send('DOM.querySelectorAll', { nodeId: root.nodeId, selector: 'figure.diagram' });
        for (const figure of figures) {
          const { nodeId } = await v.cdp.send('DOM.querySelector', { nodeId: figure, selector: ':scope > svg' });
          if (!nodeId) {
            ax.push(null);
            continue;
          }
          const { nodes } = await v.cdp.send('Accessibility.getPartialAXTree', { nodeId, fetchRelatives: false });
          const n = nodes[0] ?? {};
          ax.push({ role: n.role?.value ?? null, name: n.name?.value ?? '', description: n.description?.value ?? '', ignored: n.ignored });
        }
        const problems = [];
        report.forEach((d, i) => {
          const where = `diagram ${i + 1} ("${d.svgTitle ?? '?'}")`;
          if (!d.drawn) return problems.push(`${where}: no SVG`);
          if (d.kind === 'error') problems.push(`${where}: Mermaid drew its error picture`);
          // xtask/tests/diagrams.rs holds <title> and <desc> to the source's accTitle and accDescr.
          if (!d.svgTitle) problems.push(`${where}: no <title>`);
          if (!d.svgDesc) problems.push(`${where}: no <desc>`);
          if (d.labelledBy !== d.svgTitle) problems.push(`${where}: aria-labelledby gives ${JSON.stringify(d.labelledBy)}`);
          if (d.describedBy !== d.svgDesc) problems.push(`${where}: aria-describedby gives ${JSON.stringify(d.describedBy)}`);
          const a = ax[i];
          if (!a || a.ignored) problems.push(`${where}: not in the accessibility tree`);
          else {
            if (a.name !== d.svgTitle) problems.push(`${where}: announced name ${JSON.stringify(a.name)}`);
            if (a.description !== d.svgDesc) problems.push(`${where}: announced description ${JSON.stringify(a.description)}`);
          }
        });
        assert.deepEqual(problems, []);
      });

      check(`draws every diagram's text at ${DIAGRAM_MIN_TEXT_PX} px or more at the column's width`, async (v) => {
        const problems = [];
        for (const d of await v.page.evaluate(diagramReport)) {
          if (d.smallestText === null) problems.push(`diagram ${d.index + 1} ("${d.svgTitle}"): no text`);
          else if (d.smallestText < DIAGRAM_MIN_TEXT_PX)
            problems.push(
              `diagram ${d.index + 1} ("${d.svgTitle}"): "${d.smallestLabel}" is drawn at ${d.smallestText} px in a ${Math.round(d.boxWidth)} px column: too wide to read, redraw it narrower`,
            );
          if (d.scrollsSideways) problems.push(`diagram ${d.index + 1} ("${d.svgTitle}"): scrolls sideways on a desktop`);
        }
        assert.deepEqual(problems, []);
      });
    }

    check(`keeps text and diagrams readable in every theme (${THEMES.join(', ')})`, async (v) => {
      await v.page.addStyleTag({ content: NO_TRANSITIONS });
      const problems = [];
      for (const theme of THEMES) {
        // mdBook's theme buttons (the popup need not be open for a click).
        await v.page.evaluate((t) => document.getElementById(`mdbook-theme-${t}`).click(), theme);
        const current = await v.page.evaluate(() => document.documentElement.className);
        if (!current.split(/\s+/).includes(theme)) problems.push(`${theme}: <html class="${current}"> after picking it`);
        for (const s of await v.page.evaluate(textContrast)) {
          if (s.ratio < s.need) problems.push(`${theme}: ${s.kind} <${s.tag} class="${s.className}"> "${s.text}" ${s.fg} on ${s.bg} = ${s.ratio}:1 (needs ${s.need})`);
        }
        if (p.diagrams) {
          for (const d of await v.page.evaluate(diagramReport)) {
            if (!d.drawn) {
              problems.push(`${theme}: diagram ${d.index + 1} not drawn`);
              continue;
            }
            if (d.labels.length === 0) problems.push(`${theme}: diagram ${d.index + 1} has no text`);
            for (const l of d.labels) {
              if (l.ratio < DIAGRAM_CONTRAST) problems.push(`${theme}: diagram ${d.index + 1} label "${l.text}" ${l.fg} on ${l.bg} = ${l.ratio}:1`);
            }
          }
        }
        // The page as it looked in the theme that failed.
        if (problems.some((m) => m.startsWith(`${theme}: `))) {
          problems.push(`${theme}: screenshot ${await screenshot(v.page, `${p.name} in ${theme}`)}`);
        }
      }
      // Another test may read the page after this one: leave it light.
      await v.page.evaluate(() => document.getElementById('mdbook-theme-light').click());
      assert.deepEqual(problems, []);
    });
  });
}

// ---------------------------------------------------------------------------

describe('diagrams', () => {
  const first = PAGES.find((p) => p.kind === 'chapter' && p.diagrams);
  it('are drawn dark at load when a dark theme was chosen on an earlier visit', { skip: !first && 'no chapter has a diagram yet', timeout: TEST_TIMEOUT }, async () => {
    await withPage('diagrams-coal-at-load', first.url, { theme: 'coal' }, async (v) => {
      assert.deepEqual(v.problems, []);
      const report = await v.page.evaluate(diagramReport);
      for (const d of report) {
        assert.ok(d.drawn, `diagram ${d.index + 1} not drawn`);
        for (const l of d.labels) assert.ok(l.ratio >= DIAGRAM_CONTRAST, `label "${l.text}" ${l.fg} on ${l.bg} = ${l.ratio}:1`);
      }
    });
  });

  const withDiagrams = PAGES.filter((p) => p.kind === 'chapter' && p.diagrams);
  it(`fit a ${PHONE.width} px phone, text at ${DIAGRAM_MIN_TEXT_PX} px or more, scrolling sideways only inside their own box`, { skip: !first && 'no chapter has a diagram yet', timeout: TEST_TIMEOUT }, async () => {
    const problems = [];
    for (const p of withDiagrams) {
      await withPage(`phone-${p.name}`, p.url, { viewport: PHONE }, async (v) => {
        const pageScroll = await v.page.evaluate(() => document.documentElement.scrollWidth);
        if (pageScroll > PHONE.width) problems.push(`${p.name}: the page is ${pageScroll} px wide`);
        for (const d of await v.page.evaluate(diagramReport)) {
          const where = `${p.name} diagram ${d.index + 1} ("${d.svgTitle}")`;
          if (d.boxWidth > PHONE.width) problems.push(`${where}: its box is ${Math.round(d.boxWidth)} px wide`);
          if (d.smallestText !== null && d.smallestText < DIAGRAM_MIN_TEXT_PX) problems.push(`${where}: "${d.smallestLabel}" drawn at ${d.smallestText} px`);
        }
      });
    }
    assert.deepEqual(problems, []);
  });

  it('screenshots two diagrams in light and coal, for a person to look at', { skip: !SCREENS && 'set SCREENS=dir to write them', timeout: TEST_TIMEOUT }, async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(SCREENS, { recursive: true });
    for (const file of ['ch06-hard-bugs.html', 'ch09-crashes-and-lifecycle.html', 'ch15-cheat-sheet.html']) {
      if (!CHAPTERS.includes(file)) continue;
      for (const theme of ['light', 'coal']) {
        for (const [size, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
          await withPage(`shot-${file}`, file, { theme, viewport }, async (v) => {
            const figures = v.page.locator('figure.diagram');
            for (let i = 0; i < (await figures.count()); i++) {
              await figures.nth(i).screenshot({ path: path.join(SCREENS, `${path.basename(file, '.html')}-${i + 1}-${theme}-${size}.png`) });
            }
          });
        }
      }
    }
  });
});

describe('search', () => {
  it(`loads a search index of at most ${BUDGET_SEARCH_INDEX / KB} KB`, { timeout: TEST_TIMEOUT }, async () => {
    await withPage('search-index', 'introduction.html', {}, async (v) => {
      await v.page.click('#mdbook-search-toggle');
      await v.page.waitForFunction(() => document.activeElement?.id === 'mdbook-searchbar', null, { timeout: 5000 });
      await v.page.keyboard.type('thread');
      await v.page.locator('#mdbook-searchresults li a').first().waitFor({ timeout: 10000 });
      const index = v.resources.filter((r) => /searchindex[^/]*\.(js|json)$/.test(r.url));
      assert.equal(index.length, 1, `search index requests: ${JSON.stringify(index)}`);
      console.log(`    search index: ${index[0].bytes} B over the wire (${index[0].url.split('/').pop()})`);
      assert.ok(index[0].bytes <= BUDGET_SEARCH_INDEX, `the search index is ${index[0].bytes} B, budget ${BUDGET_SEARCH_INDEX}`);
    });
  });

  for (const { term, first, top3 } of SEARCHES) {
    const missing = [...first, top3].filter((c) => !CHAPTERS.includes(c));
    const skip = missing.length > 0 && `${missing.join(', ')} not in the book yet`;
    it(`finds "${term}": the first hit opens ${first.join(' or ')}`, { skip, timeout: TEST_TIMEOUT }, async () => {
      await withPage(`search-${term}`, 'introduction.html', {}, async (v) => {
        await v.page.click('#mdbook-search-toggle');
        await v.page.waitForFunction(() => document.activeElement?.id === 'mdbook-searchbar', null, { timeout: 5000 });
        // Typed, not filled: mdBook searches on keyup.
        await v.page.keyboard.type(term);
        const hits = v.page.locator('#mdbook-searchresults li a');
        await hits.first().waitFor({ timeout: 10000 });
        const pages = (await hits.evaluateAll((as) => as.map((a) => a.getAttribute('href')))).map((h) =>
          new URL(h, server.base).pathname.split('/').pop(),
        );
        assert.ok(first.includes(pages[0]), `first hit: ${pages[0]}; hits: ${pages.slice(0, 5).join(', ')}`);
        assert.ok(pages.slice(0, 3).includes(top3), `${top3} is not among the first three hits: ${pages.slice(0, 5).join(', ')}`);
        await Promise.all([v.page.waitForURL((u) => u.pathname.endsWith('/' + pages[0])), hits.first().click()]);
        assert.ok((await v.page.locator('main mark').count()) > 0, 'the chapter does not mark the search term');
        assert.deepEqual(v.problems, []);
      });
    });
  }
});

describe('print page', () => {
  it('holds every chapter, in the order of SUMMARY.md', { timeout: TEST_TIMEOUT }, async () => {
    await withPage('print-order', 'print.html', {}, async (v) => {
      const printed = await v.page.evaluate(() => Array.from(document.querySelectorAll('main h1')).map((h) => h.textContent.trim()));
      const expected = CHAPTERS.map((f) => {
        const m = /<h1[^>]*>([\s\S]*?)<\/h1>/.exec(mainHtml(f));
        return m ? stripTags(m[1]) : `(${f} has no h1)`;
      });
      assert.deepEqual(printed, expected);
      const count = (html, re) => (html.match(re) ?? []).length;
      const sum = (re) => CHAPTERS.reduce((n, f) => n + count(mainHtml(f), re), 0);
      const print = mainHtml('print.html');
      assert.equal(count(print, /<figure class="diagram">/g), sum(/<figure class="diagram">/g), 'diagrams');
      assert.equal(count(print, /class="drill-card"/g), sum(/class="drill-card"/g), 'drill questions');
      assert.equal(count(print, /<pre><code/g), sum(/<pre><code/g), 'code blocks');
    });
  });
});

describe('the drill page', () => {
  const DRILL = 'practice.html';
  const skip = !CHAPTERS.includes(DRILL) && `${DRILL} is not in the book`;
  // The questions the build put on the page (xtask/tests/drill.rs checks
  // they are every chapter's self-check questions).
  const total = skip ? 0 : (mainHtml(DRILL).match(/class="drill-card"/g) ?? []).length;
  const progress = (page) => page.evaluate(() => {
    const p = document.querySelector('.drill-progress');
    return { known: Number(p.dataset.known), total: Number(p.dataset.total), text: p.textContent };
  });
  const shown = (page) => page.evaluate(() =>
    Array.from(document.querySelectorAll('main .drill-card')).filter((c) => c.getClientRects().length > 0).map((c) => ({ id: c.dataset.id, open: c.querySelector('details').open })),
  );

  it('shows one question at a time, reveals the answer, and keeps progress across a reload', { skip, timeout: TEST_TIMEOUT }, async () => {
    await withPage('drill', DRILL, {}, async (v) => {
      const page = v.page;
      assert.deepEqual(v.problems, []);
      assert.ok(total > 0, 'no questions on the drill page');
      let cards = await shown(page);
      assert.equal(cards.length, 1, `${cards.length} questions shown at once`);
      assert.equal(cards[0].open, false, 'the answer is shown before it was asked for');
      assert.deepEqual(await progress(page), { known: 0, total, text: `Known: 0 of ${total}` });

      // Mouse: show the answer, then "Knew it".
      await page.click('.drill-show');
      assert.equal((await shown(page))[0].open, true, '"Show answer" did not open the answer');
      const first = cards[0].id;
      await page.click('.drill-knew');
      cards = await shown(page);
      assert.equal(cards.length, 1);
      assert.notEqual(cards[0].id, first, 'the same question again after "Knew it"');
      assert.equal((await progress(page)).known, 1);

      // Keyboard: Space shows the answer, K knew it, A again, N next.
      await page.evaluate(() => document.activeElement?.blur());
      await page.keyboard.press(' ');
      assert.equal((await shown(page))[0].open, true, 'Space did not show the answer');
      await page.keyboard.press('k');
      assert.equal((await progress(page)).known, 2, 'K did not count the question as known');
      await page.keyboard.press('a');
      assert.equal((await progress(page)).known, 2, 'A changed the count');
      // The buttons are reachable and work with Tab and Enter.
      await page.focus('.drill-show');
      await page.keyboard.press('Enter');
      assert.equal((await shown(page))[0].open, true, 'Enter on "Show answer" did not show it');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement.className), 'drill-knew');
      await page.keyboard.press('Enter');
      assert.equal((await progress(page)).known, 3, 'Enter on "Knew it" did not count');

      // Reloaded: the progress stays.
      await page.reload({ waitUntil: 'load' });
      assert.equal((await progress(page)).known, 3, 'progress lost on reload');

      // The chapter filter: only that chapter's questions, and its own count.
      const chapter = await page.evaluate(() => document.querySelector('.drill-filter option:nth-child(2)').value);
      await page.selectOption('.drill-filter', chapter);
      const inChapter = (mainHtml(DRILL).match(new RegExp(`data-chapter="${chapter}" data-chapter-title`, 'g')) ?? []).length;
      assert.equal((await progress(page)).total, inChapter);
      for (let i = 0; i < inChapter + 2; i++) {
        const [card] = await shown(page);
        if (!card) break;
        assert.ok(card.id.startsWith(chapter + '-'), `${card.id} shown with the filter on ${chapter}`);
        await page.click('.drill-knew');
      }
      assert.equal((await progress(page)).known, inChapter);
      assert.equal((await shown(page)).length, 0, 'a question is still shown when every one is known');
      assert.deepEqual(v.problems, []);
      if (SCREENS) {
        await page.click('.drill-reset');
        await page.selectOption('.drill-filter', '');
      }
    });
  });

  it('is the plain list of questions with folded answers without JavaScript', { skip, timeout: TEST_TIMEOUT }, async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: PHONE });
    try {
      const page = await context.newPage();
      await page.goto(server.base + DRILL);
      const cards = await shown(page);
      assert.equal(cards.length, total);
      assert.ok(cards.every((c) => !c.open), 'an answer is unfolded');
    } finally {
      await context.close();
    }
  });

  it('screenshots the drill on a phone, for a person to look at', { skip: (skip || !SCREENS) && 'set SCREENS=dir to write them', timeout: TEST_TIMEOUT }, async () => {
    for (const theme of ['light', 'coal']) {
      await withPage('drill-phone', DRILL, { viewport: PHONE, theme }, async (v) => {
        await v.page.screenshot({ path: path.join(SCREENS, `drill-phone-${theme}.png`) });
        await v.page.click('.drill-show');
        await v.page.screenshot({ path: path.join(SCREENS, `drill-phone-${theme}-answer.png`), fullPage: true });
      });
    }
  });
});

describe('the PDF', () => {
  it('of the print page holds every chapter, and the introduction links to it', { timeout: TEST_TIMEOUT }, async () => {
    const { printPdf, outlineTitles } = await import('../tools/print-pdf.mjs');
    const { mkdtemp, rm } = await import('node:fs/promises');
    const os = await import('node:os');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tvp-pdf-'));
    try {
      const pdf = await printPdf(BOOK_DIR, path.join(dir, 'book.pdf'));
      console.log(`    PDF: ${pdf.length} B`);
      // A long title wraps in the PDF's outline: compare without white space.
      const squash = (t) => t.replace(/\s+/g, '');
      const titles = outlineTitles(pdf).map(squash);
      const chapters = CHAPTERS.map((f) => {
        const m = /<h1[^>]*>([\s\S]*?)<\/h1>/.exec(mainHtml(f));
        return m ? stripTags(m[1]) : `(${f} has no h1)`;
      });
      const missing = chapters.filter((c) => !titles.includes(squash(c)));
      assert.deepEqual(missing, [], `chapters missing from the PDF's outline; it has: ${titles.join(' | ')}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    assert.match(mainHtml('introduction.html'), /href="[^"]*thread-vs-process\.pdf"/, 'the introduction does not link to the PDF');
  });
});

describe('the 404 page', () => {
  it('helps a reader who followed a broken link back into the book', { timeout: TEST_TIMEOUT }, async () => {
    await withPage('404-links', 'no/such/chapter.html', { expectStatus: 404 }, async (v) => {
      assert.deepEqual(v.problems, []);
      const links = await v.page.evaluate(() => Array.from(document.querySelectorAll('main a')).map((a) => a.href));
      const intro = links.find((h) => /\/introduction\.html(#.*)?$/.test(h) && !h.includes('#'));
      const list = links.find((h) => /#/.test(h) && /\/introduction\.html#/.test(h));
      assert.ok(intro, `no link to the introduction in ${links}`);
      assert.ok(list, `no link to the chapter list in ${links}`);
      const res = await fetch(list.split('#')[0]);
      assert.equal(res.status, 200);
      const id = decodeURIComponent(list.split('#')[1]);
      assert.ok((await res.text()).includes(`id="${id}"`), `introduction.html has no #${id}`);
      await Promise.all([v.page.waitForURL(/introduction\.html$/), v.page.click(`main a[href$="introduction.html"]`)]);
      assert.ok((await v.page.locator('main h1').count()) === 1);
    });
  });
});

describe('keyboard', () => {
  const withCode = PAGES.find((p) => p.kind === 'chapter' && mainHtml(p.url).includes('class="playground"'));

  it('reaches and works the sidebar toggle, the theme picker and search', { timeout: TEST_TIMEOUT }, async () => {
    await withPage('keyboard-chrome', 'introduction.html', {}, async (v) => {
      const page = v.page;
      // Tab from the top of the page and note what takes the focus.
      const order = [];
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press('Tab');
        order.push(await page.evaluate(() => document.activeElement?.id || document.activeElement?.className || document.activeElement?.tagName));
      }
      for (const id of ['mdbook-sidebar-toggle', 'mdbook-theme-toggle', 'mdbook-search-toggle']) {
        assert.ok(order.includes(id), `Tab never reaches #${id}; it reached: ${order.join(', ')}`);
      }

      // Sidebar: Enter and Space toggle it.
      const sidebarShown = () => page.evaluate(() => document.documentElement.classList.contains('sidebar-visible'));
      const before = await sidebarShown();
      await page.focus('#mdbook-sidebar-toggle');
      await page.keyboard.press('Enter');
      await page.waitForTimeout(100);
      assert.equal(await sidebarShown(), !before, 'Enter on the sidebar toggle');
      assert.equal(await page.getAttribute('#mdbook-sidebar-toggle', 'aria-expanded'), String(!before));
      await page.keyboard.press(' ');
      await page.waitForTimeout(100);
      assert.equal(await sidebarShown(), before, 'Space on the sidebar toggle');

      // Theme picker: Enter opens it on the current theme, arrows move, Enter picks.
      await page.focus('#mdbook-theme-toggle');
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate(() => document.activeElement.id), 'mdbook-theme-light');
      await page.keyboard.press('ArrowDown'); // rust
      await page.keyboard.press('ArrowDown'); // coal
      await page.keyboard.press('Enter');
      assert.ok(await page.evaluate(() => document.documentElement.classList.contains('coal')), 'Enter on Coal did not switch the theme');
      await page.keyboard.press('Escape');

      // Search: Enter on the toggle focuses the box; arrows and Enter open a hit.
      await page.focus('#mdbook-search-toggle');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.activeElement?.id === 'mdbook-searchbar', null, { timeout: 5000 });
      await page.keyboard.type('process');
      await page.locator('#mdbook-searchresults li a').first().waitFor({ timeout: 10000 });
      const target = await page.locator('#mdbook-searchresults li a').first().getAttribute('href');
      await page.keyboard.press('ArrowDown');
      await Promise.all([page.waitForURL((u) => u.href.includes(target.split('#')[0].split('?')[0])), page.keyboard.press('Enter')]);
      assert.deepEqual(v.problems, []);
    });
  });

  it('reaches and works the copy and run buttons of an example', { skip: !withCode && 'no chapter has a runnable example yet', timeout: TEST_TIMEOUT }, async () => {
    let sent = null;
    const onEvaluate = (body) => {
      sent = JSON.parse(body);
      return { result: 'hello from the stub playground\n', error: null };
    };
    await withPage('keyboard-buttons', withCode.url, { onEvaluate }, async (v) => {
      const page = v.page;
      // The run buttons appear once the (stubbed) crate list has come back.
      await page.locator('pre.playground .play-button:not([hidden])').first().waitFor({ state: 'attached', timeout: 5000 });
      // Tab until a copy button, then a run button, takes the focus.
      const reach = async (cls) => {
        for (let i = 0; i < 200; i++) {
          await page.keyboard.press('Tab');
          const hit = await page.evaluate((c) => document.activeElement?.classList.contains(c) && !!document.activeElement.closest('pre.playground'), cls);
          if (hit) return true;
        }
        return false;
      };
      assert.ok(await reach('clip-button'), 'Tab never reaches a copy button of a runnable example');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.activeElement?.classList.contains('tooltipped'), null, { timeout: 5000 });
      assert.ok(await reach('play-button'), 'Tab never reaches a run button');
      await page.keyboard.press('Enter');
      // "Running..." first, then what the (stubbed) playground answered.
      await page.waitForFunction(
        () => /hello from the stub playground/.test(document.querySelector('pre.playground code.result')?.textContent ?? ''),
        null,
        { timeout: 5000 },
      );
      assert.ok(sent && /fn main\(\)/.test(sent.code), 'the run button did not send the whole program');
      assert.deepEqual(v.problems, []);
    });
  });
});
