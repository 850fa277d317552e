// What each engine draws, where computed styles cannot tell: the top bar's
// speed selector shows its value (WebKitGTK painted its own light box under
// the light text), and no node of the default scene hides under the canvas
// toolbar or the legend, in the prerendered snapshot or in the app
// (Firefox drew the snapshot unfitted, the top consumer under the toolbar).
// Both run in every engine.

import { inEveryEngine } from './engines.mjs';
import { openPlayground as open, tid } from './page.mjs';
import { contrast, decodePng } from './png.mjs';

export const theSpeedSelectorShowsItsValue = inEveryEngine(async ({ page, baseURL, screenshot }) => {
  await open(page, baseURL);
  const value = await page.inputValue('#speed');
  if (value !== '1') throw new Error(`speed is ${value}, expected 1`);
  // The select's pixels, cut from a screenshot of the page.
  const r = await page.locator('#speed').boundingBox();
  const dpr = await page.evaluate(() => devicePixelRatio);
  const shot = decodePng(await page.screenshot());
  // The value ("1×") is drawn at the left, the arrow at the right: count
  // the pixels of the left half that stand out from the box's colour (the
  // commonest one there) as text must (WCAG's 3:1 for large text).
  const counts = new Map();
  const left = [];
  for (let y = Math.ceil(r.y * dpr) + 2; y < Math.floor((r.y + r.height) * dpr) - 2; y++) {
    for (let x = Math.ceil(r.x * dpr) + 2; x < Math.floor((r.x + r.width / 2) * dpr); x++) {
      const p = shot.pixel(x, y);
      left.push(p);
      counts.set(p.join(), (counts.get(p.join()) ?? 0) + 1);
    }
  }
  const box = [...counts].sort((a, b) => b[1] - a[1])[0][0].split(',').map(Number);
  const ink = left.filter((p) => contrast(p, box) >= 3).length;
  if (ink < 10) {
    await screenshot('speed-unreadable');
    throw new Error(`the speed selector shows no readable text: ${ink} pixel(s) of its left half stand out from rgb(${box})`);
  }
});

/** The nodes that a canvas overlay (toolbar, legend) covers, as "node under overlay". */
function covered(page) {
  return page.evaluate(() => {
    const over = (a, b) => a.left < b.right && a.right > b.left && a.top < b.bottom && a.bottom > b.top;
    const bars = ['.canvas-tools', '.legend'].map((s) => [s, document.querySelector(s)?.getBoundingClientRect()]);
    const found = [];
    for (const n of document.querySelectorAll('[data-testid^="node:"]')) {
      const r = n.getBoundingClientRect();
      for (const [s, b] of bars) if (b && over(r, b)) found.push(`${n.getAttribute('data-testid')} under ${s}`);
    }
    return found;
  });
}

export const noNodeHidesUnderTheCanvasToolbar = inEveryEngine(async ({ page, baseURL, screenshot, holdWasm }) => {
  for (const viewport of [{ width: 1280, height: 800 }, { width: 1920, height: 1080 }]) {
    await page.setViewportSize(viewport);
    // The prerendered snapshot (the wasm held back), then the app.
    const release = await holdWasm();
    await page.goto(baseURL, { waitUntil: 'commit' });
    await page.locator(tid('node:consumer:printer')).waitFor();
    const before = await covered(page);
    await release();
    await page.locator('#prerendered').waitFor({ state: 'detached' });
    await page.locator(tid('node:consumer:printer')).waitFor();
    const after = await covered(page);
    if (before.length || after.length) {
      await screenshot(`covered-${viewport.width}`);
      throw new Error(`${viewport.width}×${viewport.height}: in the snapshot ${before.join(', ') || 'none'}; in the app ${after.join(', ') || 'none'}`);
    }
  }
  await screenshot('clear');
});
