// What the e2e tests, the bench and the trace share about the page.

/** The selector of an element by its data-testid (listed in web/README.md). */
export const tid = (id) => `[data-testid="${id}"]`;

/** Opens the playground and waits for the app (not the prerendered snapshot it replaces). */
export async function openPlayground(page, baseURL) {
  await page.goto(baseURL);
  await page.locator('#prerendered').waitFor({ state: 'detached' });
  await page.locator('#canvas').waitFor();
  await page.locator(tid('node:producer:web shop')).waitFor();
}
