// Prints the whole book (mdBook's print page) to one PDF with headless
// Chromium, for reading offline. The Pages workflow publishes it beside the
// site; the introduction links to it.
//
//   node tools/print-pdf.mjs SITE_DIR OUT.pdf
//
// The PDF has an outline (bookmarks) from the headings, one entry per
// chapter title: the browser tests read it back to check every chapter is in.

import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { serve } from '../lib/server.mjs';

/** Writes the PDF of the site in `site` to `out`; returns its bytes. */
export async function printPdf(site, out) {
  const notFound = readFileSync(path.join(site, '404.html'), 'utf8');
  const prefix = /<base href="([^"]+)">/.exec(notFound)?.[1] ?? '/';
  const server = await serve(site, prefix.endsWith('/') ? prefix : prefix + '/');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
    headless: true,
  });
  try {
    const page = await browser.newPage();
    // Nothing leaves this machine (the playground's crate list, say).
    await page.route((u) => !u.href.startsWith(server.base), (r) => r.abort());
    // mdBook's print page calls window.print() once loaded: not here.
    await page.addInitScript(() => {
      window.print = () => {};
    });
    await page.goto(server.base + 'print.html', { waitUntil: 'load' });
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ format: 'A4', printBackground: false, outline: true, tagged: true, margin: { top: '15mm', bottom: '15mm', left: '12mm', right: '12mm' } });
    await writeFile(out, pdf);
    return pdf;
  } finally {
    await browser.close();
    await server.close();
  }
}

/** The titles of the PDF's outline entries, decoded. */
export function outlineTitles(pdf) {
  const text = pdf.toString('latin1');
  const titles = [];
  const re = /\/Title\s*(\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>)/g;
  for (const m of text.matchAll(re)) {
    const raw = m[1];
    let bytes;
    if (raw.startsWith('<')) {
      bytes = Buffer.from(raw.slice(1, -1).replace(/\s+/g, ''), 'hex');
    } else {
      const body = raw.slice(1, -1).replace(/\\([nrtbf()\\]|[0-7]{1,3})/g, (_, c) => {
        const map = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '(': '(', ')': ')', '\\': '\\' };
        return map[c] ?? String.fromCharCode(parseInt(c, 8));
      });
      bytes = Buffer.from(body, 'latin1');
    }
    if (bytes[0] === 0xfe && bytes[1] === 0xff) {
      const swapped = Buffer.from(bytes.subarray(2));
      swapped.swap16();
      titles.push(swapped.toString('utf16le'));
    } else {
      titles.push(bytes.toString('latin1'));
    }
  }
  return titles;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [site, out] = process.argv.slice(2);
  if (!site || !out) {
    console.error('usage: node tools/print-pdf.mjs SITE_DIR OUT.pdf');
    process.exit(2);
  }
  const pdf = await printPdf(path.resolve(site), path.resolve(out));
  console.log(`wrote ${out}: ${pdf.length} bytes, ${outlineTitles(pdf).length} outline entries`);
}
