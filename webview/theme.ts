/** The editor's colour theme as the webviews need it: background, dark or light, packed pixel colours. */
import { resolveColor } from './export';

export function backgroundColor(): string {
  return getComputedStyle(document.body).getPropertyValue('--vscode-editor-background').trim() || '#ffffff';
}

/** Dark and high-contrast-dark themes, read from the background itself (works for every theme kind). */
export function isDark(): boolean {
  const m = resolveColor(backgroundColor()).match(/\d+(\.\d+)?/g);
  if (!m) return document.body.classList.contains('vscode-dark');
  const [r, g, b] = m.map(Number);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 128;
}

/** A CSS colour as a little-endian RGBA word for ImageData. */
export function cssToRgba(color: string): number {
  const probe = document.createElement('canvas').getContext('2d')!;
  probe.fillStyle = color || '#1e1e1e';
  probe.fillRect(0, 0, 1, 1);
  const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
  return ((0xff << 24) | (b << 16) | (g << 8) | r) >>> 0;
}
