// Runs every e2e/*.test.mjs in headless Chromium (Debian's, through
// playwright-core: nothing is downloaded) and ends with a line
// "N passed, N failed". Exit status 1 if any test failed.
//
// A test file exports async functions; each one is a test and gets
// { page, baseURL, screenshot(name) }. A test also fails if the page throws
// an uncaught error while it runs.
//
//   node e2e/run.mjs [substring]   only tests whose "file: name" contains it
//   E2E_BASE_URL=http://...        test a server that is already running;
//                                  otherwise E2E_DIST is served on 127.0.0.1:E2E_PORT
//   E2E_DIST (default dist)        the output of `trunk build --release`
//   E2E_PORT (default 8080)        if 8080 is taken and E2E_PORT is unset, any free port
//   E2E_OUT (default out/e2e)      screenshots
//   CHROMIUM (default /usr/bin/chromium)
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launchChromium } from './chromium.mjs';
import { serveDir } from './serve.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.dirname(here);
const outDir = path.resolve(repo, process.env.E2E_OUT ?? 'out/e2e');
const filter = process.argv[2] ?? '';
const TEST_TIMEOUT_MS = 30_000;

async function startServer() {
  const dist = path.resolve(repo, process.env.E2E_DIST ?? 'dist');
  const wanted = Number(process.env.E2E_PORT ?? 8080);
  try {
    return await serveDir(dist, { port: wanted });
  } catch (err) {
    if (err.code !== 'EADDRINUSE' || process.env.E2E_PORT) throw err;
    console.log(`port ${wanted} is taken; serving on a free port instead`);
    return serveDir(dist, { port: 0 });
  }
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const files = (await readdir(here)).filter((f) => f.endsWith('.test.mjs')).sort();
const tests = [];
for (const file of files) {
  const module = await import(pathToFileURL(path.join(here, file)));
  for (const [name, fn] of Object.entries(module)) {
    const id = `${file.replace(/\.test\.mjs$/, '')}: ${name}`;
    if (typeof fn === 'function' && id.includes(filter)) tests.push({ id, name, fn });
  }
}

await mkdir(outDir, { recursive: true });
const server = process.env.E2E_BASE_URL ? null : await startServer();
const baseURL = process.env.E2E_BASE_URL
  ?? `http://127.0.0.1:${server.address().port}/`;
console.log(`e2e: ${tests.length} test(s) from ${files.length} file(s) against ${baseURL}`);

const browser = await launchChromium();
let passed = 0;
let failed = 0;
try {
  for (const test of tests) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(err));
    const slug = test.id.replace(/[^A-Za-z0-9]+/g, '-');
    const screenshot = (name) => page.screenshot({ path: path.join(outDir, `${slug}-${name}.png`) });
    const started = Date.now();
    try {
      await withTimeout(test.fn({ page, baseURL, screenshot }), TEST_TIMEOUT_MS, test.id);
      if (pageErrors.length) throw new Error(`uncaught error in the page: ${pageErrors[0].stack ?? pageErrors[0]}`);
      passed += 1;
      console.log(`ok   ${test.id} (${Date.now() - started} ms)`);
    } catch (err) {
      failed += 1;
      console.log(`FAIL ${test.id} (${Date.now() - started} ms)\n     ${String(err.stack ?? err).replaceAll('\n', '\n     ')}`);
      await screenshot('failure').catch(() => {});
    } finally {
      await context.close();
    }
  }
} finally {
  await browser.close();
  server?.close();
}
console.log(`screenshots: ${path.relative(repo, outDir)}/`);
if (tests.length === 0) console.log(`no test matched ${JSON.stringify(filter)}: that counts as a failure`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 || tests.length === 0 ? 1 : 0;
