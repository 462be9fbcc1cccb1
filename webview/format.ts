/** Number formatting shared by every webview. */
export function fmt(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined) return '—';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(digits - 1).replace('-', '−');
  return Number(v.toPrecision(digits)).toString().replace('-', '−');
}

/** LSTM / GRU recurrent gate blocks by their Keras names (src/core/init/gated.ts), as the panels call them. */
export const GATE_LONG: Record<string, string> = { i: 'input gate i', f: 'forget gate f', c: 'cell update c', o: 'output gate o', z: 'update gate z', r: 'reset gate r', h: 'candidate h' };

export function fmtCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    // CSSOM, not the style attribute, which the webview's CSP forbids.
    else if (k === 'style') e.style.cssText = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}
