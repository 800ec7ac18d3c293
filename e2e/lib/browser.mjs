// Shared helpers of the playground's browser tests: Debian's chromium driven by playwright-core,
// the page opened against the server that run.sh started.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const baseUrl = required('PITISERVE_URL');
export const apiKey = required('PITISERVE_API_KEY');
export const screenshotDir = process.env.PITISERVE_SCREENSHOTS
  || join(dirname(fileURLToPath(import.meta.url)), '..', 'target', 'screenshots');

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through e2e/run.sh`);
  return value;
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update',
      '--disable-default-apps', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

/** A fresh browser context (empty localStorage) with the playground open and the key from the URL fragment. */
export async function openPlayground(browser) {
  const context = await browser.newContext({ viewport: { width: 1480, height: 1000 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(`${baseUrl}/#key=${encodeURIComponent(apiKey)}`);
  await page.waitForSelector('body[data-ready=true]');
  return { context, page, errors };
}

export async function screenshot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Chooses a class by typing in the search field and taking the first match. */
export async function chooseClass(page, query) {
  await page.fill('#class-search', query);
  await page.press('#class-search', 'Enter');
}

/** Drags a filled rectangle between two corners given in the canvas' own pixels (0..255). */
export async function dragRectangle(page, from, to) {
  await page.check('input[name=tool][value=rect]');
  await drag(page, [from, to]);
}

/** Presses the mouse at the first point, moves through the others and releases (canvas pixels). */
export async function drag(page, points) {
  const canvas = page.locator('#canvas-mask');
  const box = await canvas.boundingBox();
  const at = ([x, y]) => [box.x + ((x + 0.5) / 256) * box.width, box.y + ((y + 0.5) / 256) * box.height];
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const point of points.slice(1)) await page.mouse.move(...at(point), { steps: 4 });
  await page.mouse.up();
}

/** The canvas' pixels as a Map of packed 0xRRGGBB to pixel counts. */
export async function canvasColours(page, selector = '#canvas-mask') {
  const entries = await page.$eval(selector, (canvas) => {
    const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const counts = {};
    for (let i = 0; i < d.length; i += 4) {
      const rgb = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
      counts[rgb] = (counts[rgb] || 0) + 1;
    }
    return Object.entries(counts);
  });
  return new Map(entries.map(([rgb, count]) => [Number(rgb), count]));
}

/**
 * Runs `steps(page)` in a fresh playground, then saves the screenshot `name` and checks that the
 * page raised no uncaught error; the browser context is closed whatever happens.
 */
export async function inPlayground(browser, name, steps) {
  const { context, page, errors } = await openPlayground(browser);
  try {
    await steps(page);
    await screenshot(page, name);
    assert.deepEqual(errors, [], 'uncaught errors in the page');
  } catch (e) {
    await screenshot(page, `${name}-failed`).catch(() => {});
    throw e;
  } finally {
    await context.close();
  }
}
