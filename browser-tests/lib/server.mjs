// A tiny static server for the built book, on 127.0.0.1 and a free port.
//
// It serves the site under the same path prefix as the published book
// (book.toml's `site-url`, "/thread-vs-process/"), because mdBook's 404 page
// loads its styles and scripts through `<base href="SITE-URL">`. An unknown
// path gets 404.html with status 404, as GitHub Pages does. Nothing is
// compressed: the bytes a page costs here are the cold-cache worst case.

import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.pdf': 'application/pdf',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves `root` under `prefix` (which starts and ends with "/").
 * Resolves to { origin, base, close() }, where base = origin + prefix.
 */
export async function serve(root, prefix = '/thread-vs-process/') {
  root = path.resolve(root);
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://127.0.0.1');
      let pathname = decodeURIComponent(url.pathname);
      if (pathname === '/' || pathname === prefix.slice(0, -1)) {
        res.writeHead(302, { Location: prefix });
        res.end();
        return;
      }
      if (!pathname.startsWith(prefix)) {
        return notFound(res, req);
      }
      let rel = pathname.slice(prefix.length);
      if (rel === '' || rel.endsWith('/')) rel += 'index.html';
      const file = path.resolve(root, rel);
      if (file !== root && !file.startsWith(root + path.sep)) {
        return notFound(res, req);
      }
      let info;
      try {
        info = await stat(file);
      } catch {
        return notFound(res, req);
      }
      if (!info.isFile()) return notFound(res, req);
      const body = await readFile(file);
      res.writeHead(200, {
        'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'Content-Length': body.length,
        'Cache-Control': 'no-cache',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (e) {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(String(e));
    }
  });

  async function notFound(res, req) {
    let body;
    try {
      body = await readFile(path.join(root, '404.html'));
    } catch {
      body = Buffer.from('not found');
    }
    res.writeHead(404, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    base: origin + prefix,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
