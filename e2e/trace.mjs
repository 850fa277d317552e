// Traces the playground in headless Chromium and sums the renderer's main
// thread by phase: the analysis behind e2e/bench.md's "traced" tables (a
// tool for looking, not a test; it asserts nothing).
//
//   node e2e/trace.mjs DIST load          N fresh loads: navigation to first paint
//                                         (the prerendered scene), and the wasm's start
//   node e2e/trace.mjs DIST fill|drain    10 s at 5,000 msg/s, as the bench sets it up
//
// Env: TRACE_LOADS (5), CHROMIUM (/usr/bin/chromium). Build DIST with
// `trunk build --release --dist DIST`.
import path from 'node:path';
import { launchChromium } from './chromium.mjs';
import { startLoad } from './load.mjs';
import { serveDir } from './serve.mjs';

const [distArg, mode = 'load'] = process.argv.slice(2);
if (!distArg || !['load', 'fill', 'drain'].includes(mode)) {
  console.error('usage: node e2e/trace.mjs DIST load|fill|drain');
  process.exit(2);
}
const LOADS = Number(process.env.TRACE_LOADS ?? 5);
// `fonts` (the font lookups of the first layout) slows a load run's
// tracing; it is left out of the 10 s runs.
const CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8',
  ...(mode === 'load' ? ['loading', 'blink.user_timing', 'fonts'] : [])];
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
};

/** The renderer main thread that ran the app's wasm glue. */
function mainThread(events) {
  const call = events.find((e) => e.name === 'FunctionCall'
    && /warren-web[^/]*\.js$/.test(e.args?.data?.url ?? ''));
  if (!call) throw new Error('no call into the app found in the trace');
  return { pid: call.pid, tid: call.tid, call };
}

/** Milliseconds of each named event on the thread, within [from, to] µs. */
function sums(events, thread, from, to) {
  const out = {};
  for (const e of events) {
    if (e.ph !== 'X' || e.pid !== thread.pid || e.ts < from || e.ts > to) continue;
    if (e.tid !== thread.tid && e.name !== 'RasterTask') continue;
    out[e.name] = (out[e.name] ?? 0) + (e.dur ?? 0) / 1000;
  }
  return out;
}

async function traced(browser, page, work) {
  await browser.startTracing(page, { categories: CATEGORIES });
  await work();
  return JSON.parse((await browser.stopTracing()).toString()).traceEvents;
}

const server = await serveDir(path.resolve(distArg), { port: 0 });
const baseURL = `http://127.0.0.1:${server.address().port}/`;
const browser = await launchChromium();
try {
  if (mode === 'load') {
    const rows = [];
    for (let i = 0; i < LOADS; i += 1) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      const events = await traced(browser, page, async () => {
        await page.goto(baseURL);
        await new Promise((r) => setTimeout(r, 1500));
      });
      await context.close();
      const nav = events.find((e) => e.name === 'navigationStart' && e.args?.data?.isLoadingMainFrame);
      const fcp = events.find((e) => e.name === 'firstContentfulPaint');
      const thread = mainThread(events);
      // The first paint is the prerendered scene (web/src/prerender.rs):
      // what the page did up to it, and when the wasm then took over.
      const s = sums(events, thread, nav.ts, fcp.ts);
      rows.push({
        'first paint': (fcp.ts - nav.ts) / 1000,
        'wasm starts': (thread.call.ts - nav.ts) / 1000,
        'wasm runs': thread.call.dur / 1000,
        'parse HTML': s.ParseHTML ?? 0,
        style: s.UpdateLayoutTree ?? 0,
        layout: s.Layout ?? 0,
        'of it, font lookups': s['FontCache::GetFontPlatformData'] ?? 0,
        paint: s.Paint ?? 0,
        raster: s.RasterTask ?? 0,
      });
    }
    console.log(`load, medians of ${LOADS} (ms):`);
    for (const k of Object.keys(rows[0])) console.log(`  ${k.padEnd(20)} ${median(rows.map((r) => r[k])).toFixed(1)}`);
  } else {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await startLoad(page, baseURL, mode, 5000);
    await page.waitForTimeout(300);
    const events = await traced(browser, page, () => page.waitForTimeout(10_000));
    await context.close();
    const thread = mainThread(events);
    const tasks = events.filter((e) => e.ph === 'X' && e.name === 'RunTask'
      && e.pid === thread.pid && e.tid === thread.tid);
    const from = Math.min(...tasks.map((e) => e.ts));
    const to = Math.max(...tasks.map((e) => e.ts + e.dur));
    const seconds = (to - from) / 1e6;
    const busy = tasks.reduce((a, e) => a + e.dur, 0) / 1000;
    const s = sums(events, thread, from, to);
    console.log(`${mode}, ${seconds.toFixed(1)} s traced: main thread ${(busy / seconds / 10).toFixed(0)}% busy`);
    console.log('  ms per second:');
    for (const k of ['FunctionCall', 'UpdateLayoutTree', 'Layout', 'Paint', 'PrePaint', 'Layerize', 'Commit', 'HitTest']) {
      console.log(`    ${k.padEnd(18)} ${((s[k] ?? 0) / seconds).toFixed(0)}`);
    }
    const longest = tasks.map((e) => e.dur / 1000).sort((a, b) => b - a).slice(0, 5);
    console.log(`  longest tasks (ms): ${longest.map((x) => x.toFixed(1)).join(', ')}`);
  }
} finally {
  await browser.close();
  server.close();
}
