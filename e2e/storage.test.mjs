// Where the browser keeps no site data (localStorage off: a setting in every
// engine, or cookies blocked for the site), the playground still works and
// says, in a notice, that the scene will not survive a reload; where it
// keeps them, it says nothing of the kind. In every engine.

import { inEveryEngine } from './engines.mjs';
import { openPlayground as open, tid } from './page.mjs';

const NOTICE = 'This browser keeps no site data for this page';

export const withoutSiteDataANoticeSaysTheSceneIsNotKept = inEveryEngine(async ({ page, baseURL, newPage, screenshot }) => {
  await open(page, baseURL);
  const usual = await page.evaluate(() => document.getElementById('notice-text')?.textContent ?? '');
  if (usual.startsWith(NOTICE)) throw new Error('the no-site-data notice shows with site data on');

  const bare = await newPage({ siteData: false });
  await open(bare, baseURL);
  await bare.locator('#notice-text').waitFor();
  const text = await bare.textContent('#notice-text');
  if (!text.startsWith(NOTICE)) throw new Error(`notice: ${JSON.stringify(text)}`);
  await screenshot('no-site-data');
  // The playground works all the same.
  await bare.click(tid('publish:web shop'));
  await bare.waitForFunction((s) => document.querySelector(s)?.textContent.trim() === '1', tid('acked:printer'));
});
