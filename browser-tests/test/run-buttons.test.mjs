// The Run buttons (theme/run-buttons.js), in headless Chromium.
//
// Online: the playground is mocked with page.route (nothing leaves the
// machine) for a success, a compile error, a panic, a timeout, a 500 and a
// missing `execute` endpoint; each must show words and stdout/stderr, never
// a JavaScript error. Locally: the page served by `cargo xtask serve` (the
// script it injects marks the page) sends POST /_run/NAME; first against a
// mock of that endpoint, then against a real `cargo xtask serve`
// (SKIP_REAL_SERVE=1 skips that one).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { serve } from '../lib/server.mjs';
import { launch, newContext, open, screenshot } from '../lib/browser.mjs';

const REPO = path.resolve(import.meta.dirname, '../..');
const BOOK_DIR = path.resolve(process.env.BOOK_DIR ?? path.join(REPO, 'book'));
const EXECUTE_URL = 'https://play.rust-lang.org/execute';
const EVALUATE_URL = 'https://play.rust-lang.org/evaluate.json';
const TEST_TIMEOUT = 60000;
const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'Content-Type',
  'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
};

assert.ok(existsSync(path.join(BOOK_DIR, 'toc.html')), `no built book in ${BOOK_DIR}`);
const notFoundHtml = readFileSync(path.join(BOOK_DIR, '404.html'), 'utf8');
const prefix = /<base href="([^"]+)">/.exec(notFoundHtml)?.[1] ?? '/';
const server = await serve(BOOK_DIR, prefix.endsWith('/') ? prefix : prefix + '/');
const browser = await launch();

// A chapter with a runnable block (not compile_fail), and one with an
// example that is `noplayground` (the local mode must still run it).
const tocHtml = readFileSync(path.join(BOOK_DIR, 'toc.html'), 'utf8');
const CHAPTERS = [...new Set([...tocHtml.matchAll(/<a href="([^"#]+\.html)"/g)].map((m) => m[1]))];
const html = (f) => readFileSync(path.join(BOOK_DIR, f), 'utf8');
const RUNNABLE = CHAPTERS.find((f) => /<pre class="playground"><code class="language-rust edition/.test(html(f)));
const NOPLAYGROUND = CHAPTERS.find((f) => /<code class="language-rust noplayground/.test(html(f)));

after(async () => {
  await browser.close();
  await server.close();
});

// Opens `url` with the playground answered by `answer(body)` ->
// { status, json } (or a promise that never settles, for the timeout).
async function visit(label, url, { answerExecute, answerEvaluate, init } = {}, fn) {
  const { context } = await newContext(browser);
  if (init) await context.addInitScript(init);
  const v = await open(context, url);
  const page = v.page;
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const sent = { execute: [], evaluate: [] };
  const answer = (kind, handler) => async (route) => {
    if (route.request().method() === 'OPTIONS') {
      return route.fulfill({ status: 204, headers: CORS });
    }
    sent[kind].push(JSON.parse(route.request().postData() ?? 'null'));
    const reply = await handler(sent[kind].at(-1));
    if (reply === 'abort') return route.abort('failed');
    if (typeof reply.text === 'string') return route.fulfill({ status: reply.status, headers: CORS, contentType: 'text/plain', body: reply.text });
    return route.fulfill({ status: reply.status ?? 200, headers: CORS, contentType: 'application/json', body: JSON.stringify(reply.json) });
  };
  if (answerExecute) await page.route(EXECUTE_URL, answer('execute', answerExecute));
  if (answerEvaluate) await page.route(EVALUATE_URL, answer('evaluate', answerEvaluate));
  try {
    await fn({ page, sent, pageErrors, problems: v.problems });
  } catch (e) {
    e.message += `\n    screenshot: ${await screenshot(page, label)}`;
    throw e;
  } finally {
    await context.close();
  }
}

// Clicks the first runnable block's run button; resolves to the result text.
async function runFirst(page, selector, want) {
  const button = page.locator(`${selector} .play-button:not([hidden])`).first();
  await button.waitFor({ state: 'visible', timeout: 10000 });
  const pre = page.locator(selector).filter({ has: page.locator('.play-button:not([hidden])') }).first();
  await button.click();
  await page.waitForFunction(
    ({ sel, re }) => {
      const pres = [...document.querySelectorAll(sel)];
      return pres.some((p) => new RegExp(re).test(p.querySelector('code.result')?.textContent ?? ''));
    },
    { sel: selector, re: want.source },
    { timeout: 40000 },
  );
  return {
    text: await pre.locator('code.result').textContent(),
    // (count first: getAttribute on no element waits for one to appear)
    link: (await pre.locator('code.result a').count()) ? await pre.locator('code.result a').first().getAttribute('href') : null,
  };
}

const ONLINE = 'pre.playground:not(:has(code.compile_fail))';

describe('run buttons on the published site (playground mocked)', { skip: !RUNNABLE && 'no runnable block' }, () => {
  const url = () => server.base + RUNNABLE;

  it('shows stdout and stderr and how it ended, from `execute`', { timeout: TEST_TIMEOUT }, async () => {
    await visit('run-success', url(), {
      answerExecute: () => ({ json: { success: true, exitDetail: 'Exited successfully', stdout: 'hello from stdout\n', stderr: 'note on stderr\n' } }),
    }, async ({ page, sent, pageErrors }) => {
      const r = await runFirst(page, ONLINE, /note on stderr/);
      assert.match(r.text, /hello from stdout/);
      assert.match(r.text, /Exited successfully/);
      const body = sent.execute[0];
      assert.deepEqual(
        { channel: body.channel, mode: body.mode, edition: body.edition, crateType: body.crateType, tests: body.tests, backtrace: body.backtrace },
        { channel: 'stable', mode: 'debug', edition: '2024', crateType: 'bin', tests: false, backtrace: false },
      );
      assert.match(body.code, /fn main\(\)/, 'the whole program (hidden lines too) is sent');
      assert.equal(sent.evaluate.length, 0);
      assert.deepEqual(pageErrors, []);
    });
  });

  it('shows a compile error and a link to the Playground', { timeout: TEST_TIMEOUT }, async () => {
    await visit('run-compile-error', url(), {
      answerExecute: () => ({ json: { success: false, exitDetail: '', stdout: '', stderr: 'error[E0425]: cannot find value `x` in this scope\n' } }),
    }, async ({ page, pageErrors }) => {
      const r = await runFirst(page, ONLINE, /E0425/);
      assert.match(r.text, /stderr:/);
      assert.match(r.link ?? '', /^https:\/\/play\.rust-lang\.org\/\?version=stable&mode=debug&edition=2024&code=/);
      assert.deepEqual(pageErrors, []);
    });
  });

  it('shows a panic: stderr and the exit status', { timeout: TEST_TIMEOUT }, async () => {
    await visit('run-panic', url(), {
      answerExecute: () => ({
        json: { success: false, exitDetail: 'Exited with status 101', stdout: 'before the panic\n', stderr: "thread 'main' panicked at src/main.rs:3:5:\nboom\n" },
      }),
    }, async ({ page, pageErrors }) => {
      const r = await runFirst(page, ONLINE, /panicked at/);
      assert.match(r.text, /before the panic/);
      assert.match(r.text, /Exited with status 101/);
      assert.deepEqual(pageErrors, []);
    });
  });

  it('says so in words when the playground does not answer in time', { timeout: TEST_TIMEOUT }, async () => {
    await visit('run-timeout', url(), {
      // The page waits 30 s for a debug build; the test shortens that.
      init: () => {
        window.threadVsProcessRunWaitMs = 500;
      },
      answerExecute: () => new Promise(() => {}),
    }, async ({ page, pageErrors }) => {
      const r = await runFirst(page, ONLINE, /did not answer within/);
      assert.ok(r.link, 'no "Open in the Playground" link');
      assert.deepEqual(pageErrors, []);
    });
  });

  it('says so in words on a server error (500)', { timeout: TEST_TIMEOUT }, async () => {
    await visit('run-500', url(), {
      answerExecute: () => ({ status: 500, json: { error: 'the output limit was exceeded' } }),
    }, async ({ page, pageErrors }) => {
      const r = await runFirst(page, ONLINE, /could not run this/);
      assert.match(r.text, /the output limit was exceeded/);
      assert.doesNotMatch(r.text, /undefined|TypeError|failed in the page/);
      assert.ok(r.link, 'no "Open in the Playground" link');
      assert.deepEqual(pageErrors, []);
    });
  });

  it('says so in words on a 502 from a gateway (no JSON at all)', { timeout: TEST_TIMEOUT }, async () => {
    await visit('run-502', url(), {
      answerExecute: () => ({ status: 502, text: '<html>Bad Gateway</html>' }),
    }, async ({ page, pageErrors }) => {
      const r = await runFirst(page, ONLINE, /could not run this/);
      assert.match(r.text, /HTTP 502/);
      assert.doesNotMatch(r.text, /undefined|TypeError|failed in the page/);
      assert.ok(r.link, 'no "Open in the Playground" link');
      assert.deepEqual(pageErrors, []);
    });
  });

  it('falls back to evaluate.json when `execute` is not there', { timeout: TEST_TIMEOUT }, async () => {
    await visit('run-fallback', url(), {
      answerExecute: () => ({ status: 404, json: { error: 'not found' } }),
      answerEvaluate: () => ({ json: { result: 'stdout through the old endpoint\n', error: null } }),
    }, async ({ page, sent, pageErrors }) => {
      const r = await runFirst(page, ONLINE, /stdout through the old endpoint/);
      assert.match(r.text, /stdout only/);
      assert.equal(sent.evaluate[0].version, 'stable');
      assert.deepEqual(pageErrors, []);
    });
  });
});

// The local mode, against a mock of POST /_run/NAME on the test server.
describe('run buttons served by cargo xtask serve (endpoint mocked)', { skip: !NOPLAYGROUND && 'no noplayground block' }, () => {
  it('gives noplayground examples a run button that runs the example locally', { timeout: TEST_TIMEOUT }, async () => {
    const { context } = await newContext(browser);
    await context.addInitScript(() => {
      window.threadVsProcessServe = { run: '/_run/' };
    });
    const v = await open(context, server.base + NOPLAYGROUND);
    const page = v.page;
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const asked = [];
    await page.route('**/_run/*', async (route) => {
      asked.push({ url: route.request().url(), body: route.request().postData() });
      await route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ command: 'cargo run --example X', stdout: 'local stdout\n', stderr: 'local stderr\n', code: null, signal: 6, signal_name: 'SIGABRT', timed_out: false, compiled: true }),
      });
    });
    try {
      const blocks = await page.locator('pre:has(> code.language-rust.noplayground)').count();
      const buttons = await page.locator('pre:has(> code.language-rust.noplayground) .play-button[data-local]:not([hidden])').count();
      assert.ok(blocks > 0 && buttons === blocks, `${buttons} of ${blocks} noplayground blocks have a local run button`);
      const sel = 'pre:has(> code.language-rust.noplayground)';
      const r = await runFirst(page, sel, /SIGABRT/);
      assert.match(r.text, /local stdout/);
      assert.match(r.text, /local stderr/);
      assert.match(r.text, /ended by signal 6 \(SIGABRT\)/);
      assert.equal(asked.length, 1);
      assert.match(asked[0].url, /\/_run\/ch\d\d-[a-z0-9-]+$/);
      assert.equal(asked[0].body, '{}', 'the request carries no code');
      assert.deepEqual(pageErrors, []);
    } catch (e) {
      e.message += `\n    screenshot: ${await screenshot(page, 'local-mock')}`;
      throw e;
    } finally {
      await context.close();
    }
  });
});

// The real thing: `cargo xtask serve` on a free port, and ch01's example run.
describe('run buttons against a real cargo xtask serve', { skip: process.env.SKIP_REAL_SERVE === '1' && 'SKIP_REAL_SERVE=1' }, () => {
  let child = null;
  let origin = null;
  before(async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    origin = `http://127.0.0.1:${port}`;
    child = spawn('cargo', ['xtask', 'serve', '--port', String(port)], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout.resume();
    child.stderr.resume();
    const deadline = Date.now() + 170000;
    while (Date.now() < deadline) {
      try {
        if ((await fetch(origin + '/')).ok) return;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error('cargo xtask serve did not answer within 170 s');
  }, { timeout: 180000 });
  after(() => {
    if (child) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  });

  it("runs ch01's example from its page and shows the real output", { timeout: 180000 }, async () => {
    const { context } = await newContext(browser);
    const page = await context.newPage();
    try {
      await page.goto(origin + '/ch01-program-vs-process.html');
      const sel = 'pre:has(> code.language-rust)';
      const r = await runFirst(page, sel, /exited with code 0/);
      // The page shows the recorded run; the button shows a fresh one. They
      // agree line for line once pids and addresses are masked.
      const mask = (line) => line.replace(/0x[0-9a-f]+|\d+/g, 'N');
      const recorded = readFileSync(path.join(REPO, 'examples/outputs/ch01-one-program-many-processes.txt'), 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('$ '))
        .map(mask);
      const shown = r.text.split('\n').filter((l) => l && l !== 'stdout:').map(mask);
      assert.deepEqual(shown, [...recorded, mask('cargo run --example ch01-one-program-many-processes: exited with code 0')]);
    } catch (e) {
      e.message += `\n    screenshot: ${await screenshot(page, 'local-real')}`;
      throw e;
    } finally {
      await context.close();
    }
  });
});
