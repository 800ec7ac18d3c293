// The COCO-Stuff classes as a searchable radio group: one swatch of the exact palette colour and
// the class name per label, plus "unlabelled" (black).

import { rgbCss } from './painter.js';

/** Reads the class list that the mask models expect (the same file the service validates with). */
export async function loadClasses() {
  const response = await fetch('coco-stuff-classes.json');
  if (!response.ok) throw new Error(`the class list could not be loaded (HTTP ${response.status})`);
  const body = await response.json();
  const packed = ([r, g, b]) => (r << 16) | (g << 8) | b;
  const classes = body.classes.map((c) => ({ label: c.label, name: c.name, rgb: packed(c.rgb) }));
  classes.push({ label: body.unlabelled.label, name: 'unlabelled', rgb: packed(body.unlabelled.rgb) });
  return classes;
}

export class ClassPicker {
  /**
   * @param {HTMLElement} list the radiogroup container
   * @param {HTMLInputElement} search the filter field
   * @param {(cls) => void} onSelect called with the chosen class
   */
  constructor(classes, list, search, onSelect) {
    this.classes = classes;
    this.byRgb = new Map(classes.map((c) => [c.rgb, c]));
    this.byLabel = new Map(classes.map((c) => [c.label, c]));
    this.byName = new Map(classes.map((c) => [c.name, c]));
    this.list = list;
    this.onSelect = onSelect;
    this.items = classes.map((c) => this.item(c));
    list.replaceChildren(...this.items.map((i) => i.element));
    search.addEventListener('input', () => this.filter(search.value));
    search.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        const first = this.bestMatch(search.value.trim().toLowerCase());
        if (first) {
          first.radio.checked = true;
          first.radio.focus();
          this.onSelect(first.cls);
        }
      }
    });
  }

  item(cls) {
    const element = document.createElement('label');
    element.className = 'class-item';
    element.dataset.label = String(cls.label);
    const radio = document.createElement('input');
    radio.type = 'radio';
    radio.name = 'class';
    radio.value = String(cls.label);
    radio.addEventListener('change', () => radio.checked && this.onSelect(cls));
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = rgbCss(cls.rgb);
    const name = document.createElement('span');
    name.className = 'class-name';
    name.textContent = cls.name;
    const id = document.createElement('span');
    id.className = 'class-id';
    id.textContent = cls.label === 255 ? '255' : String(cls.label);
    element.append(radio, swatch, name, id);
    element.title = `${cls.name}: label ${cls.label}, colour ${rgbCss(cls.rgb)}`;
    return { cls, element, radio };
  }

  /** The visible class named exactly `text`, else the first whose name starts with it, else the first visible. */
  bestMatch(text) {
    const visible = this.items.filter((i) => !i.element.hidden);
    return visible.find((i) => i.cls.name === text)
      || visible.find((i) => i.cls.name.startsWith(text))
      || visible[0];
  }

  filter(text) {
    const words = text.trim().toLowerCase().split(/\s+/).filter(Boolean);
    for (const { cls, element } of this.items) {
      const haystack = `${cls.name} ${cls.label} ${rgbCss(cls.rgb)}`;
      element.hidden = !words.every((w) => haystack.includes(w));
    }
  }

  select(label) {
    const item = this.items.find((i) => i.cls.label === label);
    if (!item) return;
    item.radio.checked = true;
    this.onSelect(item.cls);
  }

  named(name) {
    return this.byName.get(name);
  }
}
