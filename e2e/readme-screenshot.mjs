// Makes the README's picture of the playground: the example mask translated by whatever model the
// server at PITISERVE_URL runs (the bundled one with `serve`). Not part of the tests.
//   PITISERVE_URL=http://127.0.0.1:8080 PITISERVE_API_KEY=... node e2e/readme-screenshot.mjs docs/images/playground.png
import { launch, openPlayground } from './lib/browser.mjs';

const target = process.argv[2] || 'playground.png';
const browser = await launch();
try {
  const { page } = await openPlayground(browser);
  await page.click('#example');
  await page.fill('#base-steps', process.env.BASE_STEPS || '10');
  await page.fill('#sr-steps', process.env.SR_STEPS || '5');
  await page.selectOption('#samples', process.env.SAMPLES || '2');
  await page.click('#submit');
  await page.waitForSelector('#job[data-status=succeeded]', { timeout: 600_000 });
  await page.waitForFunction(() => [...document.querySelectorAll('#results img, #history img')]
    .every((img) => img.complete && img.naturalWidth > 0));
  await page.mouse.move(0, 0);
  await page.screenshot({ path: target, fullPage: true });
  console.log(target);
} finally {
  await browser.close();
}
