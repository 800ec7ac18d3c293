// The playground page: wires the canvas, the class picker, the parameters, a job's live view
// and this browser's history to the REST API v1.

import { ApiError, PitiClient } from './api.js';
import { Painter, rgbCss } from './painter.js';
import { ClassPicker, loadClasses } from './palette.js';

const KEY_STORE = 'pitiserve.playground.apiKey';
const HISTORY_STORE = 'pitiserve.playground.jobs';
const HISTORY_LIMIT = 24;
const DRAWABLE_TASKS = ['mask', 'sketch'];
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
/** The inputs that only a diffusion model reads: a single-pass model runs one generator forward. */
const DIFFUSION_INPUTS = ['guidance', 'guidance-range', 'base-steps', 'sr-steps', 'sampler'];
const BLACK = 0x000000;
const WHITE = 0xffffff;
const NOTES = {
  sketch_inverted: 'The sketch was mostly bright, so the service took it as black lines on white and inverted it.',
};

const $ = (id) => document.getElementById(id);

const state = {
  task: 'mask',
  tool: 'brush',
  brush: 8,
  cls: null,
  upload: null, // { task, file } submitted as is until the canvas is edited
  models: [],
  jobId: null,
  follow: null, // AbortController of the followed job's stream
  shownResults: '',
  progress: { base: 0, upsampler: 0 },
  cursor: { x: 128, y: 128 },
  corner: null, // first rectangle corner, while drawing one
};

const client = new PitiClient(() => $('api-key').value);
const painters = {
  mask: new Painter($('canvas-mask'), BLACK),
  sketch: new Painter($('canvas-sketch'), BLACK),
};
let picker = null;

// ---------------------------------------------------------------- API key

function initKey() {
  // `serve` prints the page's URL with the key in the fragment: it never reaches any server.
  const match = window.location.hash.match(/(?:^#|&)key=([^&]+)/);
  if (match) {
    localStorage.setItem(KEY_STORE, decodeURIComponent(match[1]));
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  $('api-key').value = localStorage.getItem(KEY_STORE) || '';
  $('api-key').addEventListener('change', () => {
    const key = $('api-key').value.trim();
    if (key) localStorage.setItem(KEY_STORE, key);
    else localStorage.removeItem(KEY_STORE);
    connect();
    renderHistory();
  });
  $('key-show').addEventListener('click', () => {
    const shown = $('api-key').type === 'text';
    $('api-key').type = shown ? 'password' : 'text';
    $('key-show').setAttribute('aria-pressed', String(!shown));
    $('key-show').textContent = shown ? 'Show' : 'Hide';
  });
  $('key-forget').addEventListener('click', () => {
    localStorage.removeItem(KEY_STORE);
    $('api-key').value = '';
    connect();
  });
}

async function connect() {
  const status = $('key-state');
  if (!$('api-key').value.trim()) {
    status.textContent = 'Enter the API key of your tenant (the local mode prints it, and a link that fills it in).';
    status.className = 'key-state warn';
    renderTasks(DRAWABLE_TASKS, []);
    return;
  }
  try {
    const answer = await client.models();
    const models = answer.models || [];
    // The tasks some model serves, from the catalogue: a task without a model would only be refused.
    const served = new Set(models.map((m) => m.task));
    const tasks = answer.tasks.filter((t) => DRAWABLE_TASKS.includes(t) && served.has(t));
    status.textContent = models.length
      ? `Connected · models: ${models.map((m) => `${m.name} (${[m.task, m.kind].filter(Boolean).join(', ')})`)
        .join(', ')}`
      : 'Connected · no model is deployed yet';
    status.className = 'key-state ok';
    renderTasks(tasks, models);
  } catch (e) {
    status.textContent = e instanceof ApiError ? `${e.message} (${e.code || e.status})` : String(e);
    status.className = 'key-state bad';
    renderTasks(DRAWABLE_TASKS, []);
  }
}

// ---------------------------------------------------------------- tasks and models

function renderTasks(tasks, models) {
  state.models = models;
  const box = $('tasks');
  const legend = box.querySelector('legend');
  const offered = tasks.length ? tasks : DRAWABLE_TASKS;
  if (!offered.includes(state.task)) state.task = offered[0];
  box.replaceChildren(legend, ...offered.map((task) => {
    const label = document.createElement('label');
    const radio = document.createElement('input');
    radio.type = 'radio';
    radio.name = 'task';
    radio.value = task;
    radio.checked = task === state.task;
    radio.addEventListener('change', () => radio.checked && setTask(task));
    const text = document.createElement('span');
    text.textContent = task === 'mask' ? 'Mask' : 'Sketch';
    label.append(radio, text);
    return label;
  }));
  setTask(state.task);
}

function setTask(task) {
  state.task = task;
  state.corner = null;
  $('canvas-mask').hidden = task !== 'mask';
  $('canvas-sketch').hidden = task !== 'sketch';
  $('class-list').hidden = task !== 'mask';
  $('class-search').hidden = task !== 'mask';
  document.querySelector('.current').hidden = task !== 'mask';
  $('sketch-help').hidden = task !== 'sketch';
  $('palette-title').firstChild.textContent = task === 'mask' ? 'Classes ' : 'Sketch ';
  $('class-count').hidden = task !== 'mask';
  $('upload-hint').textContent = task === 'mask'
    ? 'Upload a colour-coded mask (COCO-Stuff palette) or a label-id PNG (8-bit grey, 0..181, 255 = unlabelled).'
    : 'Upload a PNG or JPEG sketch: white edges on black, or black on white (the service inverts it).';
  const models = state.models.filter((m) => m.task === task);
  $('model-field').hidden = models.length === 0;
  $('model').replaceChildren(new Option('default', ''), ...models.map((m) => {
    const option = new Option(`${m.name}${m.version ? ` (${m.version})` : ''}${m.kind ? ` · ${m.kind}` : ''}`
      + `${m.default ? ' · default' : ''} · ${modelState(m)}`, m.name);
    if (m.kind) option.dataset.kind = m.kind;
    return option;
  }));
  showModelKind();
  showUploadNote();
  updateLegend();
}

/** The model a submission of the current task runs on: the one chosen, else the task's default. */
function chosenModel() {
  const models = state.models.filter((m) => m.task === state.task);
  const name = $('model').value;
  return name ? models.find((m) => m.name === name) : models.find((m) => m.default);
}

function singlePassChosen() {
  return chosenModel()?.kind === 'single-pass';
}

/**
 * Shows the chosen model's kind; a single-pass model has no sampler, steps or guidance, so their
 * inputs are disabled (and left out of the submission) while it is chosen.
 */
function showModelKind() {
  const model = chosenModel();
  const singlePass = singlePassChosen();
  for (const id of DIFFUSION_INPUTS) {
    $(id).disabled = singlePass;
    $(id).closest('.field').classList.toggle('off', singlePass);
  }
  $('steps-hint').hidden = singlePass;
  const hint = $('model-kind');
  hint.hidden = !model || !model.kind;
  hint.textContent = !model || !model.kind ? ''
    : singlePass
      ? `${model.name} is single-pass: one generator forward, so sampler, steps and guidance do not apply.`
      : `${model.name} is a diffusion model: sampler, steps and guidance apply.`;
}

/** A model's live state as the catalogue reports it, for its entry in the model list. */
function modelState(m) {
  if (m.scaled_to_zero) return 'scaled to zero: jobs wait for a worker';
  const workers = `${m.live_workers} worker${m.live_workers === 1 ? '' : 's'}`;
  return m.queue_depth ? `${workers}, ${m.queue_depth} queued` : workers;
}

function painter() {
  return painters[state.task];
}

// ---------------------------------------------------------------- drawing

function paintColour(tool = state.tool) {
  if (tool === 'eraser') return BLACK;
  if (state.task === 'sketch') return WHITE;
  return state.cls ? state.cls.rgb : BLACK;
}

function canvasPoint(event) {
  const box = event.target.getBoundingClientRect();
  const size = painter().size;
  return {
    x: Math.min(size - 1, Math.max(0, Math.floor(((event.clientX - box.left) / box.width) * size))),
    y: Math.min(size - 1, Math.max(0, Math.floor(((event.clientY - box.top) / box.height) * size))),
  };
}

function edited() {
  if (state.upload && state.upload.task === state.task) {
    state.upload = null;
    showUploadNote();
  }
}

function applyAt(point, tool = state.tool) {
  const p = painter();
  if (tool === 'fill') {
    p.checkpoint();
    p.fill(point.x, point.y, paintColour());
  } else {
    p.checkpoint();
    p.stamp(point.x, point.y, state.brush, paintColour(tool));
  }
  edited();
  p.render();
}

function initCanvas(canvas) {
  let last = null;
  canvas.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return;
    event.preventDefault();
    canvas.focus();
    canvas.setPointerCapture(event.pointerId);
    const point = canvasPoint(event);
    state.cursor = point;
    if (state.tool === 'rect') {
      state.corner = point;
      showRectPreview(point, point);
      return;
    }
    applyAt(point);
    last = state.tool === 'fill' ? null : point;
  });
  canvas.addEventListener('pointermove', (event) => {
    const point = canvasPoint(event);
    showCursor(point);
    if (state.tool === 'rect' && state.corner && canvas.hasPointerCapture(event.pointerId)) {
      showRectPreview(state.corner, point);
    } else if (last) {
      painter().line(last.x, last.y, point.x, point.y, state.brush, paintColour());
      painter().render();
      last = point;
    }
  });
  const end = (event) => {
    if (state.tool === 'rect' && state.corner && canvas.hasPointerCapture(event.pointerId)) {
      finishRect(canvasPoint(event));
    }
    last = null;
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', () => {
    last = null;
    state.corner = null;
    $('rect-preview').hidden = true;
  });
  canvas.addEventListener('pointerleave', () => {
    if (!last) $('cursor').hidden = true;
  });
  canvas.addEventListener('focus', () => showCursor(state.cursor));
  canvas.addEventListener('blur', () => {
    $('cursor').hidden = true;
  });
  canvas.addEventListener('keydown', (event) => {
    const step = event.shiftKey ? 16 : 1;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    const size = painter().size;
    if (moves[event.key]) {
      event.preventDefault();
      const [dx, dy] = moves[event.key];
      state.cursor = {
        x: Math.min(size - 1, Math.max(0, state.cursor.x + dx)),
        y: Math.min(size - 1, Math.max(0, state.cursor.y + dy)),
      };
      showCursor(state.cursor);
      if (state.corner) showRectPreview(state.corner, state.cursor);
    } else if (event.key === ' ' || event.key === 'Enter') {
      event.preventDefault();
      if (state.tool !== 'rect') {
        applyAt(state.cursor);
      } else if (!state.corner) {
        state.corner = state.cursor;
        showRectPreview(state.corner, state.cursor);
      } else {
        finishRect(state.cursor);
      }
    } else if (event.key === 'Escape' && state.corner) {
      state.corner = null;
      $('rect-preview').hidden = true;
    }
  });
}

function finishRect(point) {
  const p = painter();
  p.checkpoint();
  p.paintRect(state.corner.x, state.corner.y, point.x, point.y, paintColour());
  state.corner = null;
  $('rect-preview').hidden = true;
  edited();
  p.render();
}

function placeBox(element, left, top, width, height) {
  const size = painter().size;
  element.style.left = `${(left / size) * 100}%`;
  element.style.top = `${(top / size) * 100}%`;
  element.style.width = `${(width / size) * 100}%`;
  element.style.height = `${(height / size) * 100}%`;
  element.hidden = false;
}

function showCursor(point) {
  const diameter = state.tool === 'fill' || state.tool === 'rect' ? 1 : state.brush;
  const low = -Math.floor((diameter - 1) / 2);
  const cursor = $('cursor');
  cursor.classList.toggle('round', diameter > 2);
  placeBox(cursor, point.x + low, point.y + low, diameter, diameter);
}

function showRectPreview(a, b) {
  const preview = $('rect-preview');
  preview.style.background = rgbCss(paintColour());
  placeBox(preview, Math.min(a.x, b.x), Math.min(a.y, b.y), Math.abs(a.x - b.x) + 1, Math.abs(a.y - b.y) + 1);
}

function initTools() {
  for (const radio of document.querySelectorAll('input[name=tool]')) {
    radio.addEventListener('change', () => {
      if (!radio.checked) return;
      state.tool = radio.value;
      state.corner = null;
      $('rect-preview').hidden = true;
    });
  }
  $('brush-size').addEventListener('change', () => {
    state.brush = Number($('brush-size').value);
  });
  $('undo').addEventListener('click', undo);
  $('clear').addEventListener('click', () => {
    painter().clear(BLACK);
    edited();
  });
  $('example').addEventListener('click', () => {
    paintExample();
    edited();
  });
  $('upload').addEventListener('change', () => {
    const file = $('upload').files[0];
    $('upload').value = '';
    if (file) upload(file);
  });
  document.addEventListener('keydown', (event) => {
    const typing = event.target.matches('input[type=text], input[type=search], input[type=number], input[type=password]');
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'z' && !typing) {
      event.preventDefault();
      undo();
    }
  });
  for (const p of Object.values(painters)) {
    let queued = false;
    p.onChange(() => {
      $('undo').disabled = !painter().canUndo();
      if (!queued) {
        queued = true;
        requestAnimationFrame(() => {
          queued = false;
          updateLegend();
        });
      }
    });
  }
}

function undo() {
  if (painter().undo()) edited();
}

/** A small landscape (mask) or line drawing (sketch), so that there is something to translate at once. */
function paintExample() {
  const p = painter();
  p.checkpoint();
  if (state.task === 'mask') {
    if (!picker) return;
    const rgb = (name) => picker.named(name).rgb;
    p.paintRect(0, 0, 255, 255, rgb('sky-other'));
    p.paintRect(28, 22, 110, 44, rgb('clouds'));
    p.paintRect(150, 38, 226, 56, rgb('clouds'));
    for (let x = 0; x < 256; x++) {
      const ridge = 100 + Math.round(34 * Math.abs(((x + 40) % 128) - 64) / 64);
      p.paintRect(x, ridge, x, 159, rgb('mountain'));
    }
    p.paintRect(0, 160, 255, 203, rgb('sea'));
    p.paintRect(0, 204, 255, 255, rgb('sand'));
  } else {
    p.paintRect(0, 0, 255, 255, BLACK);
    p.line(0, 180, 255, 180, 1, WHITE);
    p.line(60, 180, 60, 120, 1, WHITE);
    p.line(140, 180, 140, 120, 1, WHITE);
    p.line(60, 120, 100, 80, 1, WHITE);
    p.line(100, 80, 140, 120, 1, WHITE);
    p.line(60, 120, 140, 120, 1, WHITE);
    for (let a = 0; a < 360; a += 1) {
      const t = (a * Math.PI) / 180;
      p.setPixel(200 + Math.round(22 * Math.cos(t)), 60 + Math.round(22 * Math.sin(t)), WHITE);
    }
  }
  p.render();
}

// ---------------------------------------------------------------- upload

async function upload(file) {
  const task = state.task;
  const bytes = new Uint8Array(await file.arrayBuffer());
  // PNG colour type (IHDR byte 25): 0 grey, 4 grey + alpha; a grey mask holds label ids.
  const isPng = bytes.length > 25 && bytes[0] === 0x89 && bytes[1] === 0x50;
  const labelIds = task === 'mask' && isPng && (bytes[25] === 0 || bytes[25] === 4);
  let preview = '';
  try {
    const bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
    preview = `${bitmap.width} × ${bitmap.height}`;
    if (task === 'mask') {
      painters.mask.load(bitmap, labelIds ? (rgb) => labelColour(rgb & 0xff, rgb) : (rgb) => rgb);
    } else {
      const bright = brightShare(bitmap);
      const inverted = bright > 0.5;
      painters.sketch.load(bitmap, (rgb) => {
        const grey = Math.round(0.299 * (rgb >> 16) + 0.587 * ((rgb >> 8) & 0xff) + 0.114 * (rgb & 0xff));
        const v = inverted ? 255 - grey : grey;
        return (v << 16) | (v << 8) | v;
      });
      preview += inverted ? ' · mostly bright: the service will invert it (black lines on white), as shown' : '';
    }
    bitmap.close();
  } catch {
    preview = 'the browser cannot show it; the service will say what is wrong';
  }
  state.upload = { task, file, detail: `${labelIds ? 'label-id mask, ' : ''}${preview}` };
  showUploadNote();
}

function labelColour(label, fallback) {
  if (label === 255) return BLACK;
  const cls = picker && picker.byLabel.get(label);
  return cls ? cls.rgb : fallback;
}

/** The share of pixels with grey >= 128 after a nearest resize to 256 px, as the service decides polarity. */
function brightShare(bitmap) {
  const scratch = document.createElement('canvas');
  scratch.width = 256;
  scratch.height = 256;
  const context = scratch.getContext('2d', { willReadFrequently: true });
  context.imageSmoothingEnabled = false;
  context.drawImage(bitmap, 0, 0, 256, 256);
  const d = context.getImageData(0, 0, 256, 256).data;
  let bright = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2] >= 128) bright++;
  }
  return bright / (d.length / 4);
}

function showUploadNote() {
  const note = $('input-note');
  if (state.upload && state.upload.task === state.task) {
    note.textContent = `Submitting the uploaded file “${state.upload.file.name}” as is (${state.upload.detail}).`
      + ' Paint on the canvas to submit the canvas instead.';
    note.hidden = false;
  } else {
    note.hidden = true;
  }
}

// ---------------------------------------------------------------- legend

function updateLegend() {
  const legend = $('legend');
  if (state.task !== 'mask' || !picker) {
    legend.replaceChildren();
    return;
  }
  const counts = [...painters.mask.colourCounts()].sort((a, b) => b[1] - a[1]);
  const total = painters.mask.size * painters.mask.size;
  legend.replaceChildren(...counts.slice(0, 12).map(([rgb, count]) => {
    const cls = picker.byRgb.get(rgb);
    const item = document.createElement('span');
    item.className = cls ? 'legend-item' : 'legend-item off-palette';
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = rgbCss(rgb);
    const share = Math.max(0.1, Math.round((count / total) * 1000) / 10);
    item.append(swatch, `${cls ? cls.name : `${rgbCss(rgb)} is not a palette colour`} ${share}%`);
    return item;
  }), ...(counts.length > 12 ? [`+${counts.length - 12} more`] : []));
}

// ---------------------------------------------------------------- parameters and submission

function initParams() {
  $('dice').addEventListener('click', () => {
    $('seed').value = String(Math.floor(Math.random() * 2 ** 31));
  });
  $('guidance-range').addEventListener('input', () => {
    $('guidance').value = $('guidance-range').value;
  });
  $('guidance').addEventListener('input', () => {
    $('guidance-range').value = $('guidance').value;
  });
  $('model').addEventListener('change', showModelKind);
  $('params').addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
  $('cancel').addEventListener('click', cancel);
}

function params() {
  const p = { task: state.task, return_base: true, metadata: { client: 'playground' } };
  const seed = $('seed').value.trim();
  if (seed !== '') p.seed = Number(seed);
  if (!singlePassChosen()) {
    const guidance = $('guidance').value.trim();
    if (guidance !== '') p.guidance_scale = Number(guidance);
    const base = $('base-steps').value.trim();
    if (base) p.base_steps = base;
    const sr = $('sr-steps').value.trim();
    if (sr) p.sr_steps = sr;
    if ($('sampler').value) p.sampler = $('sampler').value;
  }
  p.num_samples = Number($('samples').value);
  if ($('model').value) p.model = $('model').value;
  return p;
}

async function submit() {
  const button = $('submit');
  button.disabled = true;
  button.textContent = 'Submitting…';
  hideProblem();
  try {
    const upload = state.upload && state.upload.task === state.task ? state.upload.file : null;
    const input = upload || await painter().toPng();
    const filename = upload ? upload.name : `${state.task}.png`;
    const sent = params();
    const job = await client.submit(input, filename, sent);
    showCurl(filename, sent, job.id);
    remember(job.id);
    state.jobId = job.id;
    state.shownResults = '';
    state.progress = { base: 0, upsampler: 0 };
    showJob(job);
    renderHistory();
    follow(job.id);
  } catch (e) {
    showProblem(e);
  } finally {
    button.disabled = false;
    button.textContent = 'Translate';
  }
}

/** The submission and the event stream as curl commands: this page is an example of the API. */
function showCurl(filename, sent, id) {
  const quote = (text) => `'${text.replace(/'/g, "'\\''")}'`;
  const origin = window.location.origin;
  const auth = '-H "Authorization: Bearer $PITISERVE_API_KEY"';
  $('curl').textContent = [
    `curl -s ${auth} \\`,
    `     -F input=@${quote(filename)} \\`,
    `     -F ${quote(`params=${JSON.stringify(sent)};type=application/json`)} \\`,
    `     ${origin}/v1/translations`,
    `curl -sN ${auth} ${origin}/v1/translations/${id}/events`,
  ].join('\n');
  $('curl-box').hidden = false;
}

async function cancel() {
  if (!state.jobId) return;
  $('cancel').disabled = true;
  $('cancel').textContent = 'Cancelling…';
  try {
    showJob(await client.cancel(state.jobId));
  } catch (e) {
    showProblem(e);
    $('cancel').disabled = false;
    $('cancel').textContent = 'Cancel';
  }
}

/** Follows the job's event stream; reconnects (after reading the job) if the stream ends early. */
async function follow(id) {
  if (state.follow) state.follow.abort();
  const controller = new AbortController();
  state.follow = controller;
  let last = null;
  for (let attempt = 0; attempt < 6 && !controller.signal.aborted; attempt++) {
    try {
      await client.follow(id, (name, job) => {
        last = job;
        if (state.jobId === id) showJob(job);
      }, controller.signal);
    } catch (e) {
      if (controller.signal.aborted) return;
      if (e instanceof ApiError && e.status >= 400 && e.status < 500) {
        showProblem(e);
        return;
      }
    }
    if (last && TERMINAL.has(last.status)) break;
    try {
      last = await client.get(id);
      if (state.jobId === id) showJob(last);
      if (TERMINAL.has(last.status)) break;
    } catch (e) {
      if (e instanceof ApiError && e.status >= 400 && e.status < 500) {
        showProblem(e);
        return;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 500 * (attempt + 1)));
  }
  if (state.follow === controller) state.follow = null;
  renderHistory();
}

// ---------------------------------------------------------------- the job view

function showJob(job) {
  // A late answer (the cancel request's, read before the worker stopped) never takes a finished job back.
  const shown = $('job').dataset;
  if (shown.id === job.id && TERMINAL.has(shown.status) && !TERMINAL.has(job.status)) return;
  $('job-empty').hidden = true;
  $('job-body').hidden = false;
  const status = $('job-status');
  status.textContent = job.status;
  status.className = `chip ${job.status}`;
  $('job-id').textContent = job.id;
  $('job').dataset.status = job.status;
  $('job').dataset.id = job.id;

  const progress = state.progress;
  if (job.status === 'succeeded') {
    progress.base = 1;
    progress.upsampler = 1;
  } else if (job.progress && job.progress.of > 0) {
    const share = job.progress.step / job.progress.of;
    if (job.progress.stage === 'upsampler') {
      progress.base = 1;
      progress.upsampler = share;
    } else {
      progress.base = share;
    }
  }
  setProgress('base', progress.base, job);
  setProgress('upsampler', progress.upsampler, job);

  const running = !TERMINAL.has(job.status);
  $('cancel').hidden = !running;
  if (!running) {
    $('cancel').disabled = false;
    $('cancel').textContent = 'Cancel';
  }

  $('job-detail').textContent = detailOf(job);
  showSpans(job);
  $('job-notes').replaceChildren(...(job.notes || []).map((n) => {
    const li = document.createElement('li');
    li.textContent = NOTES[n] || n;
    return li;
  }));
  if (job.status === 'failed' && job.error) {
    showProblem(new ApiError(0, { title: 'The translation failed', code: job.error.code, detail: job.error.message }));
  } else if (job.status === 'cancelled') {
    showProblem(new ApiError(0, { title: 'Cancelled', detail: job.cancel_reason || 'the job was cancelled' }), 'info');
  }
  showResults(job);
}

function setProgress(stage, share, job) {
  const bar = $(`progress-${stage}`);
  bar.value = share;
  const text = $(`progress-${stage}-text`);
  const p = job.progress;
  if (share >= 1) text.textContent = 'done';
  else if (p && p.stage === stage) text.textContent = `${p.step} / ${p.of}`;
  else text.textContent = '–';
}

function detailOf(job) {
  const parts = [];
  if (job.model) parts.push(`model ${job.model}`);
  if (job.seed !== undefined) parts.push(`seed ${job.seed}`);
  if (job.timings) {
    const t = job.timings;
    const ms = (v) => (v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);
    for (const phase of ['queued', 'encode', 'base', 'upsampler', 'total']) {
      if (t[phase] !== undefined) parts.push(`${phase} ${ms(t[phase])}`);
    }
  } else if (job.created) {
    parts.push(`created ${new Date(job.created).toLocaleTimeString()}`);
  }
  return parts.join(' · ');
}

/** The job's phases on one time line (the view's spans, once it succeeded): where its time went. */
function showSpans(job) {
  const spans = job.spans || [];
  $('job-spans').hidden = spans.length === 0;
  const end = Math.max(1, ...spans.map((s) => s.start_ms + s.duration_ms));
  const ms = (v) => (v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`);
  $('job-spans-list').replaceChildren(...spans.map((s) => {
    const li = document.createElement('li');
    li.dataset.span = s.name;
    const name = document.createElement('span');
    name.textContent = s.name;
    const track = document.createElement('span');
    track.className = 'span-track';
    track.setAttribute('aria-hidden', 'true');
    const bar = document.createElement('span');
    bar.className = 'span-bar';
    bar.style.left = `${(100 * s.start_ms) / end}%`;
    bar.style.width = `${(100 * s.duration_ms) / end}%`;
    track.append(bar);
    const took = document.createElement('span');
    took.className = 'span-ms';
    took.textContent = ms(s.duration_ms);
    took.title = `from ${ms(s.start_ms)} to ${ms(s.start_ms + s.duration_ms)}`;
    li.append(name, track, took);
    return li;
  }));
}

function showResults(job) {
  const results = [...(job.results || [])].sort((a, b) =>
    (a.kind === b.kind ? a.index - b.index : a.kind === 'sample' ? -1 : 1));
  const signature = `${job.id}:${results.map((r) => r.sha256).join(',')}`;
  if (signature === state.shownResults) return;
  state.shownResults = signature;
  $('results').replaceChildren(...results.map((r) => {
    const figure = document.createElement('figure');
    figure.className = `result ${r.kind}`;
    const img = document.createElement('img');
    img.src = r.url;
    img.width = 256;
    img.height = 256;
    img.alt = `${r.kind === 'base' ? 'base stage image' : 'result'} ${r.index + 1} of translation ${job.id}`;
    img.className = r.width < 256 ? 'pixelated' : '';
    const caption = document.createElement('figcaption');
    const link = document.createElement('a');
    link.href = r.url;
    link.download = `pitiserve-${job.id}-${r.kind}-${r.index}.png`;
    link.target = '_blank';
    link.rel = 'noopener';
    link.textContent = 'Download';
    link.setAttribute('aria-label', `Download ${r.kind} ${r.index + 1} (${r.width} × ${r.height} PNG)`);
    caption.append(`${r.kind === 'base' ? 'Base' : 'Sample'} ${r.index + 1} · ${r.width}×${r.height} · ${Math.ceil(r.bytes / 1024)} KB `, link);
    figure.append(img, caption);
    return figure;
  }));
}

function showProblem(error, tone = 'error') {
  const box = $('problem');
  const problem = error instanceof ApiError ? error.problem : { title: 'Error', detail: String(error.message || error) };
  box.className = `problem ${tone}`;
  const title = document.createElement('strong');
  title.textContent = problem.title || 'Error';
  const detail = document.createElement('p');
  detail.className = 'problem-detail';
  detail.textContent = problem.detail || '';
  const meta = document.createElement('p');
  meta.className = 'problem-meta';
  const bits = [];
  if (problem.code) bits.push(`code ${problem.code}`);
  if (problem.parameter) bits.push(`parameter ${problem.parameter}`);
  if (error instanceof ApiError && error.status) bits.push(`HTTP ${error.status}`);
  meta.textContent = bits.join(' · ');
  box.replaceChildren(title, detail, meta);
  box.hidden = false;
}

function hideProblem() {
  $('problem').hidden = true;
}

// ---------------------------------------------------------------- history

function storedIds() {
  try {
    const ids = JSON.parse(localStorage.getItem(HISTORY_STORE) || '[]');
    return Array.isArray(ids) ? ids.filter((id) => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

function remember(id) {
  const ids = [id, ...storedIds().filter((i) => i !== id)].slice(0, HISTORY_LIMIT);
  localStorage.setItem(HISTORY_STORE, JSON.stringify(ids));
}

function forget(id) {
  localStorage.setItem(HISTORY_STORE, JSON.stringify(storedIds().filter((i) => i !== id)));
  renderHistory();
}

let historyRound = 0;

async function renderHistory() {
  const round = ++historyRound;
  const ids = storedIds();
  $('history-empty').hidden = ids.length > 0;
  if (!ids.length || !$('api-key').value.trim()) {
    $('history').replaceChildren();
    return;
  }
  const answers = await Promise.allSettled(ids.map((id) => client.get(id)));
  if (round !== historyRound) return;
  $('history').replaceChildren(...answers.map((answer, i) => historyItem(ids[i], answer)));
}

function historyItem(id, answer) {
  const li = document.createElement('li');
  li.className = 'history-item';
  const thumb = document.createElement('span');
  thumb.className = 'thumb';
  const text = document.createElement('span');
  text.className = 'history-text';
  const code = document.createElement('code');
  code.textContent = id;
  if (answer.status === 'rejected') {
    const e = answer.reason;
    const gone = e instanceof ApiError && e.status === 404;
    li.classList.add('gone');
    text.append(code, document.createElement('br'), gone ? 'not found for this API key' : `unreadable: ${e.message}`);
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'ghost small';
    remove.textContent = 'Remove';
    remove.setAttribute('aria-label', `Remove ${id} from the history`);
    remove.addEventListener('click', () => forget(id));
    li.append(thumb, text, remove);
    return li;
  }
  const job = answer.value;
  const sample = (job.results || []).find((r) => r.kind === 'sample');
  if (sample) {
    const img = document.createElement('img');
    img.src = sample.url;
    img.alt = '';
    thumb.append(img);
  }
  const chip = document.createElement('span');
  chip.className = `chip ${job.status}`;
  chip.textContent = job.status;
  const when = job.created ? new Date(job.created).toLocaleString() : '';
  text.append(chip, ' ', code, document.createElement('br'), when);
  const show = document.createElement('button');
  show.type = 'button';
  show.className = 'ghost small';
  show.textContent = 'Show';
  show.setAttribute('aria-label', `Show translation ${id}`);
  show.addEventListener('click', () => {
    state.jobId = id;
    state.shownResults = '';
    state.progress = { base: 0, upsampler: 0 };
    $('curl-box').hidden = true;
    hideProblem();
    showJob(job);
    if (!TERMINAL.has(job.status)) follow(id);
    $('result-title').scrollIntoView({ behavior: 'smooth', block: 'start' });
  });
  li.append(thumb, text, show);
  return li;
}

// ---------------------------------------------------------------- start

async function start() {
  initKey();
  initCanvas($('canvas-mask'));
  initCanvas($('canvas-sketch'));
  initTools();
  initParams();
  $('history-refresh').addEventListener('click', renderHistory);
  try {
    const classes = await loadClasses();
    picker = new ClassPicker(classes, $('class-list'), $('class-search'), (cls) => {
      state.cls = cls;
      $('current-swatch').style.background = rgbCss(cls.rgb);
      $('current-name').textContent = `${cls.name} · ${cls.label}`;
    });
    $('class-count').textContent = `(${classes.length - 1})`;
    picker.select(picker.named('grass').label);
  } catch (e) {
    showProblem(e);
  }
  await connect();
  renderHistory();
  document.body.dataset.ready = 'true';
}

start();
