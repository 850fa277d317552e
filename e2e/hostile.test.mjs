// Hostile links and host messages (issue 15, "Hostile links"; limits in
// docs/embedding.md): markup, `javascript:` and SVG payloads in every text
// field are shown as text and never run; 100,000 queues and a 10 MB body are
// refused with the limit named; a rate of 10⁹ msg/s is clamped; a cycle of
// exchange bindings routes and ends; the page's main thread stays responsive
// throughout (timed).

import { tid } from './page.mjs';

const PAYLOADS = [
  '<script>window.__pwned = "script"</script>',
  '<img src=x onerror="window.__pwned = \'img\'">',
  'javascript:window.__pwned = "js"',
  '<svg onload="window.__pwned = \'svg\'"><circle r="9"/></svg>',
];

/** A share link (made in the page, by the browser's own compression) for `scene`. */
async function linkFor(page, baseURL, scene) {
  const fragment = await page.evaluate(async (text) => {
    const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('deflate-raw'));
    const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
    let bin = '';
    for (const b of bytes) bin += String.fromCharCode(b);
    return `w1.${btoa(bin).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')}`;
  }, JSON.stringify(scene));
  return `${baseURL}#${fragment}`;
}

/** The longest gap between animation frames over `ms`, measured in the page. */
function longestFrameGap(page, ms) {
  return page.evaluate((span) => new Promise((done) => {
    let last = performance.now();
    let worst = 0;
    const end = last + span;
    const frame = (t) => {
      worst = Math.max(worst, t - last);
      last = t;
      if (t < end) requestAnimationFrame(frame); else done(worst);
    };
    requestAnimationFrame(frame);
  }), ms);
}

async function noticeSays(page, words) {
  await page.waitForFunction((w) => document.querySelector('#notice-text')?.textContent.includes(w), words,
    { timeout: 8000 }).catch(async () => {
    const got = await page.locator('#notice-text').textContent().catch(() => '(none)');
    throw new Error(`expected a notice with ${JSON.stringify(words)}, got ${JSON.stringify(got)}`);
  });
}

export async function payloadsInEveryTextFieldStayText({ page, baseURL, screenshot }) {
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  await page.goto(baseURL);
  await page.locator('#prerendered').waitFor({ state: 'detached' });
  const [p1, p2, p3, p4] = PAYLOADS;
  const scene = {
    name: p1, description: p2,
    definitions: {
      exchanges: [{ name: p3, type: 'direct' }],
      queues: [{ name: p4 }, { name: 'plain', arguments: { 'x-note': p2 } }],
      bindings: [{ source: p3, destination: p4, destination_type: 'queue', routing_key: p1 },
        { source: p3, destination: 'plain', destination_type: 'queue', routing_key: p2 }],
    },
    actors: {
      producers: [{ name: p2, button: p4, exchange: p3, routing_key: p1, body: p3,
        headers: { [p1]: p2 }, properties: { message_id: p4, app_id: p3 } }],
      consumers: [{ name: p1, queue: p4, processing_ms: 50 }],
    },
  };
  await page.goto(await linkFor(page, baseURL, scene));
  await noticeSays(page, 'Opened the shared scene');
  await page.getByTestId(`node:queue:${p4}`).waitFor();
  // Publish, so bodies, headers and properties reach the log and the inspector.
  await page.getByTestId(`publish:${p2}`).click();
  await page.waitForTimeout(400);
  await page.getByTestId(`node:queue:${p4}`).locator('.box').click();
  await page.click('#tab-publish');
  await page.click('#open-share');
  await page.locator('#share-link').waitFor();
  await page.keyboard.press('Escape');
  // In an embed too.
  const embedLink = (await linkFor(page, baseURL, scene)).replace('#', '?embed&autoplay#');
  const embed = await page.context().newPage();
  await embed.goto(embedLink);
  await embed.getByTestId(`node:queue:${p4}`).waitFor();
  await embed.getByTestId(`publish:${p2}`).click();
  await embed.waitForTimeout(400);
  for (const p of [page, embed]) {
    const found = await p.evaluate(() => ({
      pwned: window.__pwned ?? null,
      scripts: [...document.querySelectorAll('script')].filter((s) => s.textContent.includes('__pwned')).length,
      imgs: document.querySelectorAll('img[onerror], svg[onload]').length,
      hrefs: [...document.querySelectorAll('[href], [src]')].filter((e) =>
        /^\s*javascript:/i.test(e.getAttribute('href') ?? e.getAttribute('src') ?? '')).length,
      text: document.body.innerText.includes('<img src=x onerror='),
    }));
    if (found.pwned || found.scripts || found.imgs || found.hrefs || dialogs.length) {
      throw new Error(`a payload ran or became markup: ${JSON.stringify(found)} dialogs ${dialogs}`);
    }
    if (!found.text) throw new Error('the payload text is not shown as text');
  }
  await screenshot('payloads-as-text');
}

export async function oversizedLinksAreRefusedAndTheTabStaysResponsive({ page, baseURL }) {
  await page.goto(baseURL);
  await page.locator('#prerendered').waitFor({ state: 'detached' });
  await page.locator(tid('node:exchange:order')).waitFor();
  // 100,000 queues: refused, naming the limit; the scene stays.
  const many = { name: 'many', definitions: { queues: Array.from({ length: 100_000 }, (_, i) => ({ name: `q${i}` })) } };
  await page.goto(await linkFor(page, baseURL, many));
  await noticeSays(page, 'at most');
  await page.locator(tid('node:exchange:order')).waitFor();
  // Short enough for a link, over the topology limit: refused naming it.
  const over = { name: 'over', definitions: { queues: Array.from({ length: 401 }, (_, i) => ({ name: `q${i}` })) } };
  await page.goto(await linkFor(page, baseURL, over));
  await noticeSays(page, 'at most 400');
  await page.locator(tid('node:exchange:order')).waitFor();
  // A 10 MB body: over what a link may unpack to, refused.
  const big = { name: 'big', actors: { producers: [{ name: 'p', exchange: '', routing_key: 'q', body: 'x'.repeat(10_000_000) }] } };
  await page.goto(await linkFor(page, baseURL, big));
  await noticeSays(page, 'once unpacked');
  await page.locator(tid('node:exchange:order')).waitFor();
  // A body just over the body limit (the link itself is small): refused naming the field.
  const body = { name: 'body', actors: { producers: [{ name: 'p', exchange: '', routing_key: 'q', body: 'x'.repeat(70_000) }] } };
  await page.goto(await linkFor(page, baseURL, body));
  await noticeSays(page, '$.actors.producers[0].body');
  if (await page.locator(tid('node:producer:p')).count()) throw new Error('the oversized producer loaded');
}

export async function aHugeRateIsClampedAndABindingCycleEnds({ page, baseURL, screenshot }) {
  await page.goto(baseURL);
  await page.locator('#prerendered').waitFor({ state: 'detached' });
  const scene = {
    name: 'cycle',
    definitions: {
      exchanges: [{ name: 'a', type: 'fanout' }, { name: 'b', type: 'fanout' }, { name: 'c', type: 'fanout' }],
      queues: [{ name: 'sink', arguments: { 'x-max-length': 1000 } }],
      bindings: [
        { source: 'a', destination: 'b', destination_type: 'exchange', routing_key: '' },
        { source: 'b', destination: 'c', destination_type: 'exchange', routing_key: '' },
        { source: 'c', destination: 'a', destination_type: 'exchange', routing_key: '' },
        { source: 'c', destination: 'sink', destination_type: 'queue', routing_key: '' },
      ],
    },
    actors: { producers: [{ name: 'flood', exchange: 'a', routing_key: 'k', body: 'x', rate_per_sec: 1e9 }] },
  };
  await page.goto(await linkFor(page, baseURL, scene));
  await noticeSays(page, 'scaled down to 5000 msg/s');
  await page.locator(tid('node:queue:sink')).waitFor();
  if ((await page.getAttribute('#play', 'aria-pressed')) !== 'true') await page.click('#play');
  // Each message goes round the cycle once and lands in the queue once.
  const gap = await longestFrameGap(page, 2500);
  await screenshot('cycle-flood');
  if (gap > 500) throw new Error(`the main thread stalled for ${Math.round(gap)} ms`);
  // Full at its max-length of 1000 (shown "1.0k"), never more.
  const ready = (await page.textContent(tid('ready:sink'))).trim();
  if (!/^([1-9]\d{0,2}|1\.0k)$/.test(ready)) throw new Error(`sink holds ${ready}`);
  // The page still answers a click at once.
  const t0 = Date.now();
  await page.click('#play');
  if (Date.now() - t0 > 1000) throw new Error(`a click took ${Date.now() - t0} ms`);
}
