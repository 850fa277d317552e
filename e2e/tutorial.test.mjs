// The example tutorial page (examples/tutorial/, built into dist/tutorial/):
// its three moments in three embeds, the page's own button driving the third
// through the host API, nothing fetched from elsewhere; and dist/ served
// under a path prefix rather than at `/`.

import { tid } from './page.mjs';

async function frameText(frame, selector, want) {
  await frame.locator(selector).first().waitFor();
  const deadline = Date.now() + 8000;
  for (;;) {
    const got = (await frame.locator(selector).first().textContent()).trim();
    if (got === want) return;
    if (Date.now() > deadline) throw new Error(`${selector}: expected ${want}, got ${got}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function checkTutorial(page, url) {
  const foreign = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(new URL(url).origin) && !r.url().startsWith('data:')) foreign.push(r.url());
  });
  await page.goto(url);
  await page.locator('h1').waitFor();
  // 1. Before any queue exists: the order vanishes.
  const one = page.frameLocator('#moment-1');
  await one.locator(tid('node:exchange:order')).waitFor();
  if (await one.locator('[data-testid^="node:queue:"]').count()) throw new Error('moment 1 has queues');
  await one.locator(tid('publish:web shop')).click();
  await one.locator('#log-rows').getByText('unroutable').first().waitFor();
  // 2. The consumers start.
  const two = page.frameLocator('#moment-2');
  for (const c of ['mailer', 'mailer 2', 'printer']) await two.locator(tid(`node:consumer:${c}`)).waitFor();
  // 3. Publishing again: each queue gets its copy of the three orders.
  const three = page.frameLocator('#moment-3');
  await frameText(three, tid('acked:printer'), '3');
  // The page's own button, through the host API.
  await page.locator('#place-order:not([disabled])').waitFor();
  await page.click('#place-order');
  await frameText(three, tid('acked:printer'), '4');
  // The three scripted orders and the page's own, each acked by the printer.
  await page.waitForFunction(() => [...document.querySelectorAll('#host-events li')]
    .filter((li) => li.textContent.includes('acked  order.report from order_report to printer')).length === 4);
  if (foreign.length) throw new Error(`fetched from elsewhere: ${foreign}`);
}

export async function theTutorialPageTellsItsThreeMoments({ page, baseURL, screenshot }) {
  await page.setViewportSize({ width: 1000, height: 2400 });
  await checkTutorial(page, `${baseURL}tutorial/`);
  await screenshot('tutorial');
}

export async function distWorksUnderAPathPrefix({ page, baseURL }) {
  // http://prefix.test/docs/warren/... is dist/ (routed to the test server).
  const prefix = 'http://prefix.test/docs/warren/';
  await page.route(`${prefix}**`, async (route) => {
    const u = new URL(route.request().url());
    const rest = u.pathname.slice(new URL(prefix).pathname.length);
    const response = await route.fetch({ url: `${baseURL}${rest}${u.search}` });
    await route.fulfill({ response });
  });
  await page.route('http://prefix.test/warren-web-*', (route) => route.abort());
  await page.goto(prefix);
  await page.locator('#prerendered').waitFor({ state: 'detached' });
  await page.locator(tid('node:consumer:printer')).waitFor();
  await page.setViewportSize({ width: 1000, height: 2400 });
  await checkTutorial(page, `${prefix}tutorial/`);
}
