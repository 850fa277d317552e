// Embed mode and the host-page API (issue 15, docs/embedding.md): `?embed`
// shows the canvas and play controls only, fitted, writing no storage; each
// option does what it says; the Share dialog's iframe line and preview; two
// iframes on one page run independently; a host page drives an embed and
// hears its events; a wrong origin and a malformed message change nothing.

import { readFile } from 'node:fs/promises';
import { deflateRawSync } from 'node:zlib';
import { tid } from './page.mjs';
import { serveDir } from './serve.mjs';

async function openEmbed(page, baseURL, query = '', hash = '') {
  await page.goto(`${baseURL}?embed${query}${hash}`);
  await page.locator('#canvas').waitFor();
  await page.locator('#prerendered').waitFor({ state: 'detached' });
}

async function textIs(frame, selector, want) {
  await frame.waitForFunction(([s, w]) => document.querySelector(s)?.textContent.trim() === w, [selector, want],
    { timeout: 8000 }).catch(async () => {
    const got = await frame.locator(selector).first().textContent().catch(() => '(missing)');
    throw new Error(`${selector}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
  });
}

/** Every node's box lies inside the canvas, and the canvas inside the viewport. */
async function allNodesInView(page) {
  const out = await page.locator('[data-testid^="node:"]').evaluateAll((els) => els.filter((e) => {
    const r = e.getBoundingClientRect();
    const c = document.getElementById('canvas').getBoundingClientRect();
    const top = Math.max(c.top, 0);
    const bottom = Math.min(c.bottom, innerHeight);
    return r.left < c.left - 1 || r.top < top - 1 || r.right > Math.min(c.right, innerWidth) + 1 || r.bottom > bottom + 1;
  }).map((e) => e.getAttribute('data-testid')));
  if (out.length) throw new Error(`off screen: ${out}`);
}

export async function embedModeShowsTheCanvasAndPlayControlsOnly({ page, baseURL, screenshot }) {
  await page.setViewportSize({ width: 390, height: 520 });
  await openEmbed(page, baseURL);
  await page.locator(tid('node:consumer:printer')).waitFor();
  for (const chrome of ['#open-scenes', '#open-share', '#open-help', '.side', '#tab-add']) {
    if (await page.locator(chrome).count()) throw new Error(`${chrome} is shown in an embed`);
  }
  await page.locator('#play').waitFor();
  await page.locator('#log-rows').waitFor();
  // Paused until asked (no autoplay), and the whole scene fits a phone-sized frame.
  if ((await page.getAttribute('#play', 'aria-pressed')) !== 'false') throw new Error('an embed plays without autoplay');
  await allNodesInView(page);
  await screenshot('embed-phone');
  // A short frame too, with and without the log: the embed keeps to it.
  for (const [size, query] of [[{ width: 720, height: 340 }, '&hidelog'], [{ width: 600, height: 380 }, '']]) {
    await page.setViewportSize(size);
    await openEmbed(page, baseURL, query);
    await page.locator(tid('node:consumer:printer')).waitFor();
    await page.waitForTimeout(200);
    await allNodesInView(page);
    const bottom = await page.evaluate(() => document.querySelector('.app').getBoundingClientRect().bottom);
    if (bottom > size.height + 1) throw new Error(`the embed is ${bottom} px tall in a ${size.height} px frame`);
  }
  await page.setViewportSize({ width: 390, height: 520 });
  await openEmbed(page, baseURL);
  // Used, it writes nothing to storage and sets no cookie.
  await page.click('#play');
  await page.click(tid('publish:web shop'));
  await textIs(page, tid('acked:printer'), '1');
  const stored = await page.evaluate(() => [localStorage.length, sessionStorage.length, document.cookie]);
  if (stored[0] || stored[1] || stored[2]) throw new Error(`an embed stored ${JSON.stringify(stored)}`);
}

export async function eachEmbedOptionDoesWhatItSays({ page, baseURL, screenshot }) {
  await openEmbed(page, baseURL, '&readonly&autoplay&hidelog&theme=dark');
  await page.locator(tid('node:exchange:order')).waitFor();
  if ((await page.getAttribute('#play', 'aria-pressed')) !== 'true') throw new Error('autoplay does not play');
  if (await page.locator('#log-rows').count()) throw new Error('hidelog shows the log');
  if (!(await page.locator('.app.theme-dark').count())) throw new Error('theme=dark is not dark');
  const bg = await page.evaluate(() => getComputedStyle(document.querySelector('svg.canvas')).backgroundColor);
  if (bg !== 'rgb(15, 21, 34)') throw new Error(`dark canvas background is ${bg}`);
  await screenshot('embed-dark');
  // Read-only: no node buttons, no Tidy, and the keys that change the
  // scene do nothing; time runs.
  if (await page.locator(tid('publish:web shop')).isVisible()) throw new Error('a publish button in a read-only embed');
  if (await page.locator('#tidy').isVisible()) throw new Error('Tidy in a read-only embed');
  await page.locator('#canvas').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('p');
  await page.waitForTimeout(1500);
  await textIs(page, tid('acked:printer'), '0');
  // Dragging a node does not move it.
  const node = page.locator(tid('node:exchange:order'));
  const before = await node.boundingBox();
  await page.mouse.move(before.x + 20, before.y + 10);
  await page.mouse.down();
  await page.mouse.move(before.x + 120, before.y + 90, { steps: 5 });
  await page.mouse.up();
  const after = await node.boundingBox();
  if (Math.abs(after.x - before.x) > 1 || Math.abs(after.y - before.y) > 1) throw new Error('a node moved');
  // Unknown options and odd values are ignored.
  await openEmbed(page, baseURL, '&theme=neon&step=x&frobnicate');
  await page.locator(tid('node:exchange:order')).waitFor();
  if (await page.locator('.app.theme-dark').count()) throw new Error('theme=neon is dark');
}

export async function theShareDialogShowsTheIframeLineWithALivePreview({ page, baseURL, screenshot }) {
  await page.goto(baseURL);
  await page.locator('#prerendered').waitFor({ state: 'detached' });
  await page.click('#open-share');
  const line = page.locator('#share-iframe');
  await line.waitFor();
  const first = await line.inputValue();
  if (!/^<iframe src="http:\/\/[^"]+\?embed&amp;readonly#w1\.[A-Za-z0-9_-]+" width="640" height="420"/.test(first)) {
    throw new Error(`iframe line: ${first}`);
  }
  await page.check('#embed-hidelog');
  await page.selectOption('#embed-theme', 'dark');
  await page.fill('#embed-width', '500');
  await page.locator('#embed-width').dispatchEvent('change');
  const second = await line.inputValue();
  if (!second.includes('?embed&amp;readonly&amp;hidelog&amp;theme=dark#w1.') || !second.includes('width="500"')) {
    throw new Error(`after the options: ${second}`);
  }
  const preview = page.frameLocator('#share-preview');
  await preview.locator(tid('node:consumer:printer')).waitFor();
  if (await preview.locator('#log-rows').count()) throw new Error('the preview shows the log with hidelog');
  const width = await page.locator('#share-preview').evaluate((f) => f.getBoundingClientRect().width);
  if (Math.abs(width - 500) > 1) throw new Error(`preview is ${width} px wide`);
  await screenshot('share-dialog');
}

/** Serves `html` as `url` (a host page) for this test. */
async function hostPage(page, url, html) {
  await page.route(url, (route) => route.fulfill({ contentType: 'text/html', body: html }));
  await page.goto(url);
}

export async function twoIframesOnOnePageRunIndependently({ page, baseURL, screenshot }) {
  await hostPage(page, `${baseURL}two-embeds.html`, `<!doctype html><title>two</title>
    <iframe id="a" src="${baseURL}?embed&autoplay" width="600" height="360"></iframe>
    <iframe id="b" src="${baseURL}?embed&autoplay" width="600" height="360"></iframe>`);
  const a = page.frameLocator('#a');
  const b = page.frameLocator('#b');
  await a.locator(tid('node:consumer:printer')).waitFor();
  await b.locator(tid('node:consumer:printer')).waitFor();
  await a.locator(tid('publish:web shop')).click();
  await a.locator(tid('publish:web shop')).click();
  const fa = page.frame({ url: /\?embed/ });
  await page.waitForFunction(() => {
    const doc = document.getElementById('a').contentDocument;
    return doc?.querySelector('[data-testid="acked:printer"]')?.textContent.trim() === '2';
  });
  const inB = await page.evaluate(() =>
    document.getElementById('b').contentDocument.querySelector('[data-testid="acked:printer"]').textContent.trim());
  if (inB !== '0' || !fa) throw new Error(`the other embed acked ${inB}`);
  await screenshot('two-embeds');
}

export async function severalEmbedsOnAPageLoadTheWasmOnce({ page, screenshot }) {
  // A server of its own, caching as docs/embedding.md advises (the runner's
  // sends no-store), with a host page of three embeds.
  const embeds = [1, 2, 3].map((i) => `<iframe id="e${i}" src="/?embed" width="420" height="300"></iframe>`).join('');
  const server = await serveDir(process.env.E2E_DIST ?? 'dist', {
    port: 0, cacheable: true, pages: { '/three.html': `<!doctype html><title>three</title>${embeds}` },
  });
  try {
    await page.goto(`http://127.0.0.1:${server.address().port}/three.html`);
    for (const i of [1, 2, 3]) await page.frameLocator(`#e${i}`).locator(tid('node:consumer:printer')).waitFor();
    const fetched = (ext) => [...server.hits].filter(([p]) => p.endsWith(ext)).reduce((n, [, c]) => n + c, 0);
    if (fetched('.wasm') !== 1 || fetched('.js') !== 1) {
      throw new Error(`three embeds fetched the wasm ${fetched('.wasm')} time(s) and the JS ${fetched('.js')}: ${JSON.stringify([...server.hits])}`);
    }
    await screenshot('three-embeds');
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

/** The playground, also served as http://embed.test/ (another origin than
 * the host pages at http://host.test/; both routed here, so that neither is
 * a loopback address the host's page may not frame). */
const EMBED = 'http://embed.test/';
async function serveEmbedOrigin(page, baseURL) {
  await page.route(`${EMBED}**`, async (route) => {
    const u = new URL(route.request().url());
    const response = await route.fetch({ url: `${baseURL}${u.pathname.slice(1)}${u.search}` });
    await route.fulfill({ response });
  });
}

/** A host page on `origin` with one embed; it records what the embed posts in `window.got`. */
function hostHtml(src, extra = '') {
  return `<!doctype html><title>host</title>
    <iframe id="w" src="${src}" width="700" height="420" ${extra}></iframe>
    <script>
      window.got = [];
      addEventListener('message', (e) => { if (e.data && e.data.warren) got.push(e.data); });
      window.send = (m) => document.getElementById('w').contentWindow.postMessage(m, '*');
    </script>`;
}

async function waitFor(page, pred, what) {
  try {
    await page.waitForFunction(pred, null, { timeout: 8000 });
  } catch {
    throw new Error(`${what}; got ${JSON.stringify(await page.evaluate(() => window.got)).slice(0, 1500)}`);
  }
}

export async function aHostPageDrivesAnEmbedAndHearsItsEvents({ page, baseURL, screenshot }) {
  await serveEmbedOrigin(page, baseURL);
  await hostPage(page, 'http://host.test/host.html', hostHtml(`${EMBED}?embed`));
  await waitFor(page, () => got.some((m) => m.type === 'ready' && m.scene === 'order-flow'), 'no ready');
  await page.evaluate(() => send({ warren: 1, type: 'play', id: 'p' }));
  await page.evaluate(() => send({ warren: 1, type: 'publish', producer: 'web shop', id: 1 }));
  await waitFor(page, () => got.some((m) => m.type === 'ok' && m.id === 1), 'no ok for publish');
  await waitFor(page, () => got.some((m) => m.type === 'delivered' && m.queue === 'order_notify'
    && m.routing_key === 'order.notify' && /^mailer/.test(m.consumer)), 'no delivered event');
  await waitFor(page, () => got.some((m) => m.type === 'acked' && m.queue === 'order_report'
    && m.consumer === 'printer' && m.routing_key === 'order.report'), 'no acked event');
  // A message by hand, to a key nothing is bound to: dropped, unroutable.
  await page.evaluate(() => send({ warren: 1, type: 'publish', exchange: 'order', routing_key: 'order.refund', body: 'x', id: 2 }));
  await waitFor(page, () => got.some((m) => m.type === 'dropped' && m.reason === 'unroutable'
    && m.routing_key === 'order.refund'), 'no dropped event');
  // Load a scene; pause.
  await page.evaluate(() => send({ warren: 1, type: 'load', id: 3, scene: {
    name: 'tiny', definitions: { queues: [{ name: 'tiny_q' }] } } }));
  await waitFor(page, () => got.some((m) => m.type === 'ok' && m.id === 3), 'no ok for load');
  await page.frameLocator('#w').locator(tid('node:queue:tiny_q')).waitFor();
  await page.evaluate(() => send({ warren: 1, type: 'pause', id: 4 }));
  await waitFor(page, () => got.some((m) => m.type === 'ok' && m.id === 4), 'no ok for pause');
  if ((await page.frameLocator('#w').locator('#play').getAttribute('aria-pressed')) !== 'false') {
    throw new Error('pause did not pause');
  }
  // go to a lesson step: refused until lessons exist, with a reason.
  await page.evaluate(() => send({ warren: 1, type: 'goto-step', step: 2, id: 5 }));
  await waitFor(page, () => got.some((m) => m.type === 'error' && m.id === 5), 'no reply to goto-step');
  await screenshot('host-driven');
}

export async function malformedMessagesGetAnErrorAndChangeNothing({ page, baseURL }) {
  await hostPage(page, `${baseURL}host-bad.html`, hostHtml(`${baseURL}?embed`));
  await waitFor(page, () => got.some((m) => m.type === 'ready'), 'no ready');
  const before = await page.frameLocator('#w').locator('[data-testid^="node:"]').count();
  const bad = [
    'not json', { type: 'play' }, { warren: 2, type: 'play' }, { warren: 1 }, { warren: 1, type: 'explode', id: 'x' },
    { warren: 1, type: 'load', scene: 42 }, { warren: 1, type: 'load', scene: { definitions: { queues: 'no' } } },
    { warren: 1, type: 'publish', exchange: 'nope', routing_key: 'k', body: 'b' },
    { warren: 1, type: 'publish', producer: 'nobody' }, { warren: 1, type: 'publish', body: 'x'.repeat(10_000_000) },
  ];
  for (const [i, m] of bad.entries()) {
    const n = await page.evaluate(() => got.filter((g) => g.type === 'error').length);
    await page.evaluate((msg) => send(msg), m);
    await waitFor(page, new Function(`return got.filter((g) => g.type === 'error').length > ${n}`), `no error reply to bad message ${i}`);
  }
  const errors = await page.evaluate(() => got.filter((g) => g.type === 'error').map((g) => g.error));
  if (!errors.some((e) => e.includes('unknown type')) || !errors.some((e) => e.includes('at most'))) {
    throw new Error(`error texts: ${errors}`);
  }
  const after = await page.frameLocator('#w').locator('[data-testid^="node:"]').count();
  if (after !== before) throw new Error(`nodes ${before} -> ${after}`);
  if ((await page.frameLocator('#w').locator('#play').getAttribute('aria-pressed')) !== 'false') {
    throw new Error('a bad message started time');
  }
}

export async function messagesFromAnOriginNotAllowedAreIgnored({ page, baseURL }) {
  await serveEmbedOrigin(page, baseURL);
  const other = 'http://host.test';
  // Without a referrer the embed cannot know its host: only its own origin
  // and the origins in its query may drive it.
  await hostPage(page, `${other}/no-referrer.html`, hostHtml(`${EMBED}?embed`, 'referrerpolicy="no-referrer"'));
  await page.frameLocator('#w').locator(tid('node:consumer:printer')).waitFor();
  await page.waitForTimeout(300);
  await page.evaluate(() => send({ warren: 1, type: 'play', id: 1 }));
  await page.waitForTimeout(700);
  const got = await page.evaluate(() => got);
  if (got.length) throw new Error(`a stranger got ${JSON.stringify(got)}`);
  if ((await page.frameLocator('#w').locator('#play').getAttribute('aria-pressed')) !== 'false') {
    throw new Error('a stranger started time');
  }
  // Allowed by the embed's query: obeyed.
  await hostPage(page, `${other}/allowed.html`,
    hostHtml(`${EMBED}?embed&origin=${encodeURIComponent(other)}`, 'referrerpolicy="no-referrer"'));
  await waitFor(page, () => got.some((m) => m.type === 'ready'), 'no ready for an allowed origin');
  await page.evaluate(() => send({ warren: 1, type: 'play', id: 1 }));
  await waitFor(page, () => got.some((m) => m.type === 'ok' && m.id === 1), 'an allowed origin is not obeyed');
}

/** A share fragment for `text`, as the Share dialog writes it (docs/embedding.md). */
function fragment(text) {
  return `#w1.${deflateRawSync(Buffer.from(text)).toString('base64url')}`;
}

export async function anEmbedOpensALessonAtItsStepAndTheHostMovesIt({ page, baseURL, screenshot }) {
  const text = await readFile(new URL('../web/scenes/lesson-order-flow.json', import.meta.url), 'utf8');
  await serveEmbedOrigin(page, baseURL);
  await hostPage(page, 'http://host.test/host.html', hostHtml(`${EMBED}?embed&step=2${fragment(text)}`));
  const f = page.frameLocator('#w');
  await f.locator('#lesson-bar').waitFor();
  const frame = page.frame({ url: /\?embed/ });
  await textIs(frame, '#lesson-counter', 'step 2 of 6');
  // Step 2 declared the workers' queues.
  await f.locator(tid('node:queue:order_notify')).waitFor();
  await waitFor(page, () => got.some((m) => m.type === 'step' && m.step === 2 && m.of === 6), 'no step event for 2');
  await page.evaluate(() => send({ warren: 1, type: 'goto-step', step: 4, id: 'g4' }));
  await waitFor(page, () => got.some((m) => m.type === 'ok' && m.id === 'g4'), 'no ok for goto-step 4');
  await textIs(frame, '#lesson-counter', 'step 4 of 6');
  await textIs(frame, tid('ready:order_report'), '3');
  await waitFor(page, () => got.some((m) => m.type === 'step' && m.step === 4), 'no step event for 4');
  await page.evaluate(() => send({ warren: 1, type: 'goto-step', step: 7, id: 'g7' }));
  await waitFor(page, () => got.some((m) => m.type === 'error' && m.id === 'g7'), 'no error for a step past the end');
  await textIs(frame, '#lesson-counter', 'step 4 of 6');
  await screenshot('embed-lesson');
}
