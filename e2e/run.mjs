// Runs the e2e tests (e2e/*.test.mjs) and ends with a line "N passed,
// N failed". Exit status 1 if any test failed. Every test runs in headless
// Chromium (Debian's, through playwright-core); tests marked `inEveryEngine`
// also run in Firefox and WebKit, through WebDriver (e2e/engines.mjs says
// how each is driven; nothing is downloaded).
//
// A test file exports async functions; each one is a test and gets
//   page              a fresh page at 1280×800 (Playwright's, or e2e/wdpage.mjs's)
//   baseURL           the playground's address
//   screenshot(name)  saves out/e2e/<engine>/<file>-<test>-<name>.png (of the latest page)
//   engine            chromium, firefox or webkit
//   holdWasm()        .wasm requests wait until the function it resolves to is called
//   newPage({ siteData })  another fresh page; siteData: false turns localStorage off
// A test also fails if a page throws an uncaught error while it runs.
//
//   node e2e/run.mjs [substring]   only tests whose "[engine] file: name" contains it
//   E2E_ENGINES (default chromium,firefox,webkit)  the engines to run
//   E2E_BASE_URL=http://...        test a server that is already running;
//                                  otherwise E2E_DIST is served on 127.0.0.1:E2E_PORT
//   E2E_DIST (default dist)        the output of `trunk build --release`
//   E2E_PORT (default 8080)        if 8080 is taken and E2E_PORT is unset, any free port
//   E2E_OUT (default out/e2e)      screenshots, in a folder per engine
//   CHROMIUM (default /usr/bin/chromium), FIREFOX (default /usr/bin/firefox-esr),
//   GECKODRIVER (default: geckodriver on PATH), WEBKIT_DRIVER (default /usr/bin/WebKitWebDriver)
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ENGINES, enginesOf, startEngine } from './engines.mjs';
import { serveDir } from './serve.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.dirname(here);
const outRoot = path.resolve(repo, process.env.E2E_OUT ?? 'out/e2e');
const filter = process.argv[2] ?? '';
const TEST_TIMEOUT_MS = 30_000;
// WebDriver round trips are slower than Playwright's; a session starts per test.
const WEBDRIVER_TIMEOUT_MS = 60_000;
const engines = (process.env.E2E_ENGINES ?? ENGINES.join(',')).split(',').map((e) => e.trim()).filter(Boolean);
for (const e of engines) {
  if (!ENGINES.includes(e)) throw new Error(`E2E_ENGINES: unknown engine ${JSON.stringify(e)} (the engines are ${ENGINES.join(', ')})`);
}

async function startServer(options) {
  const dist = path.resolve(repo, process.env.E2E_DIST ?? 'dist');
  const wanted = Number(process.env.E2E_PORT ?? 8080);
  try {
    return await serveDir(dist, { port: wanted, ...options });
  } catch (err) {
    if (err.code !== 'EADDRINUSE' || process.env.E2E_PORT) throw err;
    console.log(`port ${wanted} is taken; serving on a free port instead`);
    return serveDir(dist, { port: 0, ...options });
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
    if (typeof fn !== 'function') continue;
    for (const engine of engines.filter((e) => enginesOf(fn).includes(e))) {
      const id = `[${engine}] ${file.replace(/\.test\.mjs$/, '')}: ${name}`;
      if (id.includes(filter)) tests.push({ id, name, fn, engine, file });
    }
  }
}
console.log(`e2e: ${tests.length} test(s) from ${files.length} file(s) in ${engines.join(', ')}`);

let passed = 0;
let failed = 0;
for (const engine of engines) {
  const mine = tests.filter((t) => t.engine === engine);
  if (mine.length) await runEngine(engine, mine);
}

/** Closes the server and its connections, so that the next engine can have its port. */
async function stopServer(server) {
  if (!server) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/** Runs `mine` in `engine`: its own server (WebDriver engines get the error catcher) and browser. */
async function runEngine(engine, mine) {
  const outDir = path.join(outRoot, engine);
  await mkdir(outDir, { recursive: true });
  const webdriver = engine !== 'chromium';
  const server = process.env.E2E_BASE_URL ? null : await startServer({ catchErrors: webdriver });
  const baseURL = process.env.E2E_BASE_URL ?? `http://127.0.0.1:${server.address().port}/`;
  let browser;
  try {
    browser = await startEngine(engine, server);
  } catch (err) {
    await stopServer(server);
    for (const test of mine) {
      failed += 1;
      console.log(`FAIL ${test.id}\n     ${engine} did not start: ${String(err.message).replaceAll('\n', '\n     ')}`);
    }
    return;
  }
  console.log(`${engine} against ${baseURL}`);
  try {
    for (const test of mine) await runTest(test, browser, baseURL, outDir, webdriver ? WEBDRIVER_TIMEOUT_MS : TEST_TIMEOUT_MS);
    console.log(`(${engine} ${browser.version})`);
  } finally {
    await browser.close();
    await stopServer(server);
  }
}

async function runTest(test, browser, baseURL, outDir, timeoutMs) {
  const slug = `${test.file.replace(/\.test\.mjs$/, '')}: ${test.name}`.replace(/[^A-Za-z0-9]+/g, '-');
  const started = Date.now();
  // The test's tab, and any it opens with newPage; screenshots are of the latest.
  const tabs = [];
  const screenshot = (name) => tabs.at(-1).page.screenshot({ path: path.join(outDir, `${slug}-${name}.png`) });
  const newPage = async (options) => {
    const tab = await browser.newPage({ width: 1280, height: 800 }, options);
    tab.page.setDefaultTimeout(10_000);
    tabs.push(tab);
    return tab.page;
  };
  try {
    const page = await newPage();
    const context = { page, baseURL, screenshot, engine: test.engine, holdWasm: tabs[0].holdWasm, newPage };
    await withTimeout(test.fn(context), timeoutMs, test.id);
    const pageErrors = (await Promise.all(tabs.map((t) => t.pageErrors()))).flat();
    if (pageErrors.length) throw new Error(`uncaught error in the page: ${pageErrors[0]}`);
    passed += 1;
    console.log(`ok   ${test.id} (${Date.now() - started} ms)`);
  } catch (err) {
    failed += 1;
    console.log(`FAIL ${test.id} (${Date.now() - started} ms)\n     ${String(err.stack ?? err).replaceAll('\n', '\n     ')}`);
    if (tabs.length) await screenshot('failure').catch(() => {});
  } finally {
    for (const tab of tabs) await tab.close().catch(() => {});
  }
}

console.log(`screenshots: ${path.relative(repo, outRoot)}/<engine>/`);
if (tests.length === 0) console.log(`no test matched ${JSON.stringify(filter)}: that counts as a failure`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 || tests.length === 0 ? 1 : 0;
