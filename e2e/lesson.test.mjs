// Lessons end to end: the gallery opens a lesson; each lesson is walked
// forward to its end and back to its start, checking at every step the
// caption, the step counter and the queue counts on the canvas against the
// lesson file itself (web/scenes/<id>.json: the expectations `warren run`
// checks natively); leaving the script and coming back. The gallery, the
// order-flow lesson and leaving the script run in every engine
// (inEveryEngine: only the portable page API, e2e/wdpage.mjs).

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inEveryEngine } from './engines.mjs';
import { openPlayground as open, tid } from './page.mjs';

const scenes = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'web', 'scenes');

async function lessonFile(id) {
  return JSON.parse(await readFile(path.join(scenes, `${id}.json`), 'utf8'));
}

/** Waits until `fn(selector)` in the page is true, or fails saying what was there. */
async function waitText(page, selector, want, what) {
  try {
    await page.waitForFunction(
      ([s, w]) => document.querySelector(s)?.textContent.trim() === w,
      [selector, want],
      { timeout: 10_000 },
    );
  } catch {
    const got = await page.locator(selector).first().textContent().catch(() => '(missing)');
    throw new Error(`${what}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got?.trim())}`);
  }
}

/** Whether the control `selector` is disabled. */
function disabled(page, selector) {
  return page.evaluate((s) => document.querySelector(s)?.disabled === true, selector);
}

/** The queue counts a step's expectations name, checked on the canvas. */
async function checkQueues(page, step, where) {
  for (const [queue, want] of Object.entries(step.expect?.queues ?? {})) {
    if (queue.startsWith('$')) continue; // a server-named queue: its name is generated
    if (want === null) {
      const n = await page.locator(tid(`node:queue:${queue}`)).evaluateAll((els) => els.length);
      if (n) throw new Error(`${where}: queue ${queue} should not exist`);
      continue;
    }
    // A stream's node shows its log, not a ready count.
    if (want.ready !== undefined && want.log === undefined) await waitText(page, tid(`ready:${queue}`), String(want.ready), `${where}: ${queue} ready`);
    if (want.unacked !== undefined) await waitText(page, tid(`unacked:${queue}`), String(want.unacked), `${where}: ${queue} unacked`);
    if (want.log !== undefined) await waitText(page, tid(`log:${queue}`), String(want.log), `${where}: ${queue} log`);
  }
}

/** Opens lesson `id` from the gallery, at 100× so the waits take milliseconds. */
async function openLesson(page, baseURL, id) {
  await open(page, baseURL);
  await page.selectOption('#speed', '100');
  await page.click('#open-gallery');
  await page.locator('#gallery-dialog').waitFor();
  await page.click(`#load-${id}`);
  await page.locator('#lesson-bar').waitFor();
  await page.locator('#gallery-dialog').waitFor({ state: 'detached' });
}

/** Walks the lesson to its end and back, checking every step both ways. */
async function walk(page, id, screenshot) {
  const scene = await lessonFile(id);
  const steps = scene.lesson.steps;
  await waitText(page, '#lesson-counter', `${steps.length} steps`, `${id} at its start`);
  for (let i = 0; i < steps.length; i += 1) {
    await page.click('#lesson-next');
    const where = `${id} step ${i + 1}`;
    await waitText(page, '#lesson-counter', `step ${i + 1} of ${steps.length}`, where);
    await waitText(page, '#lesson-caption', steps[i].caption.replaceAll('`', ''), `${where} caption`);
    await page.locator('#lesson-running').waitFor({ state: 'detached', timeout: 10_000 });
    await checkQueues(page, steps[i], where);
    if (i === 0 || i === steps.length - 1) await screenshot(`${id}-step${i + 1}`);
  }
  if (!(await disabled(page, '#lesson-next'))) throw new Error(`${id}: Next is enabled after the last step`);
  for (let i = steps.length - 1; i >= 1; i -= 1) {
    await page.click('#lesson-back');
    const where = `${id} back at step ${i}`;
    await waitText(page, '#lesson-counter', `step ${i} of ${steps.length}`, where);
    await waitText(page, '#lesson-caption', steps[i - 1].caption.replaceAll('`', ''), `${where} caption`);
    await checkQueues(page, steps[i - 1], where);
  }
  await page.click('#lesson-back');
  await waitText(page, '#lesson-counter', `${steps.length} steps`, `${id} back at its start`);
  if (!(await disabled(page, '#lesson-back'))) throw new Error(`${id}: Back is enabled at the start`);
}

export const theGalleryListsEveryLessonWithALine = inEveryEngine(async ({ page, baseURL, screenshot }) => {
  await open(page, baseURL);
  await page.click('#open-gallery');
  const items = await page.locator('#gallery-dialog li').allTextContents();
  if (items.length < 1) throw new Error('the gallery is empty');
  if (!items.some((t) => t.includes("The tutorial's order flow"))) throw new Error(`no order flow in ${items}`);
  await screenshot('gallery');
});

export const theOrderFlowLessonWalksForwardAndBack = inEveryEngine(async ({ page, baseURL, screenshot }) => {
  await openLesson(page, baseURL, 'lesson-order-flow');
  await walk(page, 'lesson-order-flow', screenshot);
});

export async function theWorkQueuesLessonWalksForwardAndBack({ page, baseURL, screenshot }) {
  await openLesson(page, baseURL, 'lesson-work-queues');
  await walk(page, 'lesson-work-queues', screenshot);
}

export async function theTopicsLessonWalksForwardAndBack({ page, baseURL, screenshot }) {
  await openLesson(page, baseURL, 'lesson-topics');
  await walk(page, 'lesson-topics', screenshot);
}

// A stream's node: its log's length each step, and a reader's mark per
// consumer under the offset it reads next.
export async function theStreamLessonWalksForwardAndBack({ page, baseURL, screenshot }) {
  await openLesson(page, baseURL, 'lesson-stream-replay');
  await walk(page, 'lesson-stream-replay', screenshot);
  const steps = (await lessonFile('lesson-stream-replay')).lesson.steps;
  for (let i = 0; i < steps.length; i += 1) {
    await page.click('#lesson-next');
    await page.locator('#lesson-running').waitFor({ state: 'detached', timeout: 10_000 });
  }
  await waitText(page, tid('log:events'), '4', 'the log at the end');
  // All three have read the four events: one mark after the last cell, for three.
  const marks = page.locator(`${tid('node:queue:events')} ~ .node-details .log-reader`);
  const named = await marks.evaluateAll((els) => els.map((e) => e.querySelector('title').textContent));
  const want = 'live: next offset 4,reader: next offset 4,replay: next offset 4';
  if (named.length !== 1 || named[0].split('\n').sort().join() !== want) {
    throw new Error(`reader marks: ${JSON.stringify(named)}`);
  }
  await screenshot('lesson-stream-replay-end');
}

export const leavingTheScriptAndReturning = inEveryEngine(async ({ page, baseURL, screenshot }) => {
  await openLesson(page, baseURL, 'lesson-order-flow');
  const steps = (await lessonFile('lesson-order-flow')).lesson.steps;
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('n');
  await waitText(page, '#lesson-counter', `step 2 of ${steps.length}`, 'two steps by keyboard');
  await page.locator('#lesson-running').waitFor({ state: 'detached' });
  // Playing freely: the learner places an order of their own.
  await page.click(tid('publish:web shop'));
  await page.locator('#lesson-off').waitFor();
  if (!(await disabled(page, '#lesson-next'))) throw new Error('Next is enabled off the script');
  await waitText(page, tid('unacked:order_report'), '1', 'the free order reached the printer');
  await screenshot('off-script');
  await page.click('#lesson-return');
  await page.locator('#lesson-off').waitFor({ state: 'detached' });
  await waitText(page, '#lesson-counter', `step 2 of ${steps.length}`, 'back on step 2');
  await page.locator('#lesson-running').waitFor({ state: 'detached' });
  await checkQueues(page, steps[1], 'returned to step 2');
  await waitText(page, tid('unacked:order_report'), '0', 'the free order is gone');
  // The explainer for step 1's dropped messages, one click from the caption.
  await page.keyboard.press('ArrowLeft');
  await waitText(page, '#lesson-counter', `step 1 of ${steps.length}`, 'back to step 1');
  await page.click('#lesson-why');
  await page.locator('#route-verdict').waitFor();
  const verdict = await page.textContent('#route-verdict');
  if (!/no queue|nowhere|unroutable|dropped/i.test(verdict)) throw new Error(`the explainer says: ${verdict}`);
  const key = await page.inputValue('#route-routing_key');
  if (key !== 'order.report') throw new Error(`the explainer asks about ${key}`);
  await screenshot('why');
});
