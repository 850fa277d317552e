// Browser benchmark of the playground's release build (not a test: it
// measures and reports against the targets, it asserts nothing).
//
//   node e2e/bench.mjs [DIST]      DIST defaults to dist (output of `trunk build --release`)
//
// Env: CHROMIUM (default /usr/bin/chromium), BENCH_LOADS (default 5),
// BENCH_RATE (default 5000 msg/s), BENCH_SECONDS (default 10),
// BENCH_JSON=path also writes the summary as JSON there.
//
// It serves DIST on 127.0.0.1 (a free port), launches headless Chromium with
// the e2e runner's flags and measures:
//  1. first render: navigation start (performance.timeOrigin) to the first
//     contentful paint, which is the default scene (order-flow) as the
//     build prerendered it into index.html (web/src/prerender.rs); and to
//     the app being live: the snapshot gone and every node of the scene
//     rendered by the app's wasm, seen by a MutationObserver installed
//     before the page's scripts run. Medians of BENCH_LOADS fresh loads (a
//     new browser context each: empty cache and localStorage). Also the
//     wasm size, raw and gzip -9.
//  2. load: the Publish tab's "Publish at this rate" adds a producer sending
//     to exchange `order`, key `order.notify` at BENCH_RATE msg/s; virtual
//     time at 1×; for BENCH_SECONDS of wall time the page counts
//     requestAnimationFrame callbacks and long tasks (PerformanceObserver
//     'longtask'). Three runs, each in a fresh page:
//       idle  – baseline: the default scene playing, no rate producer;
//       fill  – the scene's consumers as they are (prefetch 1, 400 ms each),
//               so order_notify fills up;
//       drain – both mailers edited to prefetch 0 (unlimited) and 0 ms
//               processing, so they ack as fast as messages arrive.
//     Messages moved are read off the canvas's accessible labels (exact
//     numbers: "N sent", "N acked", "N ready, M unacked"), before and after.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { launchChromium } from './chromium.mjs';
import { startLoad } from './load.mjs';
import { serveDir } from './serve.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.dirname(here);
const dist = path.resolve(repo, process.argv[2] ?? 'dist');
const LOADS = Number(process.env.BENCH_LOADS ?? 5);
const RATE = Number(process.env.BENCH_RATE ?? 5000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
// Load runs per mode: on two cores whether a 10 s run sees a long task is
// close to a coin toss, so several runs say more than one.
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
// BENCH_CHARTS=1: the load runs with order_notify's inspector open, with
// its charts and the Overview open in a build that has them (docs/charts.md).
const CHARTS = process.env.BENCH_CHARTS === '1';

const DEFAULT_NODES = ['node:producer:web shop', 'node:exchange:order', 'node:queue:order_notify',
  'node:queue:order_report', 'node:consumer:mailer', 'node:consumer:mailer 2', 'node:consumer:printer'];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const r1 = (x) => Math.round(x * 10) / 10;

async function wasmSize() {
  const files = (await readdir(dist)).filter((f) => f.endsWith('.wasm'));
  return Promise.all(files.map(async (f) => {
    const buf = await readFile(path.join(dist, f));
    return { file: f, raw: buf.length, gzip9: gzipSync(buf, { level: 9 }).length };
  }));
}

// Installed before any of the page's scripts: notes performance.now() when
// every default node is first in the DOM (the prerendered snapshot, as the
// parser reaches it), and when they are there with the snapshot gone (the
// app's own render).
function firstRenderProbe(wanted) {
  const sel = wanted.map((t) => `[data-testid="${t}"]`);
  window.__bench = { firstRender: null, appLive: null };
  const check = () => {
    if (!sel.every((s) => document.querySelector(s))) return false;
    window.__bench.firstRender ??= performance.now();
    if (document.getElementById('prerendered')) return false;
    window.__bench.appLive = performance.now();
    return true;
  };
  const mo = new MutationObserver(() => { if (check()) mo.disconnect(); });
  mo.observe(document, { childList: true, subtree: true });
}

async function firstRender(browser, baseURL) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.addInitScript(firstRenderProbe, DEFAULT_NODES);
  await page.goto(baseURL);
  // Wait from here, not in the page: `page.waitForFunction` injects
  // Playwright's script into the page, and compiling it (35-45 ms of main
  // thread, seen in traces) landed between the app's first frame and its
  // paint, so the bench measured part of itself. Nothing is read until the
  // page has had time to paint; then the figures are read once.
  const ready = () => page.evaluate(() => window.__bench.appLive !== null
    && performance.getEntriesByName('first-contentful-paint').length > 0);
  for (let waited = 0; ; waited += 250) {
    await new Promise((r) => setTimeout(r, waited === 0 ? 1500 : 250));
    if (await ready()) break;
    if (waited > 20_000) throw new Error('the default scene did not render within 20 s');
  }
  const r = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const wasm = performance.getEntriesByType('resource').find((e) => e.name.endsWith('.wasm'));
    // The first thing the page paints is the whole scene (the snapshot),
    // so the first contentful paint is when a person first sees it.
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    return {
      firstRender: window.__bench.firstRender,
      firstPaint: fcp?.startTime ?? null,
      appLive: window.__bench.appLive,
      domContentLoaded: nav?.domContentLoadedEventEnd,
      wasmFetched: wasm?.responseEnd,
    };
  });
  await context.close();
  return r;
}

/** Exact counts from the canvas nodes' aria-labels. */
function countsIn(page) {
  return page.evaluate(() => {
    const out = { sent: 0, acked: 0, ready: 0, unacked: 0, producers: {}, consumers: {}, queues: {} };
    for (const el of document.querySelectorAll('[data-testid^="node:"]')) {
      const aria = el.getAttribute('aria-label') ?? '';
      const id = el.getAttribute('data-testid');
      let m;
      if (id.startsWith('node:producer:') && (m = aria.match(/; (\d+) sent/))) {
        out.producers[id.slice(14)] = Number(m[1]); out.sent += Number(m[1]);
      } else if (id.startsWith('node:consumer:') && (m = aria.match(/, (\d+) acked/))) {
        out.consumers[id.slice(14)] = Number(m[1]); out.acked += Number(m[1]);
      } else if (id.startsWith('node:queue:') && (m = aria.match(/: (\d+) ready, (\d+) unacked/))) {
        out.queues[id.slice(11)] = { ready: Number(m[1]), unacked: Number(m[2]) };
        out.ready += Number(m[1]); out.unacked += Number(m[2]);
      }
    }
    out.virtualMs = Number(document.querySelector('#timeline')?.value ?? NaN);
    out.speed = document.querySelector('#speed')?.value;
    out.logRows = document.querySelectorAll('#log-rows .log-row').length;
    return out;
  });
}

async function load(browser, baseURL, mode) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await startLoad(page, baseURL, mode, RATE);
  if (CHARTS) {
    // A build without charts gets the same inspector: the charts' own cost
    // is the difference.
    if (await page.locator('#overview summary').count()) await page.click('#overview summary');
    await page.click('[data-testid="node:queue:order_notify"] .box');
    await page.click('#tab-inspect');
    await page.locator('#inspector-title').waitFor();
  }
  // The window starts once the rate producer exists.
  await page.evaluate(() => {
    const b = { frames: 0, gaps: [], long: [], last: null, running: true };
    window.__load = b;
    const po = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (b.running) b.long.push({ start: e.startTime, duration: e.duration });
    });
    po.observe({ entryTypes: ['longtask'] });
    b.po = po;
    const tick = (t) => {
      if (!b.running) return;
      b.frames += 1;
      if (b.last !== null) b.gaps.push(t - b.last);
      b.last = t;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    b.t0 = performance.now();
  });
  const before = await countsIn(page);
  await page.waitForTimeout(SECONDS * 1000);
  const m = await page.evaluate(() => {
    const b = window.__load;
    b.running = false;
    b.po.disconnect();
    const wall = performance.now() - b.t0;
    const gaps = [...b.gaps].sort((x, y) => x - y);
    return {
      wallMs: wall,
      frames: b.frames,
      worstFrameMs: gaps.at(-1) ?? null,
      p95FrameMs: gaps[Math.floor(gaps.length * 0.95)] ?? null,
      longTasks: b.long.length,
      longestTaskMs: b.long.reduce((a, e) => Math.max(a, e.duration), 0),
      longTaskTotalMs: b.long.reduce((a, e) => a + e.duration, 0),
    };
  });
  const after = await countsIn(page);
  await page.screenshot({ path: path.join(repo, 'target', `bench-${mode}.png`) }).catch(() => {});
  await context.close();
  return {
    mode,
    wallMs: Math.round(m.wallMs),
    fps: r1(m.frames / (m.wallMs / 1000)),
    p95FrameMs: m.p95FrameMs && r1(m.p95FrameMs),
    worstFrameMs: m.worstFrameMs && r1(m.worstFrameMs),
    longTasks: m.longTasks,
    longestTaskMs: Math.round(m.longestTaskMs),
    longTaskTotalMs: Math.round(m.longTaskTotalMs),
    virtualMsAdvanced: after.virtualMs - before.virtualMs,
    published: after.sent - before.sent,
    acked: after.acked - before.acked,
    readyAfter: after.ready,
    unackedAfter: after.unacked,
    publishedPerWallSec: Math.round((after.sent - before.sent) / (m.wallMs / 1000)),
    ackedPerWallSec: Math.round((after.acked - before.acked) / (m.wallMs / 1000)),
    producers: after.producers,
    consumers: after.consumers,
    queues: after.queues,
    pageErrors: errors,
  };
}

const server = await serveDir(dist, { port: 0 });
const baseURL = `http://127.0.0.1:${server.address().port}/`;
const browser = await launchChromium();
const summary = { dist: path.relative(repo, dist) || '.', date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, loadavg: os.loadavg().map(r1), chromium: browser.version() } };
try {
  summary.wasm = await wasmSize();
  const loads = [];
  for (let i = 0; i < LOADS; i += 1) loads.push(await firstRender(browser, baseURL));
  summary.firstRender = {
    medianMs: r1(median(loads.map((l) => l.firstRender))),
    runsMs: loads.map((l) => r1(l.firstRender)),
    medianPaintMs: r1(median(loads.map((l) => l.firstPaint))),
    paintRunsMs: loads.map((l) => r1(l.firstPaint)),
    medianAppLiveMs: r1(median(loads.map((l) => l.appLive))),
    appLiveRunsMs: loads.map((l) => r1(l.appLive)),
    medianWasmFetchedMs: r1(median(loads.map((l) => l.wasmFetched ?? NaN))),
    medianDomContentLoadedMs: r1(median(loads.map((l) => l.domContentLoaded ?? NaN))),
  };
  summary.load = [];
  for (let run = 1; run <= RUNS; run += 1) {
    for (const mode of ['idle', 'fill', 'drain']) summary.load.push({ run, ...await load(browser, baseURL, mode) });
  }
  summary.machine.loadavgAfter = os.loadavg().map(r1);
} finally {
  await browser.close();
  server.close();
}

const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;
const ok = (b) => (b ? 'meets' : 'misses');
const lines = [
  `## Warren playground benchmark (${summary.date})`,
  '',
  `Machine: ${summary.machine.cpus} CPUs, load average ${summary.machine.loadavg.join(' ')} before, ${summary.machine.loadavgAfter.join(' ')} after; Chromium ${summary.machine.chromium} headless, --disable-gpu.`,
  '',
  '| measure | value | target |',
  '|---|---|---|',
  ...summary.wasm.map((w) => `| wasm ${w.file} | ${kb(w.raw)} raw, ${kb(w.gzip9)} gzip -9 | |`),
  `| first render: scene painted (first contentful paint, median of ${LOADS}) | ${summary.firstRender.medianPaintMs} ms (runs ${summary.firstRender.paintRunsMs.join(', ')}) | ≤ 300 ms: ${ok(summary.firstRender.medianPaintMs <= 300)} |`,
  `| … app live: the wasm has replaced the snapshot (median) | ${summary.firstRender.medianAppLiveMs} ms (runs ${summary.firstRender.appLiveRunsMs.join(', ')}) | |`,
  `| … scene in the DOM / wasm fetched / DOMContentLoaded (medians) | ${summary.firstRender.medianMs} / ${summary.firstRender.medianWasmFetchedMs} / ${summary.firstRender.medianDomContentLoadedMs} ms | |`,
];
for (const l of summary.load) {
  const mode = RUNS > 1 ? `${l.mode} (run ${l.run})` : l.mode;
  lines.push(
    `| ${mode}: fps over ${(l.wallMs / 1000).toFixed(1)} s${l.mode === 'idle' ? ', no load' : ` at ${RATE} msg/s`} | ${l.fps} (p95 frame ${l.p95FrameMs} ms, worst ${l.worstFrameMs} ms) | 60: ${ok(l.fps >= 59)} |`,
    `| ${mode}: long tasks | ${l.longTasks}, longest ${l.longestTaskMs} ms, total ${l.longTaskTotalMs} ms | none over 50 ms: ${ok(l.longTasks === 0)} |`,
    `| ${mode}: messages moved | ${l.published} published (${l.publishedPerWallSec}/s wall), ${l.acked} acked (${l.ackedPerWallSec}/s), ${l.readyAfter} ready + ${l.unackedAfter} unacked at the end; virtual time +${l.virtualMsAdvanced} ms | ${RATE}/s |`,
  );
  if (l.pageErrors.length) lines.push(`| ${mode}: page errors | ${l.pageErrors.join('; ')} | |`);
}
if (RUNS > 1) {
  for (const mode of ['fill', 'drain']) {
    const runs = summary.load.filter((l) => l.mode === mode);
    const clean = runs.filter((l) => l.longTasks === 0).length;
    lines.push(`| ${mode}: runs with no long task | ${clean} of ${runs.length} (fps ${runs.map((l) => l.fps).join(', ')}) | all |`);
  }
}
console.log(lines.join('\n'));
console.log('\n```json\n' + JSON.stringify(summary, null, 2) + '\n```');
if (process.env.BENCH_JSON) await writeFile(process.env.BENCH_JSON, JSON.stringify(summary, null, 2));
