// Charts over virtual time (docs/charts.md), in the release build: during
// the order flow, a queue's and a consumer's inspector; the printer stopped
// and started again, its queue's ready line rises and falls; scrubbing back
// moves the cursor and the figures to that moment. Chromium only: it reads
// SVG attributes and takes an element screenshot, which the portable page
// API (e2e/wdpage.mjs) does not offer.

import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import { openPlayground as open, tid } from './page.mjs';

/** The figure the legend of `chart` gives for the line of class `cls`. */
const figure = (page, chart, cls) => page.locator(`${chart} li.${cls} b`).textContent();

/** The y of each point of a chart's line (60 is the axis, 0 the top). */
async function ys(page, chart, cls) {
  const points = await page.getAttribute(`${chart} polyline.${cls}`, 'points');
  return points.trim().split(/\s+/).map((p) => Number(p.split(',')[1]));
}

async function until(page, what, check) {
  for (let i = 0; i < 80; i++) {
    if (await check()) return;
    await page.waitForTimeout(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

export async function theReadyLineRisesWhileThePrinterIsStoppedAndFalls({ page, baseURL, screenshot }) {
  await open(page, baseURL);
  await page.click('#play'); // pause: time moves by steps (N)
  await page.click(tid('stop:printer'));
  const t0 = Number(await page.inputValue('#timeline'));
  for (let i = 0; i < 4; i++) await page.click(tid('publish:web shop'));
  for (let i = 0; i < 3; i++) await page.keyboard.press('n');
  await page.locator(tid('node:queue:order_report')).focus();
  await page.keyboard.press('Enter');
  await until(page, 'ready 4 in the legend', async () => (await figure(page, '#chart-depth', 'c-ready')) === '4');
  const label = await page.getAttribute('#chart-depth svg', 'aria-label');
  if (!label.includes('ready 4')) throw new Error(`the chart's text alternative lacks its figure: ${label}`);
  await screenshot('queue-while-stopped');
  // The printer's own charts.
  await page.locator(tid('node:consumer:printer')).focus();
  await page.keyboard.press('Enter');
  await page.locator('#chart-consumer-util li.c-util').waitFor();
  await page.locator('#chart-consumer-rates li.c-deliver').waitFor();
  await screenshot('consumer');
  // Started, it drains its queue: 700 ms a message.
  await page.click(tid('start:printer'));
  for (let i = 0; i < 8; i++) await page.keyboard.press('n');
  await page.locator(tid('node:queue:order_report')).focus();
  await page.keyboard.press('Enter');
  await until(page, 'ready 0 in the legend', async () => (await figure(page, '#chart-depth', 'c-ready')) === '0');
  const line = await ys(page, '#chart-depth', 'c-ready');
  const top = Math.min(...line);
  if (!(top < 60)) throw new Error(`the ready line never rose: ${line}`);
  if (line.at(-1) !== 60) throw new Error(`the ready line did not fall back to 0: ${line}`);
  if (line.lastIndexOf(top) >= line.length - 1) throw new Error(`no fall after the peak: ${line}`);
  // The sparkline on the queue node drew the same rise.
  await page.locator(`${tid('node:queue:order_report')} ~ polyline.spark`).waitFor({ state: 'attached' });
  await screenshot('queue-drained');
  const out = path.resolve(process.env.E2E_OUT ?? 'out/e2e', 'chromium');
  await mkdir(out, { recursive: true });
  await page.locator('.side .charts').screenshot({ path: path.join(out, 'charts-queue-charts.png') });
  // Scrubbing back to while it was stopped: the cursor and the figures go
  // there; the lines stay whole.
  const cursorNow = await page.getAttribute('#chart-depth .cursor', 'd');
  // Started again 800 ms after the orders (the mailers' two steps).
  await page.locator('#timeline').fill(String(t0 + 500));
  await until(page, 'ready 4 at the earlier moment', async () => (await figure(page, '#chart-depth', 'c-ready')) === '4');
  if ((await page.getAttribute('#chart-depth .cursor', 'd')) === cursorNow) throw new Error('the cursor did not move');
  const after = await ys(page, '#chart-depth', 'c-ready');
  if (after.length !== line.length) throw new Error(`scrubbing cut the line: ${after.length} points, had ${line.length}`);
  await screenshot('scrubbed');
}
