// Debian's Chromium, headless, through playwright-core (nothing is
// downloaded), launched the same way by the e2e runner, the bench, the
// trace and the comparison, so that their figures are of the same browser.
import { createRequire } from 'node:module';

const { chromium } = createRequire(import.meta.url)('playwright-core');

// The flags the machine notes ask for: no sandbox as root, and no background
// traffic to Google's hosts (the network here is closed).
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
