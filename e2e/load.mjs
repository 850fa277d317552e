// The page under load, as e2e/bench.mjs measures it and e2e/trace.mjs
// traces it: one setup for both, so that the traced figures are of the
// same run as the measured ones.

import { openPlayground, tid } from './page.mjs';

/**
 * Opens the playground at 1× and gets the load going:
 *   idle  – the default scene playing, no rate producer;
 *   fill  – a producer at `rate` msg/s to exchange `order`, key
 *           `order.notify`, the scene's consumers unchanged;
 *   drain – the same, both mailers edited to prefetch 0 and 0 ms
 *           processing, so they ack as fast as messages arrive.
 * Resolves once the rate producer exists (for idle, once the page is set).
 */
export async function startLoad(page, baseURL, mode, rate) {
  await openPlayground(page, baseURL);
  await page.locator(tid('node:consumer:printer')).waitFor();
  if ((await page.inputValue('#speed')) !== '1') await page.selectOption('#speed', '1');
  if (mode === 'drain') {
    for (const c of ['mailer', 'mailer 2']) {
      await page.click(`${tid(`node:consumer:${c}`)} .box`);
      await page.locator('#edit-consumer-prefetch').waitFor({ state: 'attached' });
      await page.evaluate(() => { for (const d of document.querySelectorAll('#panel details.edit')) d.open = true; });
      await page.fill('#edit-consumer-prefetch', '0');
      await page.fill('#edit-consumer-processing_ms', '0');
      await page.click('#edit-consumer-submit');
      await page.waitForFunction((name) => /prefetch 0,/.test(document.querySelector(
        `[data-testid="node:consumer:${name}"]`)?.getAttribute('aria-label') ?? ''), c);
    }
    await page.keyboard.press('Escape');
  }
  await page.click('#tab-publish');
  await page.fill('#publish-exchange', 'order');
  await page.fill('#publish-routing_key', 'order.notify');
  await page.fill('input#publish-rate', String(rate));
  if (mode !== 'idle') {
    const producersBefore = await page.locator('[data-testid^="node:producer:"]').count();
    await page.click('#publish-at-rate');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid^="node:producer:"]').length > n,
      producersBefore);
  }
}
