// Debian's Chromium, headless, through playwright-core (nothing is
// downloaded), launched the same way by the e2e runner, the bench, the
// trace and the comparison, so that their figures are of the same browser.
import { createRequire } from 'node:module';

const { chromium } = createRequire(import.meta.url)('playwright-core');

// No sandbox: Chromium refuses to start as root with one. No GPU: software
// compositing, the same on every machine. The rest stop its background
// traffic to Google's hosts (updates, sync, QUIC), which on a closed network
// only waits and times out.
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Launches `$CHROMIUM` (default /usr/bin/chromium) headless. */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ARGS,
  });
}
