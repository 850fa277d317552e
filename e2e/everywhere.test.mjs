// What a reader does with a shared lesson, in every engine (inEveryEngine:
// only the portable page API of e2e/wdpage.mjs): a share link made in one
// tab opens the same lesson in a fresh one, and the playground embedded in
// a host page (an iframe the test writes into a page) opens a lesson at its
// step and walks it.

import { readFile } from 'node:fs/promises';
import { deflateRawSync } from 'node:zlib';
import { inEveryEngine } from './engines.mjs';
import { openPlayground as open, tid } from './page.mjs';

async function textIs(page, selector, want, what) {
  try {
    await page.waitForFunction(([s, w]) => document.querySelector(s)?.textContent.trim() === w,
      [selector, want], { timeout: 10_000 });
  } catch {
    const got = await page.locator(selector).first().textContent().catch(() => '(missing)');
    throw new Error(`${what}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got?.trim())}`);
  }
}

export const aSharedLessonOpensInAFreshTab = inEveryEngine(async ({ page, baseURL, newPage, screenshot }) => {
  await open(page, baseURL);
  await page.click('#open-gallery');
  await page.click('#load-lesson-topics');
  await page.locator('#lesson-bar').waitFor();
  await page.click('#lesson-next');
  await textIs(page, '#lesson-counter', 'step 1 of 7', 'before sharing');
  await page.click('#open-share');
  await page.locator('#share-link').waitFor();
  await page.waitForFunction(() => document.querySelector('#share-link')?.value.includes('#w1.'), null,
    { timeout: 10_000 });
  const link = await page.inputValue('#share-link');
  const other = await newPage();
  await other.goto(link);
  await other.locator('#lesson-bar').waitFor();
  await textIs(other, '#lesson-title', 'Topics (RabbitMQ tutorial 5)', 'the lesson after the link');
  await textIs(other, '#lesson-counter', '7 steps', 'a link opens a lesson at its start');
  await other.locator(tid('node:exchange:topic_logs')).waitFor();
  await other.click('#lesson-next');
  await textIs(other, '#lesson-counter', 'step 1 of 7', 'the linked lesson walks');
  await screenshot('shared-lesson');
});

export const anEmbeddedLessonOpensAtItsStepInAHostPage = inEveryEngine(async ({ page, baseURL, screenshot }) => {
  const text = await readFile(new URL('../web/scenes/lesson-order-flow.json', import.meta.url), 'utf8');
  const src = `${baseURL}?embed&step=2#w1.${deflateRawSync(Buffer.from(text)).toString('base64url')}`;
  await open(page, baseURL);
  // The host page: this page's body replaced by a paragraph and the iframe.
  await page.evaluate((url) => {
    document.body.innerHTML = '<p id="host-text">A tutorial page.</p>';
    const f = document.createElement('iframe');
    f.id = 'w';
    f.width = '760';
    f.height = '460';
    f.src = url;
    document.body.appendChild(f);
  }, src);
  const inFrame = (sel) => page.waitForFunction((s) => {
    const doc = document.getElementById('w')?.contentDocument;
    return doc?.querySelector(s)?.textContent.trim() ?? null;
  }, sel, { timeout: 15_000 });
  await page.waitForFunction(() => document.getElementById('w')?.contentDocument
    ?.querySelector('#lesson-counter')?.textContent.trim() === 'step 2 of 6', null, { timeout: 15_000 })
    .catch(async () => {
      throw new Error(`the embed's counter says ${JSON.stringify(await inFrame('#lesson-counter').catch(() => '(none)'))}`);
    });
  // Step 2 declared the queues: they are on the embedded canvas.
  await page.waitForFunction(() => !!document.getElementById('w')?.contentDocument
    ?.querySelector('[data-testid="node:queue:order_report"]'), null, { timeout: 10_000 });
  await screenshot('embedded-lesson');
});
