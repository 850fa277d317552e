// A small W3C WebDriver client (node's own fetch; no dependency): enough to
// start a driver, open a session and send it commands. It drives Firefox
// (geckodriver) and WebKit (WebKitWebDriver with the WebKitGTK MiniBrowser)
// in the e2e runner; Chromium keeps Playwright (e2e/chromium.mjs).
//
// Why our own and not an npm client: the whole protocol the tests need is a
// dozen HTTP calls with JSON bodies, and the well-kept clients (selenium-
// webdriver, webdriverio) are large trees that also know how to download
// drivers and browsers, which must never happen here.
import { spawn } from 'node:child_process';
import net from 'node:net';

/** An error answered by the driver: `.error` is the W3C error code ("no such element", ...). */
export class WebDriverError extends Error {
  constructor(command, error, message) {
    super(`${command}: ${error}: ${message}`);
    this.error = error;
  }
}

/** A free TCP port on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts a driver process: `argv(port)` gives its command line. Resolves
 * once its /status answers; `.url` is its address, `.stop()` ends it (and
 * the browsers it started).
 */
export async function startDriver(name, argv, { env = process.env, timeoutMs = 20_000 } = {}) {
  const port = await freePort();
  const [cmd, ...args] = argv(port);
  // A process group of its own, so that stopping it also stops what it
  // started (xvfb-run's Xvfb, the browser).
  const child = spawn(cmd, args, { env, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const spawned = new Promise((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err) => reject(new Error(`${name}: cannot start ${cmd}: ${err.message}`)));
  });
  await spawned;
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const gone = await Promise.race([exited, sleep(100).then(() => undefined)]);
    if (gone !== undefined) throw new Error(`${name} exited (${gone}) before answering:\n${stderr}`);
    const ready = await fetch(`${url}/status`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      process.kill(-child.pid, 'SIGTERM');
      throw new Error(`${name} did not answer on ${url} within ${timeoutMs} ms:\n${stderr}`);
    }
  }
  return {
    url,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
      const done = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
      if (!done) try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    },
  };
}

/** One WebDriver session: `cmd(method, path, body)` sends a command to it. */
export class Session {
  constructor(driverUrl, id, capabilities) {
    this.base = `${driverUrl}/session/${id}`;
    this.id = id;
    this.capabilities = capabilities;
  }

  /**
   * Opens a session with `alwaysMatch` capabilities, or fails after
   * `timeoutMs` (a driver whose browser cannot start, e.g. without its X
   * display, otherwise holds the request for node's 300 s fetch limit).
   */
  static async create(driverUrl, alwaysMatch, { timeoutMs = 30_000 } = {}) {
    const value = await send(driverUrl, 'POST', '/session', { capabilities: { alwaysMatch } }, AbortSignal.timeout(timeoutMs));
    return new Session(driverUrl, value.sessionId, value.capabilities);
  }

  cmd(method, path, body) {
    if (process.env.E2E_TRACE) console.log(`  ${method} ${path} ${JSON.stringify(body ?? '').slice(0, 160)}`);
    return send(this.base, method, path, body);
  }

  async close() {
    await this.cmd('DELETE', '').catch(() => {});
  }
}

async function send(base, method, path, body, signal) {
  const what = `${method} ${path || '/'}`;
  const res = await fetch(base + path, {
    method,
    signal,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WebDriverError(what, `http ${res.status}`, text.slice(0, 300));
  }
  if (!res.ok || json.value?.error) {
    throw new WebDriverError(what, json.value?.error ?? `http ${res.status}`, json.value?.message ?? text.slice(0, 300));
  }
  return json.value;
}

/** The W3C element reference key. */
export const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';
