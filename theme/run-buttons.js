// Run buttons that tell the truth, added beside mdBook's book.js (not a
// fork of it): a click on a run button is caught here, in the capture
// phase, before book.js's own handler.
//
// - Served by `cargo xtask serve` (it injects a script that sets
//   window.threadVsProcessServe): every example's block gets a run button,
//   including the `noplayground` ones, and a click runs that example on
//   this machine with `POST /_run/NAME` (the request carries no code).
// - On the published site: the code goes to the Rust playground's `execute`
//   endpoint, which answers stdout, stderr and how the program ended (the
//   older `evaluate.json`, which answers stdout only, is the fallback when
//   `execute` is not there). A debug build there may take a while, so we
//   wait 30 s; a timeout or a server error is said in words, with a link
//   that opens the code in the playground.
'use strict';

(function runButtons() {
  const PLAYGROUND = 'https://play.rust-lang.org';
  // How long to wait for the playground (a test shortens it).
  const waitMs = () => window.threadVsProcessRunWaitMs || 30000;
  const LOCAL_WAIT_MS = 330000; // the local server allows 300 s to compile
  const local = window.threadVsProcessServe || null;

  // The example a block shows: its hidden header line `//! Run: cargo run
  // --example NAME`, or else the recorded run under it, or else (an excerpt
  // shown after its program) the block above it that names one.
  const RUN_LINE = /cargo run (?:--release )?--example ([A-Za-z0-9_-]+)/;
  function ownName(pre) {
    const code = pre.querySelector('code');
    const own = RUN_LINE.exec(code ? code.textContent : '');
    return own ? own[1] : null;
  }
  function exampleName(pre) {
    const own = ownName(pre);
    if (own) return own;
    let next = pre.nextElementSibling;
    for (let i = 0; next && i < 6; i++, next = next.nextElementSibling) {
      if (next.tagName !== 'PRE') continue;
      const run = /^\$ cargo run (?:--release )?--example ([A-Za-z0-9_-]+)/m.exec(next.textContent);
      if (run) return run[1];
      if (next.querySelector('code.language-rust')) break;
    }
    const blocks = [...document.querySelectorAll('pre')];
    for (let i = blocks.indexOf(pre) - 1; i >= 0; i--) {
      if (!blocks[i].querySelector('code.language-rust')) continue;
      const name = ownName(blocks[i]);
      if (name) return name;
    }
    return null;
  }

  function edition(pre) {
    const code = pre.querySelector('code');
    const cls = code ? [...code.classList].find((c) => /^edition\d{4}$/.test(c)) : null;
    return cls ? cls.slice(7) : '2024';
  }

  function playgroundLink(pre) {
    const code = pre.querySelector('code').textContent;
    const a = document.createElement('a');
    a.href = `${PLAYGROUND}/?version=stable&mode=debug&edition=${edition(pre)}&code=${encodeURIComponent(code)}`;
    a.textContent = 'Open in the Playground';
    a.target = '_blank';
    a.rel = 'noopener';
    return a;
  }

  // The result area under a block (mdBook's own `code.result`, reused).
  function resultBlock(pre) {
    let block = pre.querySelector('.result');
    if (!block) {
      block = document.createElement('code');
      block.className = 'result hljs language-bash';
      pre.append(block);
    }
    block.setAttribute('aria-live', 'polite');
    block.classList.remove('result-no-output');
    block.replaceChildren();
    return block;
  }

  function show(block, parts) {
    block.replaceChildren();
    for (const part of parts) {
      if (part == null || part === '') continue;
      if (typeof part === 'string') {
        block.append(part.endsWith('\n') ? part : part + '\n');
      } else {
        block.append(part, '\n');
      }
    }
  }

  function outputParts(stdout, stderr) {
    const parts = [];
    if (stdout) parts.push('stdout:\n' + stdout);
    if (stderr) parts.push('stderr:\n' + stderr);
    if (!stdout && !stderr) parts.push('(no output)');
    return parts;
  }

  async function fetchJson(url, body, waitMs) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), waitMs);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      let json = null;
      try {
        json = await response.json();
      } catch {
        json = null;
      }
      return { status: response.status, ok: response.ok, json };
    } catch (e) {
      return { status: 0, ok: false, json: null, timedOut: controller.signal.aborted, error: e };
    } finally {
      clearTimeout(timer);
    }
  }

  async function runLocally(pre, name) {
    const block = resultBlock(pre);
    show(block, [`Running cargo run --example ${name} on this machine...`]);
    const r = await fetchJson(local.run + encodeURIComponent(name), {}, LOCAL_WAIT_MS);
    if (r.timedOut) return show(block, ['The local server did not answer in time.']);
    if (r.status === 0) return show(block, ['Cannot reach `cargo xtask serve`: is it still running?']);
    const j = r.json || {};
    if (!r.ok) return show(block, [`The local server refused the run (HTTP ${r.status}): ${j.error || 'no reason given'}`]);
    if (j.compiled === false) {
      return show(block, [`${j.command} did not compile:`, j.stderr || '(no message)']);
    }
    let ended;
    if (j.timed_out) ended = 'stopped: it ran past the time limit, so its processes were killed';
    else if (j.signal != null) ended = `ended by signal ${j.signal}${j.signal_name ? ` (${j.signal_name})` : ''}`;
    else ended = `exited with code ${j.code}`;
    show(block, [...outputParts(j.stdout, j.stderr), `${j.command}: ${ended}`]);
  }

  async function runOnline(pre) {
    const block = resultBlock(pre);
    show(block, ['Running on the Rust playground (a debug build can take a while)...']);
    const code = pre.querySelector('code').textContent;
    const ed = edition(pre);
    const r = await fetchJson(`${PLAYGROUND}/execute`, {
      channel: 'stable',
      mode: 'debug',
      edition: ed,
      crateType: 'bin',
      tests: false,
      code,
      backtrace: false,
    }, waitMs());
    if (r.ok && r.json && typeof r.json.success === 'boolean') {
      const j = r.json;
      const ended = j.exitDetail || (j.success ? 'Exited successfully' : 'Failed');
      return show(block, [...outputParts(j.stdout, j.stderr), ended + '.', j.success ? null : playgroundLink(pre)]);
    }
    if (r.timedOut) {
      return show(block, [`The playground did not answer within ${waitMs() / 1000} s.`, playgroundLink(pre)]);
    }
    if (r.status === 404 || r.status === 405 || (r.status === 0 && !r.timedOut)) {
      // No `execute` here (or it could not be reached): the older endpoint.
      const old = await fetchJson(`${PLAYGROUND}/evaluate.json`, { version: 'stable', optimize: '0', code, edition: ed }, waitMs());
      if (old.ok && old.json && typeof old.json.result === 'string') {
        const text = old.json.result.trim() === '' ? '(no output)' : old.json.result;
        return show(block, [text, '(The playground answered through evaluate.json, which shows stdout only.)']);
      }
      if (old.timedOut) return show(block, [`The playground did not answer within ${waitMs() / 1000} s.`, playgroundLink(pre)]);
      const why = (old.json && old.json.error) || (old.status ? `HTTP ${old.status}` : 'it could not be reached');
      return show(block, [`The playground could not run this: ${why}.`, playgroundLink(pre)]);
    }
    const why = (r.json && r.json.error) || `HTTP ${r.status}`;
    show(block, [`The playground could not run this (${why}).`, playgroundLink(pre)]);
  }

  function run(pre) {
    const name = local ? exampleName(pre) : null;
    const done = local && name ? runLocally(pre, name) : runOnline(pre);
    done.catch((e) => show(resultBlock(pre), [`The run failed in the page: ${e.message}`]));
  }

  // Served locally: a run button on every block that shows an example.
  function addLocalButtons() {
    const play = document.getElementById('fa-play');
    for (const code of document.querySelectorAll('pre > code.language-rust')) {
      const pre = code.parentElement;
      if (code.classList.contains('compile_fail') || !exampleName(pre)) continue;
      let button = pre.querySelector('.play-button');
      if (!button) {
        let buttons = pre.querySelector('.buttons');
        if (!buttons) {
          buttons = document.createElement('div');
          buttons.className = 'buttons';
          pre.insertBefore(buttons, pre.firstChild);
        }
        button = document.createElement('button');
        button.className = 'play-button';
        if (play) button.innerHTML = play.innerHTML;
        buttons.insertBefore(button, buttons.firstChild);
      }
      button.title = `Run cargo run --example ${exampleName(pre)} on this machine`;
      button.setAttribute('aria-label', button.title);
      button.hidden = false;
      button.classList.remove('hidden');
      button.dataset.local = 'true';
    }
  }

  document.addEventListener(
    'click',
    (event) => {
      const button = event.target instanceof Element ? event.target.closest('.play-button') : null;
      const pre = button ? button.closest('pre') : null;
      if (!pre) return;
      event.stopImmediatePropagation();
      event.preventDefault();
      run(pre);
    },
    true,
  );

  if (local) {
    // book.js adds its buttons when it runs; ours come after them, and
    // again after book.js shows or hides them on the crate list's answer.
    const start = () => {
      addLocalButtons();
      setTimeout(addLocalButtons, 1500);
    };
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
    else start();
  }
})();
