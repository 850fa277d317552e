// The Code dialog: the scene as pika scripts, one tab per file, each with
// copy and download (docs/export.md). What the scripts do on a real broker
// is scripts/prove-export.sh's job; this checks what the page offers.

import { openPlayground as open } from './page.mjs';

const ORDER_FLOW_FILES = ['topology.py', 'publish_web_shop.py', 'consume_mailer.py',
  'consume_mailer_2.py', 'consume_printer.py'];

export async function theCodeDialogOffersOneScriptPerTab({ page, baseURL, screenshot }) {
  await open(page, baseURL);
  await page.click('#open-code');
  await page.locator('#code-dialog').waitFor();
  const tabs = await page.locator('#code-dialog [role=tab]').allTextContents();
  if (JSON.stringify(tabs) !== JSON.stringify(ORDER_FLOW_FILES)) throw new Error(`tabs: ${tabs}`);
  const topology = await page.inputValue('#code-text');
  if (!topology.includes('channel.exchange_declare(exchange="order", exchange_type="direct", durable=True)')) {
    throw new Error(`topology.py lacks the order exchange:\n${topology}`);
  }
  await screenshot('code-dialog');
  await page.click('#code-tab-4');
  const printer = await page.inputValue('#code-text');
  if (!printer.includes('QUEUE = "order_report"') || !printer.includes('channel.basic_qos(prefetch_count=1)')) {
    throw new Error(`consume_printer.py:\n${printer}`);
  }
  const selected = await page.getAttribute('#code-tab-4', 'aria-selected');
  if (selected !== 'true') throw new Error(`the printer's tab is not selected: ${selected}`);
  // The download is this file, under its name.
  if ((await page.getAttribute('#code-download', 'download')) !== 'consume_printer.py') {
    throw new Error('download name');
  }
  const href = await page.getAttribute('#code-download', 'href');
  const downloaded = decodeURIComponent(href.slice(href.indexOf(',') + 1));
  if (downloaded !== printer) throw new Error('the download is not the shown file');
  // The export follows the scene: another scene, other scripts.
  await page.keyboard.press('Escape');
  await page.click('#open-scenes');
  await page.click('#load-topic-logs');
  await page.locator('#scene-dialog').waitFor({ state: 'detached' });
  await page.click('#open-code');
  const logs = await page.locator('#code-dialog [role=tab]').allTextContents();
  for (const f of ['publish_payments.py', 'consume_archiver.py']) {
    if (!logs.includes(f)) throw new Error(`topic-logs tabs: ${logs}`);
  }
}
