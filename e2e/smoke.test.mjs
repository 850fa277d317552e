// Smoke test: the release build loads, the wasm starts, Yew renders.

export async function pageShowsTheWarrenHeading({ page, baseURL, screenshot }) {
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
}
