// What is wrong, as you build: the playground runs `warren check`'s lint
// on the scene after every change and shows its findings where they
// apply. Here a binding that can never match (a typo in its key) and a
// queue nobody consumes, with no length limit or TTL, are built through
// the Add tab; both show as badges on the canvas and in the inspector with
// their fix; fixing the binding's key makes its finding go, and dismissing
// the other hides it for the session.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openPlayground as open, tid } from './page.mjs';

const AXE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', 'axe-core', 'axe.min.js');

/** axe-core's violations on the page (as e2e/a11y.test.mjs runs it), one line each. */
async function violations(page) {
  await page.addScriptTag({ path: AXE });
  const found = await page.evaluate(async () =>
    (await window.axe.run(document, { resultTypes: ['violations'] })).violations);
  return found.map((v) => `${v.impact} ${v.id} (${v.help}) at ${v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(', ')}`);
}

async function pause(page) {
  if ((await page.getAttribute('#play', 'aria-pressed')) === 'true') await page.click('#play');
}

async function count(page) {
  if (!(await page.locator('#lint-count').count())) return 0;
  return Number((await page.textContent('#lint-count')).replace(/\D/g, ''));
}

export async function findingsShowOnTheCanvasAndGoWhenFixed({ page, baseURL, screenshot }) {
  await open(page, baseURL);
  await pause(page);
  // The default scene is clean: no badge, no count.
  if (await page.locator('.lint-badge').count()) throw new Error('the default scene has findings');
  if (await count(page)) throw new Error('a count on a clean scene');

  await page.click('#tab-add');
  await page.click('#add-queue');
  await page.fill('#new-queue-name', 'audit');
  await page.click('#new-queue-submit');
  await page.locator(tid('node:queue:audit')).waitFor();
  await page.click('#add-binding');
  await page.selectOption('#new-binding-source', 'order');
  await page.fill('#new-binding-destination', 'audit');
  await page.fill('#new-binding-routing_key', 'order.notfy');
  await page.click('#new-binding-submit');

  const queueBadge = page.locator(tid('lint:queue:audit'));
  const bindingBadge = page.locator(tid('lint:binding:order>audit:order.notfy'));
  await queueBadge.waitFor();
  await bindingBadge.waitFor();
  const aria = await bindingBadge.getAttribute('aria-label');
  if (!aria.includes('none of them matches this binding')) throw new Error(`binding badge says: ${aria}`);
  if ((await count(page)) !== 2) throw new Error(`count ${await count(page)}, expected 2`);
  await screenshot('two-findings');

  // The queue's inspector says what is wrong and how to fix it.
  await queueBadge.click();
  const finding = page.locator('#findings [data-code="unconsumed-queue"]');
  await finding.waitFor();
  const words = await finding.textContent();
  if (!words.includes('no consumer') || !words.includes('Fix: Add a consumer')) throw new Error(`inspector: ${words}`);
  await screenshot('queue-inspector');
  // Badges, the count and the inspector's findings pass axe (names, contrast).
  const bad = await violations(page);
  if (bad.length) throw new Error(`accessibility:\n${bad.join('\n')}`);

  // Fix the binding's key: its finding goes, the queue's stays.
  await bindingBadge.click();
  await page.locator('#findings [data-code="binding-never-matches"]').waitFor();
  await page.fill('#edit-binding-routing_key', 'order.notify');
  await page.click('#edit-binding-submit');
  await page.locator(tid('binding:order>audit:order.notify')).waitFor();
  await bindingBadge.waitFor({ state: 'detached' });
  if (await page.locator(tid('lint:binding:order>audit:order.notify')).count()) {
    throw new Error('the fixed binding still has a badge');
  }
  await queueBadge.waitFor();
  if ((await count(page)) !== 1) throw new Error(`count ${await count(page)} after the fix, expected 1`);
  await screenshot('binding-fixed');

  // Dismissed, the queue's finding leaves the canvas and the count.
  await queueBadge.click();
  await page.click('#findings [data-code="unconsumed-queue"] button');
  await queueBadge.waitFor({ state: 'detached' });
  if (await count(page)) throw new Error('a count after dismissing the last finding');
}
