// The COCO-Stuff class list as the service validates masks with it (common module resource).
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const paletteFile = join(dirname(fileURLToPath(import.meta.url)), '..', '..',
  'common', 'src', 'main', 'resources', 'pitiserve', 'coco-stuff-classes.json');

const classes = JSON.parse(readFileSync(paletteFile, 'utf8')).classes;

/** Packed 0xRRGGBB of the class called `name`. */
export function colourOf(name) {
  const found = classes.find((c) => c.name === name);
  if (!found) throw new Error(`no COCO-Stuff class ${name}`);
  const [r, g, b] = found.rgb;
  return (r << 16) | (g << 8) | b;
}
