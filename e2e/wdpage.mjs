// The part of Playwright's Page API that e2e tests marked `inEveryEngine`
// (e2e/engines.mjs) may use, done over W3C WebDriver (e2e/webdriver.mjs),
// so that one test body runs in Chromium (a real Playwright page) and in
// Firefox and WebKit (a WebDriverPage). Selectors are plain CSS. Anything
// missing here throws "not in the portable page API" rather than being
// skipped; add it here (with Playwright's meaning) when a test needs it.
//
// Like Playwright, actions wait (up to the default timeout) for their
// element to be there and visible; `fill` and `selectOption` set the value
// and fire `input` and `change` (Playwright does the same for ranges and
// selects; text is typed as keys after clearing).
import { writeFile } from 'node:fs/promises';
import { ELEMENT, WebDriverError } from './webdriver.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** WebDriver's codes for the named keys the tests press. */
const KEYS = {
  Enter: '\uE007', Escape: '\uE00C', Tab: '\uE004', Backspace: '\uE003', Space: ' ',
  ArrowLeft: '\uE012', ArrowUp: '\uE013', ArrowRight: '\uE014', ArrowDown: '\uE015',
  Home: '\uE011', End: '\uE010', Shift: '\uE008',
};

/** Errors worth retrying an action on: the element is not there (yet) or covered. */
const TRANSIENT = new Set([
  'no such element', 'stale element reference', 'element click intercepted',
  'element not interactable', 'javascript error', 'no such frame',
]);

/** Calls `fn` with `arg` in the page; resolves to its (awaited) result. */
const CALL = `
  const [src, arg, done] = arguments;
  const fn = new Function('return (' + src + ')')();
  Promise.resolve().then(() => fn(arg)).then(
    (value) => done({ value: value === undefined ? null : value }),
    (err) => done({ error: String(err && err.stack || err) }));`;

export class WebDriverPage {
  /**
   * `session`: a Session; `engine`: its name, for messages. The page holds
   * the session's one window.
   */
  constructor(session, engine) {
    this.session = session;
    this.engine = engine;
    this.timeout = 10_000;
    /** A viewport smaller than the engine's smallest window, framed (see setViewportSize). */
    this.framed = null;
    /** Errors recorded by documents the page has navigated away from. */
    this.earlierErrors = [];
    this.keyboard = { press: (key) => this.#press(key) };
    this.mouse = unsupported('mouse');
    this.request = unsupported('request');
  }

  setDefaultTimeout(ms) {
    this.timeout = ms;
  }

  cmd(method, path, body) {
    return this.session.cmd(method, path, body);
  }

  /**
   * Opens `url`. With `{ waitUntil: 'commit' }` it returns once the new
   * document is there (as Playwright's), otherwise when it has loaded.
   */
  async goto(url, { waitUntil = 'load' } = {}) {
    this.earlierErrors.push(...await this.#errorsHere());
    await this.cmd('POST', '/frame', { id: null });
    // The session waits for no load (pageLoadStrategy "none", see
    // engines.mjs): mark the document being left, then wait for another.
    await this.#evaluateHere(() => { window.__e2eLeaving = true; }).catch(() => {});
    if (this.framed) {
      await this.#gotoFramed(url);
    } else {
      await this.cmd('POST', '/url', { url });
    }
    await this.waitForFunction((loaded) => !window.__e2eLeaving && location.href !== 'about:blank'
      && document.readyState !== 'loading' && (!loaded || document.readyState === 'complete'), waitUntil !== 'commit');
  }

  /**
   * The page in an iframe of the wanted size on a blank page: used when
   * the engine's window cannot be made as small as the viewport asked for
   * (WebKitGTK's MiniBrowser keeps its toolbar, at least 447 px wide). The
   * page's CSS viewport is then the frame's, and so are its media queries.
   */
  async #gotoFramed(url) {
    const { width, height } = this.framed;
    await this.cmd('POST', '/url', { url: 'about:blank' });
    await this.waitForFunction(() => !window.__e2eLeaving && location.href === 'about:blank'
      && document.readyState === 'complete');
    await this.#evaluateHere(([src, w, h]) => {
      document.body.style.margin = '0';
      const frame = document.createElement('iframe');
      Object.assign(frame.style, { width: `${w}px`, height: `${h}px`, border: '0', display: 'block' });
      frame.id = 'e2e-viewport';
      frame.src = src;
      document.body.append(frame);
    }, [url, width, height]);
    const frame = await this.cmd('POST', '/element', { using: 'css selector', value: '#e2e-viewport' });
    await this.cmd('POST', '/frame', { id: frame });
  }

  /**
   * Sets the CSS viewport: resizes the window until the page's innerWidth
   * and innerHeight are as asked (window decorations differ by engine); if
   * the window cannot get that small, the next `goto` frames the page.
   */
  async setViewportSize({ width, height }) {
    await this.cmd('POST', '/frame', { id: null });
    let inner = { width: 0, height: 0 };
    for (let i = 0; i < 3; i++) {
      const rect = await this.cmd('GET', '/window/rect');
      inner = await this.#evaluateHere(() => ({ width: innerWidth, height: innerHeight }));
      if (inner.width === width && inner.height === height) break;
      await this.cmd('POST', '/window/rect', {
        width: rect.width + width - inner.width,
        height: rect.height + height - inner.height,
      });
    }
    inner = await this.#evaluateHere(() => ({ width: innerWidth, height: innerHeight }));
    const fits = inner.width === width && inner.height === height;
    if (!fits && (inner.width < width || inner.height < height)) {
      throw new Error(`${this.engine}: cannot make the viewport ${width}×${height} (got ${inner.width}×${inner.height})`);
    }
    this.framed = fits ? null : { width, height };
  }

  /** Runs `fn(arg)` in the page (a function is sent as its source, as with Playwright). */
  async evaluate(fn, arg) {
    return this.#evaluateHere(fn, arg);
  }

  async #evaluateHere(fn, arg) {
    const result = await this.cmd('POST', '/execute/async', { script: CALL, args: [String(fn), arg ?? null] });
    if (result?.error) throw new Error(`in the page (${this.engine}): ${result.error}`);
    return result?.value;
  }

  /** Waits until `fn(arg)` is truthy in the page; resolves to its value. */
  async waitForFunction(fn, arg, { timeout = this.timeout } = {}) {
    const deadline = Date.now() + timeout;
    let last;
    for (;;) {
      try {
        const value = await this.evaluate(fn, arg);
        if (value) return value;
      } catch (err) {
        // A page that is navigating has no document to run in for a moment.
        last = err;
      }
      if (Date.now() > deadline) {
        throw new Error(`waitForFunction timed out after ${timeout} ms${last ? ` (last error: ${last.message})` : ''}: ${fn}`);
      }
      await sleep(50);
    }
  }

  waitForTimeout(ms) {
    return sleep(ms);
  }

  locator(selector) {
    return new Locator(this, selector);
  }

  click(selector) { return this.locator(selector).click(); }
  fill(selector, value) { return this.locator(selector).fill(value); }
  focus(selector) { return this.locator(selector).focus(); }
  textContent(selector) { return this.locator(selector).textContent(); }
  getAttribute(selector, name) { return this.locator(selector).getAttribute(name); }
  inputValue(selector) { return this.locator(selector).inputValue(); }
  selectOption(selector, value) { return this.locator(selector).selectOption(value); }

  /** Presses a key (a character or a name from KEYS) on the focused element. */
  async #press(key) {
    const code = KEYS[key] ?? key;
    if ([...code].length !== 1) throw new Error(`keyboard.press: no WebDriver code for ${JSON.stringify(key)}`);
    await this.cmd('POST', '/actions', {
      actions: [{ type: 'key', id: 'keyboard', actions: [{ type: 'keyDown', value: code }, { type: 'keyUp', value: code }] }],
    });
    await this.cmd('DELETE', '/actions');
  }

  /**
   * A PNG of the viewport (of the frame, when framed), as a Buffer; also
   * saved to `path` if given. (No element screenshots: WebKitWebDriver's
   * come out black here; crop this one instead.)
   */
  async screenshot({ path } = {}) {
    let png;
    if (this.framed) {
      await this.cmd('POST', '/frame/parent', {});
      const frame = await this.cmd('POST', '/element', { using: 'css selector', value: '#e2e-viewport' });
      png = await this.cmd('GET', `/element/${frame[ELEMENT]}/screenshot`);
      await this.cmd('POST', '/frame', { id: frame });
    } else {
      png = await this.cmd('GET', '/screenshot');
    }
    const buf = Buffer.from(png, 'base64');
    if (path) await writeFile(path, buf);
    return buf;
  }

  /**
   * Uncaught errors and unhandled rejections of every document the page
   * has shown, as recorded by the catcher that the runner's server puts in
   * each page it serves to WebDriver engines (serve.mjs, ERROR_CATCHER).
   */
  async pageErrors() {
    return [...this.earlierErrors, ...await this.#errorsHere()];
  }

  async #errorsHere() {
    return (await this.evaluate(() => window.__e2eErrors ?? []).catch(() => [])) ?? [];
  }
}

/** A CSS selector in the page, resolved anew at each use (as Playwright's locators). */
class Locator {
  constructor(page, selector, index = 0) {
    this.page = page;
    this.selector = selector;
    this.index = index;
  }

  first() {
    return new Locator(this.page, this.selector, 0);
  }

  /** Runs `fn(element, arg)` on the matched element once it is there. */
  async #withElement(fn, arg, { visible = false } = {}) {
    const found = await this.page.waitForFunction(([sel, index, mustShow]) => {
      const el = document.querySelectorAll(sel)[index];
      if (!el) return null;
      if (mustShow) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) return null;
        if (getComputedStyle(el).visibility === 'hidden') return null;
      }
      return true;
    }, [this.selector, this.index, visible]).catch((err) => {
      throw new Error(`${this.selector}: not ${visible ? 'visible' : 'there'} within ${this.page.timeout} ms (${err.message.split(':')[0]})`);
    });
    if (!found) return null;
    return this.page.evaluate(([sel, index, src, a]) => {
      const el = document.querySelectorAll(sel)[index];
      return new Function('return (' + src + ')')()(el, a);
    }, [this.selector, this.index, String(fn), arg ?? null]);
  }

  /** Waits for the state: attached (default: visible), detached, visible or hidden. */
  async waitFor({ state = 'visible', timeout = this.page.timeout } = {}) {
    await this.page.waitForFunction(([sel, index, want]) => {
      const el = document.querySelectorAll(sel)[index];
      const shown = !!el && (() => {
        const r = el.getBoundingClientRect();
        return (r.width > 0 || r.height > 0) && getComputedStyle(el).visibility !== 'hidden';
      })();
      return { attached: !!el, detached: !el, visible: shown, hidden: !shown }[want];
    }, [this.selector, this.index, state], { timeout }).catch(() => {
      throw new Error(`${this.selector}: not ${state} within ${timeout} ms`);
    });
  }

  isVisible() {
    return this.page.evaluate(([sel, index]) => {
      const el = document.querySelectorAll(sel)[index];
      if (!el) return false;
      const r = el.getBoundingClientRect();
      return (r.width > 0 || r.height > 0) && getComputedStyle(el).visibility !== 'hidden';
    }, [this.selector, this.index]);
  }

  textContent() { return this.#withElement((el) => el.textContent); }
  getAttribute(name) { return this.#withElement((el, n) => el.getAttribute(n), name); }
  inputValue() { return this.#withElement((el) => el.value); }
  focus() { return this.#withElement((el) => { el.focus(); }); }
  boundingBox() {
    return this.#withElement((el) => {
      const r = el.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    });
  }

  allTextContents() {
    return this.evaluateAll((els) => els.map((e) => e.textContent));
  }

  evaluateAll(fn, arg) {
    return this.page.evaluate(([sel, src, a]) =>
      new Function('return (' + src + ')')()(Array.from(document.querySelectorAll(sel)), a),
    [this.selector, String(fn), arg ?? null]);
  }

  /** The WebDriver reference of the matched element. */
  async #reference() {
    const refs = await this.page.cmd('POST', '/elements', { using: 'css selector', value: this.selector });
    if (!refs[this.index]) throw new WebDriverError('find', 'no such element', this.selector);
    return refs[this.index][ELEMENT];
  }

  /** Retries `action` while its element is missing, stale or covered. */
  async #retrying(what, action) {
    const deadline = Date.now() + this.page.timeout;
    for (;;) {
      try {
        await this.#withElement(() => true, null, { visible: true });
        return await action(await this.#reference());
      } catch (err) {
        if (!TRANSIENT.has(err.error) || Date.now() > deadline) {
          throw new Error(`${what} ${this.selector} (${this.page.engine}): ${err.message}`);
        }
        await sleep(100);
      }
    }
  }

  /** A real click (pointer events at the element's centre, as a reader's). */
  click() {
    return this.#retrying('click', async (id) => {
      try {
        await this.page.cmd('POST', `/element/${id}/click`, {});
      } catch (err) {
        // geckodriver and WebKitWebDriver call an SVG <g role=button> (the
        // canvas's controls) "not interactable"; press the pointer on its
        // centre instead: the same trusted events a reader's click sends.
        if (err.error !== 'element not interactable') throw err;
        const [x, y] = await this.#withElement((el) => {
          el.scrollIntoView({ block: 'center', inline: 'center' });
          const r = el.getBoundingClientRect();
          return [Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)];
        });
        await this.page.cmd('POST', '/actions', {
          actions: [{
            type: 'pointer', id: 'mouse', parameters: { pointerType: 'mouse' },
            actions: [
              { type: 'pointerMove', origin: 'viewport', x, y },
              { type: 'pointerDown', button: 0 },
              { type: 'pointerUp', button: 0 },
            ],
          }],
        });
        await this.page.cmd('DELETE', '/actions');
      }
    });
  }

  /**
   * Text fields are cleared and typed into (real key events); other inputs
   * (a range) get the value set and `input` and `change` fired, as
   * Playwright's fill does.
   */
  async fill(value) {
    const typed = await this.#withElement((el) => {
      const text = el instanceof HTMLTextAreaElement
        || (el instanceof HTMLInputElement && ['text', 'search', 'url', 'email', 'tel', 'password', 'number', ''].includes(el.getAttribute('type') ?? ''));
      if (!text) return false;
      el.focus();
      el.value = '';
      el.dispatchEvent(new Event('input', { bubbles: true }));
      return true;
    }, null, { visible: true });
    if (typed) {
      if (value !== '') await this.#retrying('fill', (id) => this.page.cmd('POST', `/element/${id}/value`, { text: String(value) }));
      return;
    }
    await this.#withElement((el, v) => {
      el.value = v;
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
    }, String(value), { visible: true });
  }

  /** Selects the option with this value, firing `input` and `change` (as Playwright's). */
  async selectOption(value) {
    const ok = await this.#withElement((el, v) => {
      const option = [...el.options].find((o) => o.value === v);
      if (!option) return false;
      option.selected = true;
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
      return true;
    }, String(value), { visible: true });
    if (!ok) throw new Error(`selectOption ${this.selector}: no option with value ${JSON.stringify(value)}`);
  }
}

/** A stand-in for a Playwright API the portable page does not have. */
function unsupported(name) {
  return new Proxy({}, {
    get(_, prop) {
      if (prop === 'then') return undefined;
      throw new Error(`page.${name}.${String(prop)} is not in the portable page API (e2e/wdpage.mjs): keep this test Chromium-only or add it there`);
    },
  });
}
