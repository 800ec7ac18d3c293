// The playground in a real browser against a local piti-serve (see e2e/run.sh).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import {
  apiKey, baseUrl, canvasColours, chooseClass, drag, dragRectangle, inPlayground, launch, screenshot,
} from '../lib/browser.mjs';
import { colourOf, paletteFile } from '../lib/palette.mjs';

const JOB_TIMEOUT = 150_000;

/** Records every value the two progress bars take, from before the submission on. */
async function recordProgress(page) {
  await page.evaluate(() => {
    window.progressSeen = { base: [], upsampler: [] };
    for (const stage of ['base', 'upsampler']) {
      const bar = document.getElementById(`progress-${stage}`);
      new MutationObserver(() => window.progressSeen[stage].push(bar.value))
        .observe(bar, { attributes: true, attributeFilter: ['value'] });
    }
  });
}

/** A PNG made in the page: `size` px of one colour with one pixel of another at (x, y). */
async function pngWithPixel(page, size, background, odd, [x, y]) {
  const base64 = await page.evaluate(({ size, background, odd, x, y }) => {
    const canvas = document.createElement('canvas');
    canvas.width = size;
    canvas.height = size;
    const context = canvas.getContext('2d');
    const image = context.createImageData(size, size);
    for (let i = 0; i < size * size; i++) {
      const rgb = i === y * size + x ? odd : background;
      image.data.set([(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255, 255], i * 4);
    }
    context.putImageData(image, 0, 0);
    return canvas.toDataURL('image/png').split(',')[1];
  }, { size, background, odd, x, y });
  return Buffer.from(base64, 'base64');
}

describe('playground', () => {
  let browser;

  before(async () => {
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
  });

  test('the class list served with the page is the palette the service validates masks with', async () => {
    const served = await fetch(`${baseUrl}/coco-stuff-classes.json`);
    assert.equal(served.status, 200);
    assert.equal(await served.text(), readFileSync(paletteFile, 'utf8'));
  });

  test('the page and its assets need no API key while the API still does', async () => {
    for (const path of ['/', '/js/app.js', '/playground.css']) {
      assert.equal((await fetch(`${baseUrl}${path}`)).status, 200, path);
    }
    const api = await fetch(`${baseUrl}/v1/models`);
    assert.equal(api.status, 401);
    assert.equal((await api.json()).code, 'unauthorized');
  });

  test('a mask drawn with two classes is translated with live progress and its images load', async () => {
    await inPlayground(browser, 'translate-mask', async (page) => {
      // The key came in the URL fragment: kept in the field, gone from the address.
      assert.equal(await page.inputValue('#api-key'), apiKey);
      assert.equal(await page.evaluate(() => window.location.hash), '');
      await page.waitForSelector('#key-state.ok');

      await chooseClass(page, 'sky-other');
      assert.match(await page.textContent('#current-name'), /sky-other/);
      await dragRectangle(page, [0, 0], [255, 127]);
      await chooseClass(page, 'grass');
      await dragRectangle(page, [0, 128], [255, 255]);
      // Every pixel is exactly one of the two class colours: no antialiasing at the edges.
      assert.deepEqual(await canvasColours(page),
        new Map([[colourOf('sky-other'), 256 * 128], [colourOf('grass'), 256 * 128]]));

      await page.fill('#base-steps', '16');
      await page.fill('#seed', '7');
      await recordProgress(page);
      await page.click('#submit');
      await page.waitForSelector('#job[data-status=succeeded]', { timeout: JOB_TIMEOUT });

      const seen = await page.evaluate(() => window.progressSeen);
      const moving = new Set(seen.base.filter((v) => v > 0 && v < 1));
      assert.ok(moving.size >= 2, `the base progress bar showed intermediate values ${[...moving]} (all: ${seen.base})`);
      assert.deepEqual(seen.base, [...seen.base].sort((a, b) => a - b), 'base progress never goes back');
      assert.equal(await page.$eval('#progress-upsampler', (bar) => bar.value), 1);

      await page.waitForFunction(() => {
        const images = [...document.querySelectorAll('#results img')];
        return images.length === 2 && images.every((img) => img.complete && img.naturalWidth > 0);
      });
      const results = await page.$$eval('#results figure', (figures) => figures.map((f) => ({
        kind: f.classList.contains('base') ? 'base' : 'sample',
        width: f.querySelector('img').naturalWidth,
        src: f.querySelector('img').src,
        href: f.querySelector('a').href,
        download: f.querySelector('a').getAttribute('download'),
      })));
      const id = await page.textContent('#job-id');
      // The micro model: 64 px samples from a 16 px base stage.
      assert.deepEqual(results.map((r) => [r.kind, r.width]), [['sample', 64], ['base', 16]]);
      for (const r of results) {
        assert.equal(r.href, r.src);
        assert.equal(r.download, `pitiserve-${id}-${r.kind}-0.png`);
      }
      assert.ok(await page.isVisible('#job-spans'), 'the finished job shows where its time went');
      const spans = await page.$$eval('#job-spans li', (rows) => rows.map((row) => row.dataset.span));
      for (const stage of ['queued', 'encode', 'base', 'upsampler', 'store']) {
        assert.ok(spans.includes(stage), `the time line lists ${stage}: ${spans}`);
      }
      await page.waitForSelector(`#history .history-item:has-text("${id}") .chip.succeeded`);
      const curl = await page.textContent('#curl');
      assert.match(curl, /"base_steps":"16"/);
      assert.ok(curl.includes(`${baseUrl}/v1/translations/${id}/events`), curl);
      assert.ok(!curl.includes(apiKey), 'the curl commands never show the key');
      await page.click('#curl-box summary');
    });
  });

  test('each model is labelled with its kind and a single-pass model turns the diffusion controls off', async () => {
    await inPlayground(browser, 'model-kinds', async (page) => {
      await page.waitForSelector('#key-state.ok');
      const models = await (await fetch(`${baseUrl}/v1/models`, { headers: { Authorization: `Bearer ${apiKey}` } }))
        .json();
      const kinds = Object.fromEntries(models.models.map((m) => [m.name, m.kind]));
      assert.deepEqual(kinds, { 'micro-mask': 'diffusion', 'micro-sketch': 'diffusion', 'spade-mask': 'single-pass' });
      assert.match(await page.textContent('#key-state'), /spade-mask \(mask, single-pass\)/);

      const options = await page.$$eval('#model option', (all) => all.map((o) => [o.value, o.textContent]));
      assert.deepEqual(options.map(([value]) => value), ['', 'micro-mask', 'spade-mask']);
      assert.match(options[1][1], /^micro-mask \(\S+\) · diffusion · default · /);
      assert.match(options[2][1], /^spade-mask \(\S+\) · single-pass · /);
      const controls = ['#sampler', '#base-steps', '#sr-steps', '#guidance', '#guidance-range'];
      const disabled = () => Promise.all(controls.map((c) => page.isDisabled(c)));
      // The task's default, micro-mask, is a diffusion model.
      assert.deepEqual(await disabled(), controls.map(() => false));
      assert.match(await page.textContent('#model-kind'), /micro-mask is a diffusion model/);

      await page.selectOption('#model', 'spade-mask');
      assert.deepEqual(await disabled(), controls.map(() => true));
      assert.match(await page.textContent('#model-kind'), /spade-mask is single-pass/);
      assert.equal(await page.isVisible('#steps-hint'), false);
      await screenshot(page, 'model-kinds-single-pass');

      await page.click('#example');
      await page.fill('#seed', '5');
      await page.click('#submit');
      await page.waitForSelector('#job[data-status=succeeded]', { timeout: JOB_TIMEOUT });
      assert.match(await page.textContent('#job-detail'), /model spade-mask/);
      const curl = await page.textContent('#curl');
      assert.match(curl, /"model":"spade-mask"/);
      for (const name of ['sampler', 'base_steps', 'sr_steps', 'guidance_scale']) {
        assert.ok(!curl.includes(`"${name}"`), `a single-pass submission sends no ${name}: ${curl}`);
      }

      await page.selectOption('#model', 'micro-mask');
      assert.deepEqual(await disabled(), controls.map(() => false));
      await page.check('input[name=task][value=sketch]');
      const sketchOptions = await page.$$eval('#model option', (all) => all.map((o) => o.textContent));
      assert.deepEqual(sketchOptions.length, 2);
      assert.match(sketchOptions[1], /^micro-sketch \(\S+\) · diffusion · default · /);
      assert.deepEqual(await disabled(), controls.map(() => false));
    });
  });

  test("an upload with a colour off the palette shows the API's problem message", async () => {
    await inPlayground(browser, 'bad-upload', async (page) => {
      const png = await pngWithPixel(page, 64, colourOf('grass'), 0x010203, [5, 7]);
      await page.setInputFiles('#upload', { name: 'off-palette.png', mimeType: 'image/png', buffer: png });
      await page.waitForSelector('#input-note:has-text("off-palette.png")');
      await page.waitForSelector('.legend-item.off-palette');
      await page.click('#submit');
      const problem = page.locator('#problem');
      await problem.waitFor({ state: 'visible' });
      const text = await problem.textContent();
      assert.match(text, /pixel \(5, 7\) has colour RGB \(1, 2, 3\)/);
      assert.match(text, /code unknown_palette_colour/);
      assert.match(text, /HTTP 400/);
      assert.equal(await page.isVisible('#job-body'), false, 'nothing was submitted');
    });
  });

  test('a running translation is cancelled from the page', async () => {
    await inPlayground(browser, 'cancel', async (page) => {
      await page.click('#example');
      await page.fill('#base-steps', '250');
      await page.click('#submit');
      await page.waitForFunction(() => document.getElementById('progress-base').value > 0, null,
        { timeout: JOB_TIMEOUT });
      await page.click('#cancel');
      await page.waitForSelector('#job[data-status=cancelled]', { timeout: JOB_TIMEOUT });
      assert.match(await page.textContent('#problem'), /cancelled during the base stage at step \d+/);
      assert.equal(await page.isVisible('#cancel'), false);
      assert.ok(await page.$eval('#progress-base', (bar) => bar.value) < 1);
    });
  });

  test('brush strokes of every size, a fill and the eraser leave only exact class colours', async () => {
    await inPlayground(browser, 'brush-fill-eraser', async (page) => {
      await chooseClass(page, 'tree');
      await page.check('input[name=tool][value=brush]');
      for (const [size, y] of [['1', 20], ['2', 40], ['4', 60], ['8', 90], ['16', 130], ['32', 190]]) {
        await page.selectOption('#brush-size', size);
        await drag(page, [[10, y], [120, y + 37], [245, y - 11]]);
      }
      await chooseClass(page, 'sea');
      await page.check('input[name=tool][value=fill]');
      await drag(page, [[250, 250]]);
      await page.check('input[name=tool][value=eraser]');
      await page.selectOption('#brush-size', '16');
      await drag(page, [[128, 0], [128, 255]]);
      const colours = await canvasColours(page);
      assert.deepEqual([...colours.keys()].sort(), [0x000000, colourOf('tree'), colourOf('sea')].sort());
      // The eraser cut a 16 px wide unlabelled band through everything.
      assert.ok(colours.get(0x000000) >= 16 * 256);
    });
  });

  test('a class, a tool and a rectangle are chosen and painted with the keyboard alone', async () => {
    await inPlayground(browser, 'keyboard', async (page) => {
      await page.focus('#class-search');
      await page.keyboard.type('sea');
      await page.keyboard.press('Enter');
      assert.match(await page.textContent('#current-name'), /^sea /);
      await page.focus('input[name=tool][value=brush]');
      await page.keyboard.press('ArrowRight');
      assert.equal(await page.isChecked('input[name=tool][value=rect]'), true);
      await page.focus('#canvas-mask');
      await page.keyboard.press('Enter');
      for (const key of ['Shift+ArrowRight', 'Shift+ArrowRight', 'Shift+ArrowDown', 'ArrowDown']) {
        await page.keyboard.press(key);
      }
      await page.keyboard.press('Space');
      assert.equal((await canvasColours(page)).get(colourOf('sea')), 33 * 18);
      await screenshot(page, 'keyboard-rectangle');
      await page.keyboard.press('Control+z');
      assert.equal((await canvasColours(page)).get(colourOf('sea')), undefined);
    });
  });

  test('a black-on-white sketch upload is shown inverted, as the service will take it', async () => {
    await inPlayground(browser, 'sketch-upload', async (page) => {
      await page.check('input[name=task][value=sketch]');
      const png = await pngWithPixel(page, 64, 0xffffff, 0x000000, [10, 10]);
      await page.setInputFiles('#upload', { name: 'lines.png', mimeType: 'image/png', buffer: png });
      await page.waitForSelector('#input-note:has-text("the service will invert it")');
      const colours = await canvasColours(page, '#canvas-sketch');
      assert.deepEqual([...colours.keys()].sort(), [0x000000, 0xffffff]);
      assert.ok(colours.get(0x000000) > colours.get(0xffffff), 'mostly black after the inversion');
    });
  });
});
