import type { Colormap } from '../src/shared/protocol';

/** 256-entry lookup tables packed as little-endian RGBA words for ImageData. */
const STOPS: Record<Colormap | 'diverging-dark', string[]> = {
  // ColorBrewer RdBu reversed: negative blue, zero near-white, positive red.
  diverging: ['#053061', '#2166ac', '#4393c3', '#92c5de', '#d1e5f0', '#f7f7f7', '#fddbc7', '#f4a582', '#d6604d', '#b2182b', '#67001f'],
  // Same hues for dark themes: zero blends with a dark editor, magnitude brightens.
  'diverging-dark': ['#c6e3ff', '#8cc4f5', '#4f9ad8', '#2f6ea6', '#274766', '#2b2b2b', '#6b3329', '#a8432f', '#d9604a', '#f59a84', '#ffd0c2'],
  viridis: ['#440154', '#482878', '#3e4989', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6ece58', '#b5de2b', '#fde725'],
  gray: ['#000000', '#ffffff'],
};

export const NAN_RGBA = 0xffff00ff; // magenta, opaque (ABGR in memory)

function hex(c: string): [number, number, number] {
  return [parseInt(c.slice(1, 3), 16), parseInt(c.slice(3, 5), 16), parseInt(c.slice(5, 7), 16)];
}

export function colormapStops(name: Colormap, dark: boolean): string[] {
  return name === 'diverging' && dark ? STOPS['diverging-dark'] : STOPS[name];
}

export function buildLut(name: Colormap, dark: boolean): Uint32Array {
  const stops = colormapStops(name, dark).map(hex);
  const lut = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (stops.length - 1);
    const k = Math.min(stops.length - 2, Math.floor(t));
    const f = t - k;
    const [r, g, b] = [0, 1, 2].map((c) => Math.round(stops[k][c] + f * (stops[k + 1][c] - stops[k][c])));
    lut[i] = (0xff << 24) | (b << 16) | (g << 8) | r;
  }
  return lut;
}

export function lutToCss(lut: Uint32Array, i: number): string {
  const v = lut[i];
  return `rgb(${v & 0xff}, ${(v >>> 8) & 0xff}, ${(v >>> 16) & 0xff})`;
}
