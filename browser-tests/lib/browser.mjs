// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core,
// and the bookkeeping every page load shares: console errors, uncaught
// exceptions, failed requests, requests that leave 127.0.0.1, and the bytes
// the page cost over the wire.

import { chromium } from 'playwright-core';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

export const THEMES = ['light', 'rust', 'coal', 'navy', 'ayu'];
export const DARK_THEMES = ['coal', 'navy', 'ayu'];

// The one request a page may send off this machine at load: mdBook's
// book.js asks the Rust playground which crates it has, and shows a code
// block's run button only when that answer arrives. The tests answer it
// themselves (nothing leaves the machine), with an empty crate list: the
// examples use no `extern crate`, so every run button appears.
export const CRATE_LIST_URL = 'https://play.rust-lang.org/meta/crates';
// Pressing a run button sends the code to `execute` (theme/run-buttons.js),
// or to `evaluate.json` when `execute` is not there; `onEvaluate` answers
// both, its `result` as the program's stdout.
export const EVALUATE_URL = 'https://play.rust-lang.org/evaluate.json';
export const EXECUTE_URL = 'https://play.rust-lang.org/execute';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launch() {
  const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
  // playwright-core gives every launch a fresh, empty --user-data-dir.
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
}

const isLocal = (url) => {
  try {
    const u = new URL(url);
    if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'about:') return true;
    return u.hostname === '127.0.0.1';
  } catch {
    return true;
  }
};

/**
 * A fresh browser context (own cache, own storage: a cold first visit)
 * with the theme preset in localStorage, and every request that would
 * leave 127.0.0.1 recorded and answered or aborted here.
 */
export async function newContext(browser, { theme = null, viewport = { width: 1280, height: 900 }, onEvaluate = null } = {}) {
  const context = await browser.newContext({ viewport, serviceWorkers: 'block' });
  const external = [];
  if (theme) {
    await context.addInitScript((t) => {
      try {
        localStorage.setItem('mdbook-theme', t);
      } catch {
        // ignore
      }
    }, theme);
  }
  await context.route(
    (url) => !isLocal(url.href),
    async (route) => {
      const req = route.request();
      const url = req.url();
      external.push({ url, method: req.method(), page: req.frame()?.page()?.url() ?? '' });
      const cors = {
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Allow-Headers': 'Content-Type',
        'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
      };
      if (url === CRATE_LIST_URL) {
        await route.fulfill({ status: 200, headers: cors, contentType: 'application/json', body: '{"crates":[]}' });
      } else if (url === EXECUTE_URL && onEvaluate && req.method() === 'POST') {
        const { result } = onEvaluate(req.postData());
        const body = { success: true, exitDetail: 'Exited successfully', stdout: result, stderr: '' };
        await route.fulfill({ status: 200, headers: cors, contentType: 'application/json', body: JSON.stringify(body) });
      } else if (url === EVALUATE_URL && onEvaluate) {
        const body = onEvaluate(req.postData());
        await route.fulfill({ status: 200, headers: cors, contentType: 'application/json', body: JSON.stringify(body) });
      } else {
        await route.abort('blockedbyclient');
      }
    },
  );
  return { context, external };
}

/**
 * Opens `url` in a new page of `context` and records what went wrong.
 * Resolves to { page, cdp, problems, warnings, bytes, resources, status } once the page
 * has loaded and the network has been quiet for a moment.
 */
export async function open(context, url, { expectStatus = 200, quietMs = 400, timeout = 20000 } = {}) {
  const page = await context.newPage();
  const problems = [];
  const warnings = [];
  page.on('console', (msg) => {
    if (msg.type() === 'warning') warnings.push(msg.text());
    if (msg.type() === 'error') {
      const loc = msg.location();
      // A page served with a 404 status on purpose logs that status.
      if (expectStatus === 404 && loc?.url === url && /status of 404/.test(msg.text())) return;
      problems.push(`console error: ${msg.text()}${loc?.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
    }
  });
  page.on('pageerror', (err) => problems.push(`uncaught exception: ${err.message}`));
  page.on('requestfailed', (req) => {
    const why = req.failure()?.errorText ?? 'failed';
    // Requests the tests blocked on purpose are reported by the
    // external-request check, not here.
    if (!isLocal(req.url())) return;
    // Cancelled by the browser, e.g. the page navigated away meanwhile.
    if (why === 'net::ERR_ABORTED') return;
    problems.push(`request failed: ${req.url()} (${why})`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400 && res.url() !== url) {
      problems.push(`HTTP ${res.status()}: ${res.url()}`);
    }
  });

  // Bytes over the wire, as Chromium counts them (headers + body).
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const urls = new Map();
  const resources = [];
  let inflight = 0;
  let lastActivity = Date.now();
  cdp.on('Network.requestWillBeSent', (e) => {
    urls.set(e.requestId, e.request.url);
    inflight++;
    lastActivity = Date.now();
  });
  cdp.on('Network.loadingFinished', (e) => {
    inflight = Math.max(0, inflight - 1);
    lastActivity = Date.now();
    const u = urls.get(e.requestId) ?? '?';
    if (isLocal(u)) resources.push({ url: u, bytes: e.encodedDataLength });
  });
  cdp.on('Network.loadingFailed', () => {
    inflight = Math.max(0, inflight - 1);
    lastActivity = Date.now();
  });

  const response = await page.goto(url, { waitUntil: 'load', timeout });
  const status = response?.status() ?? 0;
  if (status !== expectStatus) problems.push(`HTTP ${status} for the page itself (expected ${expectStatus})`);
  // Wait for scripts that load more (mermaid, fonts) to finish.
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    await page.waitForTimeout(100);
    if (inflight === 0 && Date.now() - lastActivity >= quietMs) break;
  }
  const bytes = resources.reduce((n, r) => n + r.bytes, 0);
  return { page, cdp, problems, warnings, bytes, resources, status };
}

/** Saves a full-page screenshot of `page` into the artifacts folder. */
export async function screenshot(page, name) {
  const dir = process.env.BROWSER_ARTIFACTS ?? path.resolve(import.meta.dirname, '../../browser-artifacts');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, name.replace(/[^A-Za-z0-9_.-]+/g, '_') + '.png');
  try {
    await page.screenshot({ path: file, fullPage: true, timeout: 10000 });
    return file;
  } catch (e) {
    return `(no screenshot: ${e.message})`;
  }
}
