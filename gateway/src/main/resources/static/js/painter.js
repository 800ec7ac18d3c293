// A pixel canvas for masks and sketches. Every change is made by writing pixels into an ImageData
// and putting it back: no strokes, arcs or smoothing, so every pixel keeps exactly the colour it
// was painted with (a mask stays on the COCO-Stuff palette).

const UNDO_DEPTH = 40;

export class Painter {
  /**
   * @param {HTMLCanvasElement} canvas its width and height are the image's pixel size
   * @param {number} background packed 0xRRGGBB that clear() paints
   */
  constructor(canvas, background = 0x000000) {
    this.canvas = canvas;
    this.size = canvas.width;
    this.context = canvas.getContext('2d', { willReadFrequently: true });
    this.context.imageSmoothingEnabled = false;
    this.image = this.context.createImageData(canvas.width, canvas.height);
    this.background = background;
    this.undoStack = [];
    this.listeners = [];
    this.paintRect(0, 0, this.size - 1, this.size - 1, background);
    this.render();
  }

  /** Calls `listener()` after every change of the pixels. */
  onChange(listener) {
    this.listeners.push(listener);
  }

  render() {
    this.context.putImageData(this.image, 0, 0);
    for (const listener of this.listeners) listener();
  }

  /** Remembers the current pixels; call once before each user action so undo() reverts it whole. */
  checkpoint() {
    this.undoStack.push(new Uint8ClampedArray(this.image.data));
    if (this.undoStack.length > UNDO_DEPTH) this.undoStack.shift();
  }

  canUndo() {
    return this.undoStack.length > 0;
  }

  undo() {
    const previous = this.undoStack.pop();
    if (!previous) return false;
    this.image.data.set(previous);
    this.render();
    return true;
  }

  clear(background = this.background) {
    this.checkpoint();
    this.background = background;
    this.paintRect(0, 0, this.size - 1, this.size - 1, background);
    this.render();
  }

  pixel(x, y) {
    const i = (y * this.size + x) * 4;
    const d = this.image.data;
    return (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
  }

  setPixel(x, y, rgb) {
    if (x < 0 || y < 0 || x >= this.size || y >= this.size) return;
    const i = (y * this.size + x) * 4;
    const d = this.image.data;
    d[i] = (rgb >> 16) & 0xff;
    d[i + 1] = (rgb >> 8) & 0xff;
    d[i + 2] = rgb & 0xff;
    d[i + 3] = 255;
  }

  /** A round brush of `diameter` pixels centred on (x, y); diameters 1 and 2 are squares. */
  stamp(x, y, diameter, rgb) {
    const low = -Math.floor((diameter - 1) / 2);
    const centre = low + (diameter - 1) / 2;
    const reach = (diameter / 2) ** 2;
    for (let dy = low; dy < low + diameter; dy++) {
      for (let dx = low; dx < low + diameter; dx++) {
        if (diameter <= 2 || (dx - centre) ** 2 + (dy - centre) ** 2 <= reach) this.setPixel(x + dx, y + dy, rgb);
      }
    }
  }

  /** Stamps the brush at every pixel of the line from (x0, y0) to (x1, y1) (Bresenham). */
  line(x0, y0, x1, y1, diameter, rgb) {
    const dx = Math.abs(x1 - x0);
    const dy = -Math.abs(y1 - y0);
    const sx = x0 < x1 ? 1 : -1;
    const sy = y0 < y1 ? 1 : -1;
    let error = dx + dy;
    for (;;) {
      this.stamp(x0, y0, diameter, rgb);
      if (x0 === x1 && y0 === y1) return;
      const twice = 2 * error;
      if (twice >= dy) {
        error += dy;
        x0 += sx;
      }
      if (twice <= dx) {
        error += dx;
        y0 += sy;
      }
    }
  }

  /** Fills the rectangle with corners (x0, y0) and (x1, y1), both included. */
  paintRect(x0, y0, x1, y1, rgb) {
    const left = Math.max(0, Math.min(x0, x1));
    const right = Math.min(this.size - 1, Math.max(x0, x1));
    const top = Math.max(0, Math.min(y0, y1));
    const bottom = Math.min(this.size - 1, Math.max(y0, y1));
    for (let y = top; y <= bottom; y++) {
      for (let x = left; x <= right; x++) this.setPixel(x, y, rgb);
    }
  }

  /** Flood fill of the 4-connected region of (x, y)'s exact colour. */
  fill(x, y, rgb) {
    const target = this.pixel(x, y);
    if (target === rgb) return;
    const size = this.size;
    const stack = [y * size + x];
    while (stack.length) {
      const at = stack.pop();
      const px = at % size;
      const py = (at - px) / size;
      if (this.pixel(px, py) !== target) continue;
      this.setPixel(px, py, rgb);
      if (px > 0) stack.push(at - 1);
      if (px < size - 1) stack.push(at + 1);
      if (py > 0) stack.push(at - size);
      if (py < size - 1) stack.push(at + size);
    }
  }

  /**
   * Replaces the pixels with `source` (an ImageBitmap or image) scaled to the canvas by nearest
   * neighbour; `mapColour(rgb)` may translate each pixel (label ids to class colours).
   */
  load(source, mapColour = (rgb) => rgb) {
    const scratch = document.createElement('canvas');
    scratch.width = this.size;
    scratch.height = this.size;
    const context = scratch.getContext('2d', { willReadFrequently: true });
    context.imageSmoothingEnabled = false;
    context.drawImage(source, 0, 0, this.size, this.size);
    const loaded = context.getImageData(0, 0, this.size, this.size).data;
    this.checkpoint();
    for (let i = 0; i < loaded.length; i += 4) {
      const rgb = mapColour((loaded[i] << 16) | (loaded[i + 1] << 8) | loaded[i + 2]);
      const p = i / 4;
      this.setPixel(p % this.size, Math.floor(p / this.size), rgb);
    }
    this.render();
  }

  /** How many pixels have each colour, as a Map from packed 0xRRGGBB to a count. */
  colourCounts() {
    const counts = new Map();
    const d = this.image.data;
    for (let i = 0; i < d.length; i += 4) {
      const rgb = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
      counts.set(rgb, (counts.get(rgb) || 0) + 1);
    }
    return counts;
  }

  /** The pixels as a lossless PNG. */
  toPng() {
    return new Promise((resolve, reject) => {
      this.canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the canvas could not be encoded'))), 'image/png');
    });
  }
}

export function rgbCss(rgb) {
  return `#${rgb.toString(16).padStart(6, '0')}`;
}
