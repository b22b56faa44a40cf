// Draws the book's Mermaid diagrams as SVG, with Mermaid itself
// (diagrams/mermaid-11.6.0.min.js) in headless Chromium. `cargo xtask diagrams`
// runs this and writes what it prints into diagrams/; the book then inlines
// those SVGs, so no page loads a diagram script.
//
//   node tools/draw-diagrams.mjs JOB.json
//
// JOB.json: [{ "name": "ch06-hard-bugs-1", "where": "src/ch06-hard-bugs.md:40",
// "source": "flowchart TD ..." }, ...]. Prints [{ "name", "svg" }, ...] as
// JSON on stdout; on a diagram Mermaid cannot parse, prints Mermaid's message
// with the diagram's place on stderr and exits 1.
//
// Each diagram is drawn twice, in Mermaid's light ("default") and dark
// themes, and the two are merged into one SVG: the light drawing's markup,
// with the dark drawing's style rules added under the book's dark themes
// (`:is(.coal, .navy, .ayu) ...`), so the SVG follows the reader's theme.
// Labels are SVG text (htmlLabels off), in a font whose widths are close on
// every system (DejaVu Sans on Linux, Verdana elsewhere), so that text drawn
// here fits its box on the reader's screen.

import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const REPO = path.resolve(import.meta.dirname, '../..');
// Mermaid 11.6.0, vendored (what mdbook-mermaid 0.17.1 shipped).
const MERMAID = path.join(REPO, 'diagrams/mermaid-11.6.0.min.js');
const FONT = '"DejaVu Sans", Verdana, sans-serif';
// The smallest text a reader gets: on a narrow screen a diagram keeps at
// least this size and scrolls sideways inside its box instead.
const MIN_TEXT_PX = 12;

const jobs = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu'],
  headless: true,
});
let failed = false;
const out = [];
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // A fresh page for each drawing: Mermaid numbers some elements with
  // counters that live as long as the page does.
  const fresh = async () => {
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.addScriptTag({ path: MERMAID });
  };
  for (const job of jobs) {
    await fresh();
    const dark = await page.evaluate(render, { job, font: FONT, theme: 'dark' });
    await fresh();
    const light = dark.error ? dark : await page.evaluate(render, { job, font: FONT, theme: 'default' });
    const result = light.error ? light : await page.evaluate(merge, { job, minText: MIN_TEXT_PX, light: light.svg, dark: dark.svg });
    if (result.error) {
      console.error(`${job.where}: Mermaid cannot draw this diagram:\n${result.error}`);
      failed = true;
    } else {
      out.push({ name: job.name, svg: result.svg, width: result.width, minWidth: result.minWidth });
    }
  }
} finally {
  await browser.close();
}
if (failed) process.exit(1);
process.stdout.write(JSON.stringify(out));

// Runs in the page: one drawing in one Mermaid theme, as SVG text.
async function render({ job, font, theme }) {
  const { mermaid } = window;
  try {
    await mermaid.parse(job.source);
    mermaid.initialize({
      startOnLoad: false,
      securityLevel: 'strict',
      theme,
      fontFamily: font,
      htmlLabels: false,
      flowchart: { htmlLabels: false },
      // Mermaid's dark theme puts #ccc labels on #585858 (4.4:1) and note
      // text on #474949 (4.5:1): darker and lighter, for 6.5:1+.
      themeVariables:
        theme === 'dark' ? { edgeLabelBackground: '#404040', noteTextColor: '#e0e0e0', fontFamily: font } : { fontFamily: font },
    });
    const { svg } = await mermaid.render(job.name, job.source);
    return { svg };
  } catch (e) {
    return { error: String(e?.message ?? e) };
  }
}

// Runs in the page: the light drawing, merged with the dark one.
function merge({ job, minText, light: lightText, dark: darkSvg }) {
  const parse = (svg) => new DOMParser().parseFromString(svg, 'image/svg+xml').documentElement;
  const lightSvg = parse(lightText);
  const dark = parse(darkSvg);
  const styleOf = (svg) => svg.querySelector('style');
  const darkCss = styleOf(dark).textContent;
  const lightCss = styleOf(lightSvg).textContent;

  // The two drawings must have the same elements; where a colour is an
  // attribute (fill, stroke, style) rather than a style rule, the dark
  // value becomes a rule for that element.
  const darkRules = [];
  const la = [lightSvg, ...lightSvg.querySelectorAll('*')];
  const da = [dark, ...dark.querySelectorAll('*')];
  if (la.length !== da.length) return { error: `the light and dark drawings have ${la.length} and ${da.length} elements` };
  let mark = 0;
  for (let i = 0; i < la.length; i++) {
    const [l, d] = [la[i], da[i]];
    if (l.tagName !== d.tagName || l.tagName === 'style') continue;
    const names = new Set([...l.getAttributeNames(), ...d.getAttributeNames()]);
    const decls = [];
    for (const n of names) {
      if (l.getAttribute(n) === d.getAttribute(n)) continue;
      if (n === 'fill' || n === 'stroke') decls.push(`${n}:${d.getAttribute(n)} !important`);
      else if (n === 'style') decls.push(...(d.getAttribute(n) ?? '').split(';').filter((x) => x.trim()).map((x) => `${x} !important`));
      else return { error: `the light and dark drawings differ in <${l.tagName} ${n}>: ${l.getAttribute(n)} / ${d.getAttribute(n)}` };
    }
    if (decls.length) {
      const id = `${mark++}`;
      l.setAttribute('data-dark', id);
      darkRules.push(`:is(.coal,.navy,.ayu) #${job.name} [data-dark="${id}"]{${decls.join(';')}}`);
    }
  }
  const light = lightSvg;

  // Only the rules that style something in this drawing (Mermaid's sheet
  // covers every kind of diagram: most of it styles nothing here), and the
  // dark ones with each selector under the book's dark themes.
  const splitSelectors = (s) => {
    const parts = [];
    let depth = 0;
    let cur = '';
    for (const ch of s) {
      if (ch === '(') depth++;
      if (ch === ')') depth--;
      if (ch === ',' && depth === 0) {
        parts.push(cur.trim());
        cur = '';
      } else cur += ch;
    }
    parts.push(cur.trim());
    return parts;
  };
  const used = (sel) => {
    try {
      return light.matches(sel) || !!light.querySelector(sel);
    } catch {
      return true; // a pseudo-element, say: keep it
    }
  };
  const rulesOf = (css, prefix) => {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    const out = [];
    for (const rule of sheet.cssRules) {
      if (!(rule instanceof CSSStyleRule)) {
        // @keyframes and the like: the same in both themes, kept once.
        if (!prefix) out.push(rule.cssText);
        continue;
      }
      const sels = splitSelectors(rule.selectorText).filter(used);
      if (sels.length && rule.style.cssText) out.push(`${sels.map((x) => prefix + x).join(',')}{${rule.style.cssText}}`);
    }
    return out;
  };
  styleOf(light).textContent = [...rulesOf(lightCss, ''), ...rulesOf(darkCss, ':is(.coal,.navy,.ayu) '), ...darkRules].join('');

  // Its natural width, and the narrowest it may be drawn: its smallest text
  // at MIN_TEXT_PX.
  const holder = document.createElement('div');
  holder.style.width = '5000px';
  document.body.replaceChildren(holder);
  holder.append(light);
  const width = light.viewBox.baseVal.width;
  light.removeAttribute('width');
  light.removeAttribute('height');
  light.setAttribute('style', `width:${width}px;max-width:none`);
  let smallest = Infinity;
  for (const t of light.querySelectorAll('text, tspan')) {
    if (!t.textContent.trim()) continue;
    const size = parseFloat(getComputedStyle(t).fontSize) * (t.getScreenCTM()?.a ?? 1);
    if (size > 0) smallest = Math.min(smallest, size);
  }
  if (!Number.isFinite(smallest)) return { error: 'the drawing has no text' };
  const minWidth = Math.ceil((width * minText) / smallest);
  light.setAttribute('style', `max-width:${Math.ceil(width)}px;--diagram-min-width:${minWidth}px`);
  light.setAttribute('class', 'diagram');
  holder.remove();
  // One decimal is a tenth of a CSS pixel: enough.
  // Mermaid repeats itself: defaults on every word of every label, empty
  // styles, class names twice over. Those go, as bytes every reader pays.
  for (const el of light.querySelectorAll('*')) {
    for (const a of ['font-weight', 'font-style']) if (el.getAttribute(a) === 'normal') el.removeAttribute(a);
    if (el.getAttribute('style') === '') el.removeAttribute('style');
    const cls = el.getAttribute('class');
    if (cls) el.setAttribute('class', [...new Set(cls.split(/\s+/).filter(Boolean))].join(' '));
  }
  const svg = new XMLSerializer().serializeToString(light).replace(/(\d\.\d)\d+/g, '$1').replace(/\n/g, ' ');
  return { svg, width, minWidth };
}
