// The playground end to end, in the release build: the default scene (and
// the prerendered copy of it that the app takes over), an order placed and
// acknowledged, a killed consumer's message redelivered, a topic binding
// edited, the routing tester explaining a miss, a refusal shown with its
// reply code, scrubbing, dragging a node, the keyboard, a visible focus
// ring on every focus stop, the phone layout and prefers-reduced-motion.
// Element ids and data-testid values are listed in web/README.md. Those
// wrapped in inEveryEngine run in Firefox and WebKit too, so they use only
// the portable page API (e2e/wdpage.mjs; docs/development.md, "Engines").

import { inEveryEngine } from './engines.mjs';
import { openPlayground as open, tid } from './page.mjs';

const DEFAULT_NODES = ['node:producer:web shop', 'node:exchange:order', 'node:queue:order_notify',
  'node:queue:order_report', 'node:consumer:mailer', 'node:consumer:mailer 2', 'node:consumer:printer'];

/** Each canvas node's place and size on screen, by data-testid. */
function nodeBoxes(page) {
  return page.locator('[data-testid^="node:"]').evaluateAll((els) => Object.fromEntries(els.map((e) => {
    const r = e.getBoundingClientRect();
    return [e.getAttribute('data-testid'), [r.x, r.y, r.width]];
  })));
}

/** Waits until the element's text equals `want` (trimmed). */
async function textIs(page, selector, want, what = selector) {
  try {
    await page.waitForFunction(
      ([s, w]) => document.querySelector(s)?.textContent.trim() === w,
      [selector, want],
      { timeout: 8000 },
    );
  } catch {
    const got = await page.locator(selector).first().textContent().catch(() => '(missing)');
    throw new Error(`${what}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  }
}

async function pause(page) {
  if ((await page.getAttribute('#play', 'aria-pressed')) === 'true') await page.click('#play');
  await textIs(page, '#play', '▶ Play', 'play button after pausing');
}

export const defaultSceneRenders = inEveryEngine(async ({ page, baseURL, screenshot }) => {
  await open(page, baseURL);
  const nodes = await page.locator('[data-testid^="node:"]').evaluateAll((els) =>
    els.map((e) => e.getAttribute('data-testid')));
  for (const n of DEFAULT_NODES) if (!nodes.includes(n)) throw new Error(`missing ${n}; have ${nodes}`);
  await textIs(page, '#scene-name', 'order-flow');
  await page.locator(tid('binding:order>order_notify:order.notify')).waitFor();
  await page.locator(tid('binding:order>order_report:order.report')).waitFor();
  // Every node is a named, focusable control.
  const unnamed = await page.locator('[data-testid^="node:"]').evaluateAll((els) =>
    els.filter((e) => !e.getAttribute('aria-label') || e.getAttribute('tabindex') !== '0').length);
  if (unnamed) throw new Error(`${unnamed} node(s) without an accessible name or tab stop`);
  await screenshot('default-scene');
});

export async function theAppTakesOverThePrerenderedSceneWhereItStands({ page, baseURL, screenshot }) {
  // The page as served already holds the default scene, inert.
  const served = await (await page.request.get(baseURL)).text();
  if (!served.includes('<div id="prerendered" inert>')) throw new Error('index.html has no prerendered scene');
  for (const n of DEFAULT_NODES) {
    if (!served.includes(`data-testid="${n}"`)) throw new Error(`the prerendered scene lacks ${n}`);
  }
  // Drawn without any script (the snapshot alone), each node stands where
  // the app, once running, draws it: the CSS fit matches AppState's, on a
  // desktop, a big screen (zoom capped) and a phone (zoom floored).
  for (const viewport of [{ width: 1280, height: 800 }, { width: 1920, height: 1080 }, { width: 390, height: 844 }]) {
    const still = await page.context().browser().newContext({ viewport, javaScriptEnabled: false });
    let snapshot;
    try {
      const p = await still.newPage();
      await p.goto(baseURL);
      await p.locator(tid('node:consumer:printer')).waitFor();
      if (!(await p.evaluate(() => document.getElementById('prerendered').inert))) {
        throw new Error('the prerendered scene is not inert');
      }
      // Without JavaScript the page says it is only a picture.
      if (!(await p.locator('.noscript').isVisible())) throw new Error('no <noscript> note without JavaScript');
      snapshot = await nodeBoxes(p);
    } finally {
      await still.close();
    }
    await page.setViewportSize(viewport);
    await open(page, baseURL);
    const live = await nodeBoxes(page);
    if (Object.keys(live).sort().join() !== Object.keys(snapshot).sort().join()) {
      throw new Error(`${viewport.width}px: nodes differ: ${Object.keys(snapshot)} vs ${Object.keys(live)}`);
    }
    for (const [key, box] of Object.entries(live)) {
      if (box.some((v, i) => Math.abs(v - snapshot[key][i]) > 1.5)) {
        throw new Error(`${viewport.width}px: ${key} is at ${snapshot[key]} in the snapshot, ${box} in the app`);
      }
    }
    const left = await page.evaluate(() => [document.querySelectorAll('.app').length,
      document.getElementById('prerendered') === null]);
    if (left[0] !== 1 || !left[1]) throw new Error(`after start: ${left[0]} .app, snapshot removed: ${left[1]}`);
  }
  await screenshot('taken-over');
}

export const theSnapshotShowsTheSceneUntilTheAppTakesOver = inEveryEngine(async ({ page, baseURL, screenshot, holdWasm }) => {
  // While the wasm downloads (here: held back), the reader sees the
  // prerendered default scene, inert, fitted to the canvas as the app
  // fits it; then the app replaces it with every node where it stood.
  const release = await holdWasm();
  await page.goto(baseURL, { waitUntil: 'commit' });
  await page.locator(tid('node:consumer:printer')).waitFor();
  if (!(await page.evaluate(() => document.getElementById('prerendered')?.inert))) {
    throw new Error('no inert prerendered scene before the app runs');
  }
  const snapshot = await nodeBoxes(page);
  for (const n of DEFAULT_NODES) if (!snapshot[n]) throw new Error(`the snapshot lacks ${n}`);
  await screenshot('snapshot');
  await release();
  await page.locator('#prerendered').waitFor({ state: 'detached' });
  await page.locator(tid('node:producer:web shop')).waitFor();
  const live = await nodeBoxes(page);
  for (const [key, box] of Object.entries(live)) {
    if (!snapshot[key] || box.some((v, i) => Math.abs(v - snapshot[key][i]) > 1.5)) {
      throw new Error(`${key} is at ${snapshot[key]} in the snapshot, ${box} in the app`);
    }
  }
  if ((await page.evaluate(() => document.querySelectorAll('.app').length)) !== 1) throw new Error('not one .app after start');
  await screenshot('taken-over');
});

/** Loads the page with its wasm held back; resolves to a function that lets it through. */
async function loadHoldingTheWasm(page, baseURL) {
  let release;
  const held = new Promise((r) => { release = r; });
  await page.route('**/*.wasm', async (route) => { await held; await route.continue(); });
  await page.goto(baseURL, { waitUntil: 'commit' });
  await page.locator('#prerendered').waitFor({ state: 'attached' });
  return async () => {
    release();
    await page.locator('#prerendered').waitFor({ state: 'detached' });
    await page.unroute('**/*.wasm');
  };
}

export async function aSavedSceneIsNotPrecededByTheDefaultSnapshot({ page, baseURL, screenshot }) {
  // A scene of one's own, saved in this browser.
  await open(page, baseURL);
  await page.click('#open-scenes');
  await page.click('#load-topic-logs');
  await page.locator(tid('node:exchange:logs')).waitFor();
  await page.waitForFunction(() => localStorage.getItem('warren.scene.v1')?.includes('"logs"'));
  // Before the app runs, nothing of the default scene shows: its snapshot
  // is hidden; then the app shows the saved scene.
  let release = await loadHoldingTheWasm(page, baseURL);
  const before = await page.evaluate(() => [document.documentElement.classList.contains('saved-scene'),
    getComputedStyle(document.getElementById('prerendered')).display]);
  if (!before[0] || before[1] !== 'none') throw new Error(`the default snapshot shows over a saved scene: ${before}`);
  await release();
  await page.locator(tid('node:exchange:logs')).waitFor();
  // Without a saved scene, the snapshot is what the page shows first.
  await page.evaluate(() => localStorage.clear());
  release = await loadHoldingTheWasm(page, baseURL);
  if (!(await page.locator(tid('node:exchange:order')).isVisible())) throw new Error('no snapshot without a saved scene');
  await screenshot('snapshot-before-the-app');
  await release();
  await page.locator(tid('node:exchange:order')).waitFor();
}

export const placingAnOrderGetsBothConsumersToAcknowledge = inEveryEngine(async ({ page, baseURL, screenshot }) => {
  await open(page, baseURL);
  await page.click(tid('publish:web shop'));
  await page.waitForTimeout(150);
  await screenshot('order-in-flight');
  await textIs(page, tid('acked:mailer'), '1', 'mailer acks');
  await textIs(page, tid('acked:printer'), '1', 'printer acks');
  await textIs(page, tid('ready:order_notify'), '0');
  await textIs(page, tid('ready:order_report'), '0');
  // The log tells the same story.
  await page.selectOption('#log-filter-kind', 'acked');
  await page.waitForFunction(() => document.querySelectorAll('#log-rows .log-row').length === 2);
  await screenshot('order-acknowledged');
});

export const killingAConsumerRedeliversToAnother = inEveryEngine(async ({ page, baseURL, screenshot }) => {
  await open(page, baseURL);
  await pause(page);
  await page.click(tid('publish:web shop'));
  await textIs(page, tid('inflight:mailer'), '1', 'mailer holds the notification');
  await page.click(tid('kill:mailer'));
  await textIs(page, tid('state:mailer'), 'crashed');
  await textIs(page, tid('inflight:mailer 2'), '1', 'the other mailer got it');
  await page.click(`${tid('node:consumer:mailer 2')} .box`);
  await page.locator('#consumer-unacked .pill-warn').waitFor();
  const pill = await page.textContent('#consumer-unacked .pill-warn');
  if (pill !== 'redelivered') throw new Error(`expected a redelivered pill, got ${pill}`);
  await screenshot('redelivered');
  await page.click('#play');
  await textIs(page, tid('acked:mailer 2'), '1', 'mailer 2 acks the redelivery');
});

export async function editingATopicBindingChangesWhereTheNextMessageGoes({ page, baseURL, screenshot }) {
  await open(page, baseURL);
  await page.click('#open-scenes');
  await page.click('#load-topic-logs');
  await page.locator(tid('node:exchange:logs')).waitFor();
  await pause(page);
  // Hold messages where they land.
  await page.click(tid('stop:pager'));
  await page.click(tid('stop:auditor'));
  await page.click(tid('publish:web'));
  await textIs(page, tid('ready:everything'), '1');
  await textIs(page, tid('ready:errors'), '0', 'web.info misses *.error');
  await page.click(tid('binding:logs>errors:*.error'));
  await page.locator('#edit-binding-routing_key').waitFor();
  await page.fill('#edit-binding-routing_key', 'web.*');
  await page.click('#edit-binding-submit');
  await page.locator(tid('binding:logs>errors:web.*')).waitFor();
  await page.click(tid('publish:web'));
  await textIs(page, tid('ready:errors'), '1', 'web.info now matches web.*');
  await textIs(page, tid('ready:everything'), '2');
  await screenshot('binding-edited');
}

export const theRoutingTesterExplainsAMiss = inEveryEngine(async ({ page, baseURL, screenshot }) => {
  await open(page, baseURL);
  await page.click('#tab-route');
  await page.fill('#route-exchange', 'order');
  await page.fill('#route-routing_key', 'order.refund');
  await page.click('#route-explain');
  await page.locator('#route-verdict').waitFor();
  const verdict = await page.textContent('#route-verdict');
  if (!verdict.startsWith('Routed nowhere')) throw new Error(`verdict: ${verdict}`);
  const matched = await page.locator('#route-result [data-matched]').evaluateAll((els) =>
    els.map((e) => e.getAttribute('data-matched')));
  if (matched.join() !== 'false,false') throw new Error(`verdicts: ${matched}`);
  const reasons = await page.locator('#route-result .reason').allTextContents();
  if (!reasons[0].includes('does not equal routing key "order.refund"')) throw new Error(`reason: ${reasons[0]}`);
  // The canvas crosses the missed bindings out.
  const cls = await page.getAttribute(tid('binding:order>order_notify:order.notify'), 'class');
  if (!cls.includes('route-miss')) throw new Error(`binding label class: ${cls}`);
  await screenshot('routing-miss');
});

export async function aRefusalShowsItsReplyNextToTheForm({ page, baseURL, screenshot }) {
  await open(page, baseURL);
  await page.click('#tab-add');
  await page.click('#add-queue');
  await page.fill('#new-queue-name', 'order_notify');
  await page.fill('#new-queue-ttl', '5000');
  await page.click('#new-queue-submit');
  await page.locator('#new-queue-error').waitFor();
  const code = await page.textContent('#new-queue-error .code');
  const reply = await page.textContent('#new-queue-error .reply');
  if (code !== '406' || !reply.startsWith("PRECONDITION_FAILED - inequivalent arg 'x-message-ttl'")) {
    throw new Error(`refusal shown as ${code} ${reply}`);
  }
  // Nothing else changed: the draft is still there, the queue as it was.
  if ((await page.inputValue('#new-queue-ttl')) !== '5000') throw new Error('the draft was lost');
  await screenshot('refusal');
}

export const scrubbingBackShowsAnEarlierMoment = inEveryEngine(async ({ page, baseURL, screenshot }) => {
  await open(page, baseURL);
  await pause(page);
  await page.click(tid('stop:printer'));
  const t0 = Number(await page.inputValue('#timeline'));
  await page.click(tid('publish:web shop'));
  await page.keyboard.press('n'); // step: the mailer is done 400 ms later
  await page.waitForFunction((t) => Number(document.querySelector('#timeline').value) === t + 400, t0);
  await page.click(tid('publish:web shop'));
  await textIs(page, tid('ready:order_report'), '2');
  // Back to between the two orders, by the slider, then forward again.
  await page.locator('#timeline').fill(String(t0 + 200));
  await textIs(page, tid('ready:order_report'), '1', 'one report before the second order');
  await screenshot('scrubbed');
  await page.locator('#timeline').fill(String(t0 + 400));
  await textIs(page, tid('ready:order_report'), '2', 'the second order again');
});

export async function theKeyboardDrivesThePlayground({ page, baseURL, screenshot }) {
  await open(page, baseURL);
  await page.keyboard.press(' ');
  await textIs(page, '#play', '▶ Play', 'Space pauses');
  await page.keyboard.press('p');
  await textIs(page, tid('inflight:mailer'), '1', 'P publishes from the first producer');
  await page.keyboard.press('?');
  await page.locator('#help-dialog').waitFor();
  await screenshot('help');
  await page.keyboard.press('Escape');
  await page.locator('#help-dialog').waitFor({ state: 'detached' });
  // Tab to a node, select it with Enter.
  await page.focus(tid('node:queue:order_report'));
  await page.keyboard.press('Enter');
  await textIs(page, '#inspector-title', 'order_report');
}

export async function draggingANodeMovesItAndItsEdges({ page, baseURL, screenshot }) {
  await open(page, baseURL);
  const node = page.locator(tid('node:queue:order_report'));
  // The node's place is its parent's transform (the parent also holds the
  // node's details and buttons).
  const place = node.locator('xpath=..');
  const edge = page.locator('#canvas .edges path').first();
  const before = await place.getAttribute('transform');
  const edgesBefore = await page.locator('#canvas .edges path').evaluateAll((ps) => ps.map((p) => p.getAttribute('d')));
  const box = await node.locator('.box').boundingBox();
  await page.mouse.move(box.x + 20, box.y + 10);
  await page.mouse.down();
  await page.mouse.move(box.x + 60, box.y + 90, { steps: 6 });
  // While dragging, the node and the edges to it follow the pointer.
  const during = await place.getAttribute('transform');
  if (during === before) throw new Error(`the node did not follow the pointer (${during})`);
  const edgesDuring = await page.locator('#canvas .edges path').evaluateAll((ps) => ps.map((p) => p.getAttribute('d')));
  if (edgesDuring.join() === edgesBefore.join()) throw new Error('no edge followed the dragged node');
  await page.mouse.up();
  await screenshot('dragged');
  // Dropped, it stays where it was dropped (rounded to whole pixels).
  await page.waitForTimeout(100);
  const xy = (t) => (t.match(/-?[\d.]+/g) ?? []).map(Number);
  const after = await place.getAttribute('transform');
  const [[x0, y0], [x1, y1]] = [xy(during), xy(after)];
  if (Math.abs(x1 - x0) > 1 || Math.abs(y1 - y0) > 1) {
    throw new Error(`the node moved after the drop: ${during} -> ${after}`);
  }
  await edge.waitFor();
}

export const thePageWorksAtPhoneWidth = inEveryEngine(async ({ page, baseURL, screenshot }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await open(page, baseURL);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) throw new Error(`the page is ${overflow}px wider than the phone`);
  await page.click(tid('publish:web shop'));
  await textIs(page, tid('acked:printer'), '1');
  await screenshot('phone');
});

/** Animations running on the page now (CSS animations and transitions). */
function running(page) {
  return page.evaluate(() => document.getAnimations().filter((a) => a.playState === 'running').length);
}

export async function reducedMotionStillsThePage({ page, baseURL, screenshot }) {
  // Without the preference, placing an order animates: dots move, nodes flash.
  await open(page, baseURL);
  await page.click(tid('publish:web shop'));
  await page.locator('.flight').first().waitFor({ state: 'attached' });
  if ((await running(page)) === 0) throw new Error('placing an order animated nothing');
  // With it, nothing moves, and the order goes through all the same.
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await open(page, baseURL);
  await page.click(tid('publish:web shop'));
  await page.locator('.flight').first().waitFor({ state: 'attached' });
  const shown = await page.locator('.flight').evaluateAll((els) =>
    els.filter((e) => getComputedStyle(e).display !== 'none').length);
  if (shown) throw new Error(`${shown} moving message(s) drawn under prefers-reduced-motion`);
  const moving = await running(page);
  if (moving) throw new Error(`${moving} animation(s) running under prefers-reduced-motion`);
  await textIs(page, tid('acked:printer'), '1');
  await screenshot('reduced-motion');
}

export async function everyFocusStopShowsWhereFocusIs({ page, baseURL, screenshot }) {
  await open(page, baseURL);
  await pause(page);
  // Tab through the whole page from the top; at each stop, the focused
  // control must draw a focus ring: an outline, or for the canvas's SVG
  // controls the focus colour on their shape.
  await page.evaluate(() => document.activeElement?.blur());
  // The focus colour as computed styles give it (rgb(...)).
  const focusRgb = await page.evaluate(() => {
    const probe = document.createElement('span');
    probe.style.color = getComputedStyle(document.documentElement).getPropertyValue('--focus').trim();
    document.body.append(probe);
    const rgb = getComputedStyle(probe).color;
    probe.remove();
    return rgb;
  });
  const seen = new Set();
  const missing = [];
  for (let i = 0; i < 200; i++) {
    await page.keyboard.press('Tab');
    const stop = await page.evaluate((focusRgb) => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const id = el.id ? `#${el.id}` : el.getAttribute('data-testid') ?? `${el.tagName.toLowerCase()}.${el.getAttribute('class') ?? ''}`;
      const css = getComputedStyle(el);
      const ring = css.outlineStyle !== 'none' && parseFloat(css.outlineWidth) >= 2;
      const shape = el instanceof SVGGElement ? el.querySelector(':scope > rect') : null;
      const stroked = shape !== null && getComputedStyle(shape).stroke === focusRgb;
      return { id, shown: ring || stroked };
    }, focusRgb);
    if (!stop) continue;
    if (seen.has(stop.id)) break; // round the page once
    seen.add(stop.id);
    if (!stop.shown) missing.push(stop.id);
  }
  if (seen.size < 20) throw new Error(`only ${seen.size} focus stops: ${[...seen]}`);
  if (missing.length) throw new Error(`no visible focus on: ${missing.join(', ')}`);
  await screenshot('focus');
}
