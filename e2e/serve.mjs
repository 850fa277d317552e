// A tiny static file server for the built playground (dist/), used by the
// e2e runner. Also runs on its own: `node e2e/serve.mjs [dir] [port]`.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm', // WebAssembly.instantiateStreaming insists on it
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/**
 * Put first in <head> of each page when serving with `catchErrors` (the
 * e2e runner does, for the engines it drives through WebDriver, which has
 * no event for a page's uncaught errors): it records them for the runner.
 */
export const ERROR_CATCHER = '<script>window.__e2eErrors=[];'
  + 'addEventListener("error",(e)=>__e2eErrors.push(String(e.error&&e.error.stack||e.message)));'
  + 'addEventListener("unhandledrejection",(e)=>__e2eErrors.push("unhandled rejection: "+String(e.reason&&e.reason.stack||e.reason)));'
  + '</script>';

/**
 * Serves `dir` on host:port (port 0 = any free port). Resolves to the
 * listening server, with `holdWasm()`: until the function it resolves to
 * is called, requests for .wasm files wait (the e2e tests look at the page
 * before the app starts).
 *
 * `cacheable`: files go out with `cache-control: public, max-age=600` (as
 * docs/embedding.md advises a host) instead of `no-store`; `pages` maps
 * extra paths to HTML served from memory (host pages); `server.hits` counts
 * the requests per path.
 */
export function serveDir(dir, { host = '127.0.0.1', port = 8080, catchErrors = false, cacheable = false, pages = {} } = {}) {
  const root = path.resolve(dir);
  let held = null;
  const hits = new Map();
  const cacheControl = cacheable ? 'public, max-age=600' : 'no-store';
  const server = http.createServer(async (req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    hits.set(urlPath, (hits.get(urlPath) ?? 0) + 1);
    if (pages[urlPath] !== undefined) {
      res.writeHead(200, { 'content-type': TYPES['.html'], 'cache-control': 'no-store' }).end(pages[urlPath]);
      return;
    }
    if (held && urlPath.endsWith('.wasm')) await held;
    let file = path.join(root, urlPath);
    if (file !== root && !file.startsWith(root + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if ((await stat(file)).isDirectory()) file = path.join(file, 'index.html');
      await stat(file);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, { 'content-type': type, 'cache-control': cacheControl });
    if (catchErrors && type.startsWith('text/html')) {
      res.end((await readFile(file, 'utf8')).replace('<head>', `<head>${ERROR_CATCHER}`));
      return;
    }
    createReadStream(file).pipe(res);
  });
  server.hits = hits;
  server.holdWasm = async () => {
    let release;
    held = new Promise((r) => { release = r; });
    return async () => { held = null; release(); };
  };
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [dir = 'dist', port = '8080'] = process.argv.slice(2);
  const server = await serveDir(dir, { port: Number(port) });
  const { address, port: actual } = server.address();
  console.log(`serving ${dir} on http://${address}:${actual}/ (Ctrl-C stops)`);
}
