// Share links and scene files (issue 15): a scene goes into a link and
// comes back whole in a fresh browser; opening a link keeps the person's
// own scene one click away; a damaged link changes nothing; a scene too
// big for a link is offered as a file; scene files and RabbitMQ's
// definitions.json open from the file picker and by dropping, and the
// topology is written back as a definitions.json.

import { openPlayground as open, tid } from './page.mjs';

const SAVED = 'warren.scene.v1';

/** The link the Share dialog makes for the scene on the canvas. */
async function shareLinkOf(page) {
  await page.click('#open-share');
  const input = page.locator('#share-link');
  await input.waitFor();
  const link = await input.inputValue();
  await page.keyboard.press('Escape');
  return link;
}

async function noticeSays(page, words) {
  await page.waitForFunction((w) => document.querySelector('#notice-text')?.textContent.includes(w), words,
    { timeout: 8000 }).catch(async () => {
    const got = await page.locator('#notice-text').textContent().catch(() => '(none)');
    throw new Error(`expected a notice with ${JSON.stringify(words)}, got ${JSON.stringify(got)}`);
  });
}

async function loadBuiltIn(page, id, node) {
  await page.click('#open-scenes');
  await page.click(`#load-${id}`);
  await page.locator(tid(node)).waitFor();
}

export async function aShareLinkRestoresTheSceneInAFreshBrowser({ page, baseURL, screenshot }) {
  await open(page, baseURL);
  await loadBuiltIn(page, 'topic-logs', 'node:exchange:logs');
  // Move a node, so the layout is the person's own.
  await page.waitForFunction((k) => localStorage.getItem(k)?.includes('"logs"'), SAVED);
  const loaded = await page.evaluate((k) => localStorage.getItem(k), SAVED);
  await page.focus(tid('node:exchange:logs'));
  await page.keyboard.press('Shift+ArrowDown');
  await page.waitForFunction(([k, was]) => localStorage.getItem(k) !== was, [SAVED, loaded]);
  const mine = await page.evaluate((k) => localStorage.getItem(k), SAVED);
  const link = await shareLinkOf(page);
  if (!link.startsWith(baseURL) || !link.includes('#w1.')) throw new Error(`not a share link: ${link}`);

  const fresh = await page.context().browser().newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const other = await fresh.newPage();
    await other.goto(link);
    await other.locator(tid('node:exchange:logs')).waitFor();
    await noticeSays(other, 'Opened the shared scene');
    // Saved in that browser: exactly the scene that was shared, layout included.
    await other.waitForFunction((k) => localStorage.getItem(k) !== null, SAVED);
    const theirs = await other.evaluate((k) => localStorage.getItem(k), SAVED);
    if (theirs !== mine) throw new Error(`the scene differs after the round trip:\n${mine}\n---\n${theirs}`);
    // Nothing was there to keep, and the address no longer holds the scene.
    if (await other.locator('#kept-scene').count()) throw new Error('a kept-scene bar with nothing kept');
    if (other.url().includes('#')) throw new Error(`the fragment stayed: ${other.url()}`);
    await screenshot('before-sharing');
    await other.screenshot({ path: 'out/e2e/share-opened.png' }).catch(() => {});
  } finally {
    await fresh.close();
  }
}

export async function openingALinkKeepsYourSceneOneClickAway({ page, baseURL, screenshot }) {
  await open(page, baseURL);
  await loadBuiltIn(page, 'dead-letters', 'node:queue:jobs');
  const link = await shareLinkOf(page);
  await loadBuiltIn(page, 'topic-logs', 'node:exchange:logs');
  await page.waitForFunction((k) => localStorage.getItem(k)?.includes('"logs"'), SAVED);
  await page.goto(link);
  await page.locator(tid('node:queue:jobs')).waitFor();
  await page.locator('#kept-scene').waitFor();
  await screenshot('kept');
  // A reload shows the link's scene (autosaved) and does not open the link again.
  await page.click('#kept-restore');
  await page.locator(tid('node:exchange:logs')).waitFor();
  if (await page.locator(tid('node:queue:jobs')).count()) throw new Error('the shared scene is still shown');
  await page.waitForFunction((k) => localStorage.getItem(k)?.includes('"logs"'), SAVED);
}

export async function aDamagedLinkChangesNothing({ page, baseURL, screenshot }) {
  await open(page, baseURL);
  await loadBuiltIn(page, 'dead-letters', 'node:queue:jobs');
  const link = await shareLinkOf(page);
  await loadBuiltIn(page, 'topic-logs', 'node:exchange:logs');
  await page.waitForFunction((k) => localStorage.getItem(k)?.includes('"logs"'), SAVED);
  const before = await page.evaluate((k) => localStorage.getItem(k), SAVED);
  const cut = link.slice(0, link.indexOf('#w1.') + 4 + Math.floor((link.length - link.indexOf('#w1.')) / 2));
  for (const [bad, words] of [[cut, 'cut short or damaged'], [`${baseURL}#w1.ab<c`, 'not base64url'],
    [`${baseURL}#w9.AAAA`, 'format'], [`${baseURL}#w1.${'A'.repeat(70000)}`, 'characters long']]) {
    await page.goto('about:blank');
    await page.goto(bad);
    await page.locator(tid('node:exchange:logs')).waitFor();
    await noticeSays(page, words);
    await noticeSays(page, 'unchanged');
    if (await page.locator(tid('node:queue:jobs')).count()) throw new Error(`${bad.slice(0, 80)}: the link's scene loaded`);
    const after = await page.evaluate((k) => localStorage.getItem(k), SAVED);
    if (after !== before) throw new Error(`${bad.slice(0, 80)}: the saved scene changed`);
  }
  await screenshot('damaged');
}

export async function aSceneTooBigForALinkIsOfferedAsAFile({ page, baseURL, screenshot }) {
  await open(page, baseURL);
  // 380 queues with random names: no compression gets that under 8 KB.
  const scene = await page.evaluate(() => {
    const rnd = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(36)).join('');
    const queues = Array.from({ length: 380 }, () => ({ name: rnd() }));
    return JSON.stringify({ name: 'big', definitions: { queues } });
  });
  await page.click('#open-scenes');
  await page.setInputFiles('#scene-file', { name: 'big.json', mimeType: 'application/json', buffer: Buffer.from(scene) });
  await noticeSays(page, 'Opened big.json');
  await page.click('#open-share');
  await page.locator('#share-too-long').waitFor();
  const text = await page.textContent('#share-too-long');
  if (!/over the 8 KB/.test(text)) throw new Error(text);
  const href = await page.getAttribute('#share-download', 'href');
  const back = JSON.parse(decodeURIComponent(href.slice(href.indexOf(',') + 1)));
  if (back.definitions.queues.length !== 380) throw new Error(`the file has ${back.definitions.queues.length} queues`);
  if (await page.locator('#share-link').count()) throw new Error('a link is offered anyway');
  await screenshot('too-long');
}

const DEFINITIONS = {
  rabbit_version: '3.10.8', rabbitmq_version: '3.10.8', product_name: 'RabbitMQ',
  users: [{ name: 'guest', tags: ['administrator'] }], vhosts: [{ name: '/' }], permissions: [],
  parameters: [], global_parameters: [], policies: [],
  exchanges: [{ name: 'billing', vhost: '/', type: 'topic', durable: true, auto_delete: false, internal: false, arguments: {} }],
  queues: [{ name: 'invoices', vhost: '/', durable: true, auto_delete: false, arguments: {}, type: 'classic' }],
  bindings: [{ source: 'billing', vhost: '/', destination: 'invoices', destination_type: 'queue', routing_key: 'invoice.#', arguments: {} }],
};

export async function aDefinitionsFileOpensFromThePickerAndByDropping({ page, baseURL, screenshot }) {
  await open(page, baseURL);
  await page.click('#open-scenes');
  await page.setInputFiles('#scene-file', {
    name: 'definitions.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(DEFINITIONS)),
  });
  await page.locator(tid('node:exchange:billing')).waitFor();
  await page.locator(tid('node:queue:invoices')).waitFor();
  await page.locator(tid('binding:billing>invoices:invoice.#')).waitFor();
  await noticeSays(page, 'Opened definitions.json');
  const name = await page.textContent('#scene-name');
  if (name !== 'definitions.json') throw new Error(`scene name ${name}`);
  await screenshot('definitions-opened');

  // Dropped on the page: a scene file this time.
  const scene = JSON.stringify({ name: 'dropped', definitions: { queues: [{ name: 'dropped_q' }] } });
  await page.evaluate((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], 'dropped.json', { type: 'application/json' }));
    document.body.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, scene);
  await page.locator(tid('node:queue:dropped_q')).waitFor();
  // A file that is not a scene: a notice, and nothing changes.
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['{"steps": 7}'], 'broken.json'));
    document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await noticeSays(page, 'broken.json was not opened');
  await page.locator(tid('node:queue:dropped_q')).waitFor();
}

export async function theTopologyDownloadsAsDefinitionsJson({ page, baseURL }) {
  await open(page, baseURL);
  await page.click('#open-scenes');
  const href = await page.getAttribute('#definitions-download', 'href');
  if (!href.startsWith('data:application/json')) throw new Error(href.slice(0, 60));
  const defs = JSON.parse(decodeURIComponent(href.slice(href.indexOf(',') + 1)));
  const names = (xs) => xs.map((x) => x.name).sort().join();
  if (names(defs.exchanges) !== 'order') throw new Error(`exchanges ${names(defs.exchanges)}`);
  if (names(defs.queues) !== 'order_notify,order_report') throw new Error(`queues ${names(defs.queues)}`);
  if (defs.bindings.length !== 2 || defs.rabbit_version !== '3.10.8') throw new Error(JSON.stringify(defs.bindings));
  if ('actors' in defs || 'layout' in defs) throw new Error('the definitions hold scene-only keys');
}

export async function aLessonTravelsInItsShareLink({ page, baseURL }) {
  await open(page, baseURL);
  await page.click('#open-gallery');
  await page.click('#load-lesson-hello-world');
  await page.locator('#lesson-bar').waitFor();
  await page.locator('#gallery-dialog').waitFor({ state: 'detached' });
  const title = (await page.textContent('#lesson-title')).trim();
  const counter = (await page.textContent('#lesson-counter')).trim();
  const link = await shareLinkOf(page);
  const fresh = await page.context().browser().newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const other = await fresh.newPage();
    await other.goto(link);
    await other.locator('#lesson-bar').waitFor();
    const got = [(await other.textContent('#lesson-title')).trim(), (await other.textContent('#lesson-counter')).trim()];
    if (got[0] !== title || got[1] !== counter) throw new Error(`lesson ${got} after the link, ${[title, counter]} before`);
  } finally {
    await fresh.close();
  }
}

export async function aLinkWithTheRunOpensAtThatMomentAndScrubsBack({ page, baseURL, screenshot }) {
  await open(page, baseURL);
  // Paused: stop the printer, place an order, step, place another.
  if ((await page.getAttribute('#play', 'aria-pressed')) === 'true') await page.click('#play');
  await page.click(tid('stop:printer'));
  await page.click(tid('publish:web shop'));
  await page.keyboard.press('n');
  await page.click(tid('publish:web shop'));
  await page.locator(tid('ready:order_report')).filter({ hasText: '2' }).waitFor();
  const time = await page.inputValue('#timeline');
  await page.click('#open-share');
  await page.locator('#share-link').waitFor();
  const plain = await page.inputValue('#share-link');
  await page.locator('#share-run').check();
  await page.waitForFunction((p) => {
    const v = document.querySelector('#share-link')?.value;
    return v && v !== p;
  }, plain);
  const link = await page.inputValue('#share-link');
  await screenshot('with-run');
  await page.keyboard.press('Escape');
  const fresh = await page.context().browser().newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const other = await fresh.newPage();
    await other.goto(link);
    await noticeSays(other, 'where its run was shared');
    await other.locator(tid('ready:order_report')).filter({ hasText: '2' }).waitFor();
    const theirs = await other.inputValue('#timeline');
    if (theirs !== time) throw new Error(`opened at ${theirs} ms, shared at ${time} ms`);
    if ((await other.getAttribute('#play', 'aria-pressed')) === 'true') throw new Error('the opened run plays; it should be paused');
    // Back before the second order: one report waits.
    await other.locator('#timeline').fill(String(Number(time) - 200));
    await other.locator(tid('ready:order_report')).filter({ hasText: '1' }).waitFor();
  } finally {
    await fresh.close();
  }
}
