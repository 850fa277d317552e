// Smoke test: the release build loads, the wasm starts, Yew renders.

export async function pageShowsTheWarrenHeading({ page, baseURL, screenshot }) {
  // Loading the page logs no error and requests nothing that is missing.
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} for ${r.url()}`);
  });
  await page.goto(baseURL);
  // The heading is in the prerendered snapshot too: the app is running
  // once it has taken the snapshot's place.
  await page.locator('#prerendered').waitFor({ state: 'detached' });
  const heading = page.locator('h1#title');
  await heading.waitFor();
  const text = await heading.textContent();
  if (text !== 'Warren') throw new Error(`heading is ${JSON.stringify(text)}, expected "Warren"`);
  await page.locator('#core-status').waitFor();
  await screenshot('home');
  // A favicon request is made after load; give it time to fail.
  await page.waitForLoadState('networkidle');
  if (problems.length) throw new Error(`loading the page: ${problems.join('; ')}`);
}
