// First paint of two (or more) builds side by side: loads alternate
// between them, round by round, so that the machine's drift falls on all
// alike (a tool for comparing, not a test; it asserts nothing). The
// "rounds" of e2e/bench.md's "First render, prerendered" come from it.
//
//   node e2e/compare.mjs DIST_A DIST_B [...]
//
// Env: ROUNDS (9), CHROMIUM (/usr/bin/chromium). Prints, per build, the
// median first contentful paint and the median time the app was live (its
// snapshot gone and #app rendered; "-" for a page without the app), both
// from navigation start, and every load's pair.
import path from 'node:path';
import { launchChromium } from './chromium.mjs';
import { serveDir } from './serve.mjs';

const dists = process.argv.slice(2);
if (dists.length < 1) {
  console.error('usage: node e2e/compare.mjs DIST_A DIST_B [...]');
  process.exit(2);
}
const ROUNDS = Number(process.env.ROUNDS ?? 9);
const median = (xs) => {
  const s = xs.filter((x) => x !== null).sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : null;
};

const browser = await launchChromium();
const servers = await Promise.all(dists.map((d) => serveDir(path.resolve(d), { port: 0 })));
const loads = dists.map(() => []);
try {
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [i, server] of servers.entries()) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.addInitScript(() => {
        window.__live = null;
        const mo = new MutationObserver(() => {
          if (!document.getElementById('prerendered') && document.getElementById('app')) {
            window.__live = performance.now();
            mo.disconnect();
          }
        });
        mo.observe(document, { childList: true, subtree: true });
      });
      await page.goto(`http://127.0.0.1:${server.address().port}/`);
      // Read once, after the page has had time to paint (see bench.mjs on
      // why not waitForFunction).
      await new Promise((r) => setTimeout(r, 1500));
      loads[i].push(await page.evaluate(() => [
        performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null, window.__live,
      ].map((x) => (x === null ? null : Math.round(x)))));
      await context.close();
    }
  }
} finally {
  await browser.close();
  for (const s of servers) s.close();
}
for (const [i, d] of dists.entries()) {
  const live = median(loads[i].map((l) => l[1]));
  console.log(`${d}: first paint ${median(loads[i].map((l) => l[0]))} ms, live ${live ?? '-'} ms`
    + `  (${loads[i].map((l) => `${l[0]}/${l[1] ?? '-'}`).join(' ')})`);
}
