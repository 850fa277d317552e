// The browser engines the e2e tests run in, all from Debian's packages and
// crates.io (scripts/setup.sh), nothing downloaded:
//
//   chromium  /usr/bin/chromium through playwright-core (e2e/chromium.mjs)
//   firefox   /usr/bin/firefox-esr, headless, through geckodriver (cargo install)
//   webkit    the WebKitGTK MiniBrowser through WebKitWebDriver, under Xvfb (xvfb-run)
//
// Every test runs in Chromium. A test wrapped in `inEveryEngine` runs in
// all three: its body may use only the portable page API (e2e/wdpage.mjs,
// a subset of Playwright's Page with plain CSS selectors), and gets the
// same { page, baseURL, screenshot, engine, holdWasm, newPage } in each
// (e2e/run.mjs says what they are).
import { launchChromium } from './chromium.mjs';
import { Session, startDriver } from './webdriver.mjs';
import { WebDriverPage } from './wdpage.mjs';

/** Every engine, in the order the runner takes them. */
export const ENGINES = ['chromium', 'firefox', 'webkit'];

/** Marks an e2e test to run in every engine (see above); returns it. */
export function inEveryEngine(test) {
  return Object.assign(test, { engines: ENGINES });
}

/** The engines a test runs in: every one if marked, else Chromium. */
export function enginesOf(test) {
  return test.engines ?? ['chromium'];
}

const FIREFOX = process.env.FIREFOX ?? '/usr/bin/firefox-esr';
const GECKODRIVER = process.env.GECKODRIVER ?? 'geckodriver';
const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER ?? '/usr/bin/WebKitWebDriver';
// WebKitWebDriver's default browser; named only to pass it arguments.
const MULTIARCH = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' }[process.arch] ?? `${process.arch}-linux-gnu`;
const MINIBROWSER = process.env.MINIBROWSER ?? `/usr/lib/${MULTIARCH}/webkit2gtk-4.1/MiniBrowser`;

/**
 * Starts an engine. Resolves to { name, version, newPage(viewport,
 * { siteData }), close() }; newPage resolves to { page, holdWasm(),
 * pageErrors(), close() }, a fresh profile each (with localStorage off if
 * siteData is false).
 * `server` is the runner's own server (for holdWasm in WebDriver engines;
 * null when testing a server already running).
 */
export async function startEngine(name, server) {
  if (name === 'chromium') return startChromium();
  if (name === 'firefox') {
    const launch = () => startDriver('geckodriver', (port) => [GECKODRIVER, '--port', String(port)]);
    return webDriverEngine(name, launch, server, {
      browserName: 'firefox',
      'moz:firefoxOptions': { binary: FIREFOX, args: ['-headless'] },
    });
  }
  if (name === 'webkit') {
    // MiniBrowser has no headless mode: it gets a virtual X display of its
    // own (xvfb-run -a picks a free display number). -noreset: by default
    // Xvfb resets when its last client (the previous test's browser)
    // disconnects, and a browser starting during that reset gets "cannot
    // open display", which once cost a CI run.
    const launch = () => startDriver('WebKitWebDriver', (port) => [
      'xvfb-run', '-a', '-s', '-screen 0 1920x1080x24 -noreset', WEBKIT_DRIVER, `--port=${port}`,
    ]);
    return webDriverEngine(name, launch, server, { browserName: 'MiniBrowser' });
  }
  throw new Error(`unknown engine ${JSON.stringify(name)}: the engines are ${ENGINES.join(', ')}`);
}

async function startChromium() {
  const browser = await launchChromium();
  return {
    name: 'chromium',
    version: browser.version(),
    async newPage(viewport, { siteData = true } = {}) {
      const context = await browser.newContext({ viewport });
      // Chromium has no switch for it: with site data blocked for a site,
      // reading localStorage throws a SecurityError, as here.
      if (!siteData) {
        await context.addInitScript(() => Object.defineProperty(window, 'localStorage', {
          get() { throw new DOMException('site data is blocked', 'SecurityError'); },
        }));
      }
      const page = await context.newPage();
      const errors = [];
      page.on('pageerror', (err) => errors.push(String(err.stack ?? err)));
      return {
        page,
        pageErrors: async () => errors,
        // Through Playwright's routing: works against any server.
        holdWasm: async () => {
          let release;
          const held = new Promise((r) => { release = r; });
          await page.route('**/*.wasm', async (route) => { await held; await route.continue(); });
          // The route stays: once released it lets every request through.
          return async () => release();
        },
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}

/** The capabilities with site data (localStorage) turned off in the browser itself. */
function noSiteData(capabilities) {
  if (capabilities.browserName === 'firefox') {
    const options = capabilities['moz:firefoxOptions'];
    return { ...capabilities, 'moz:firefoxOptions': { ...options, prefs: { 'dom.storage.enabled': false } } };
  }
  return {
    ...capabilities,
    'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation', '--enable-html5-local-storage=false'] },
  };
}

/**
 * `launch()` starts a driver. Both drivers hold one session at a time: a
 * test's first page uses the engine's driver, any other page it opens
 * (newPage) a driver of its own, stopped with the page.
 */
async function webDriverEngine(name, launch, server, capabilities) {
  let driver = await launch();
  let busy = false;
  let version = '?';
  return {
    name,
    get version() { return version; },
    // A session per test: a fresh profile, so no test sees another's
    // saved scene (as Playwright's fresh context per test).
    async newPage(viewport, { siteData = true } = {}) {
      let own = busy ? await launch() : null;
      if (!own) busy = true;
      const done = async () => {
        if (own) await own.stop();
        else busy = false;
      };
      const open = (d) => Session.create(d.url, {
        ...(siteData ? capabilities : noSiteData(capabilities)),
        // No command waits for a page to load; WebDriverPage.goto does.
        // (With "eager", WebKitWebDriver holds every script until the
        // load ends, which a held-back wasm (holdWasm) delays for good.)
        pageLoadStrategy: 'none',
      });
      let session;
      try {
        session = await open(own ?? driver);
      } catch (first) {
        // Once, a driver that cannot start its browser is replaced by a
        // fresh one (said on stderr, so a flaky engine stays visible).
        const d = own ?? driver;
        console.error(`${name}: no session (${first.message}); restarting its driver\n${d.stderr()}`);
        await d.stop();
        try {
          const fresh = await launch();
          if (own) own = fresh;
          else driver = fresh;
          session = await open(fresh);
        } catch (err) {
          await done();
          throw new Error(`${name}: no session: ${err.message}\n${(own ?? driver).stderr()}`);
        }
      }
      version = session.capabilities.browserVersion ?? version;
      const page = new WebDriverPage(session, name);
      await page.setViewportSize(viewport);
      return {
        page,
        pageErrors: () => page.pageErrors(),
        holdWasm: async () => {
          if (!server) throw new Error('holdWasm in WebDriver engines needs the runner\'s own server (unset E2E_BASE_URL)');
          return server.holdWasm();
        },
        close: async () => {
          await session.close();
          await done();
        },
      };
    },
    close: () => driver.stop(),
  };
}
