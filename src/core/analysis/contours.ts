/**
 * Contour lines of a function sampled on a regular grid, by marching squares. Pure TypeScript (no DOM): the
 * analysis panel draws ε-pseudospectra with it, the level sets log10 σ_min(zI − W) = log10 ε.
 *
 * Grid convention: `values` is row-major over ny rows × nx columns, `values[y * nx + x]`; the returned points are
 * in grid coordinates, x ∈ [0, nx − 1] (column), y ∈ [0, ny − 1] (row), interpolated linearly along cell edges.
 */

/** A point in grid coordinates: [x (column), y (row)], fractional. */
export type Point = [number, number];

/**
 * A contour polyline. A closed ring repeats its first point at its end (`isClosed`); an open line ends on the
 * grid's border or next to a cell with a non-finite corner.
 */
export type Polyline = Point[];

export function isClosed(line: Polyline): boolean {
  if (line.length < 3) return false;
  const a = line[0], b = line[line.length - 1];
  return a[0] === b[0] && a[1] === b[1];
}

/**
 * The polylines where the sampled function crosses `level`. A corner counts as inside when its value is ≥ level;
 * cells with a NaN or infinite corner are skipped (the lines stop there). Saddle cells (diagonally opposite corners
 * on the same side) are resolved by the cell-centre average, the usual asymptotic-decider shortcut, so contours
 * never cross each other and never depend on the traversal order.
 */
export function contourLines(values: ArrayLike<number>, nx: number, ny: number, level: number): Polyline[] {
  if (!Number.isInteger(nx) || !Number.isInteger(ny) || nx < 0 || ny < 0) throw new RangeError(`contourLines: bad grid ${nx}×${ny}`);
  if (values.length < nx * ny) throw new RangeError(`contourLines: ${values.length} values for a ${nx}×${ny} grid`);
  if (nx < 2 || ny < 2 || !Number.isFinite(level)) return [];

  // Crossing points by edge id: horizontal edge (x, y)–(x+1, y) → 2·(y·nx + x); vertical (x, y)–(x, y+1) → +1.
  const points = new Map<number, Point>();
  const edgePoint = (id: number): number => {
    if (points.has(id)) return id;
    const k = id >> 1, x = k % nx, y = (k - x) / nx;
    const a = values[k];
    const b = id & 1 ? values[k + nx] : values[k + 1];
    const t = b === a ? 0.5 : Math.min(1, Math.max(0, (level - a) / (b - a)));
    points.set(id, id & 1 ? [x, y + t] : [x + t, y]);
    return id;
  };

  // Segments as pairs of edge ids; at most two segments meet at an edge (the two cells sharing it).
  const segA: number[] = [], segB: number[] = [];
  const add = (e1: number, e2: number) => { segA.push(edgePoint(e1)); segB.push(edgePoint(e2)); };

  for (let y = 0; y < ny - 1; y++) {
    for (let x = 0; x < nx - 1; x++) {
      const k = y * nx + x;
      const v00 = values[k], v10 = values[k + 1], v01 = values[k + nx], v11 = values[k + nx + 1];
      if (!(Number.isFinite(v00) && Number.isFinite(v10) && Number.isFinite(v01) && Number.isFinite(v11))) continue;
      const code = (v00 >= level ? 1 : 0) | (v10 >= level ? 2 : 0) | (v11 >= level ? 4 : 0) | (v01 >= level ? 8 : 0);
      if (code === 0 || code === 15) continue;
      const bottom = 2 * k, top = 2 * (k + nx), left = 2 * k + 1, right = 2 * (k + 1) + 1;
      if (code === 5 || code === 10) {
        // The centre's side joins its two corners through the cell; the segments cut off the other two corners.
        const centreInside = (v00 + v10 + v01 + v11) / 4 >= level;
        const cutOff00and11 = (code === 5) !== centreInside;
        if (cutOff00and11) { add(bottom, left); add(right, top); } else { add(bottom, right); add(top, left); }
        continue;
      }
      const crossed: number[] = [];
      if ((code & 1) !== ((code >> 1) & 1)) crossed.push(bottom);
      if (((code >> 1) & 1) !== ((code >> 2) & 1)) crossed.push(right);
      if (((code >> 2) & 1) !== ((code >> 3) & 1)) crossed.push(top);
      if (((code >> 3) & 1) !== (code & 1)) crossed.push(left);
      add(crossed[0], crossed[1]);
    }
  }

  // Join segments that share an edge point into polylines.
  const byEdge = new Map<number, number[]>();
  for (let s = 0; s < segA.length; s++) {
    for (const e of [segA[s], segB[s]]) {
      const list = byEdge.get(e);
      if (list) list.push(s); else byEdge.set(e, [s]);
    }
  }
  const used = new Uint8Array(segA.length);
  const walk = (from: number, out: number[]): boolean => {
    let cur = from;
    for (;;) {
      const next = byEdge.get(cur)!.find((s) => !used[s]);
      if (next === undefined) return false;
      used[next] = 1;
      cur = segA[next] === cur ? segB[next] : segA[next];
      out.push(cur);
      if (cur === out[0]) return true;
    }
  };
  const lines: Polyline[] = [];
  for (let s = 0; s < segA.length; s++) {
    if (used[s]) continue;
    used[s] = 1;
    const forward = [segA[s], segB[s]];
    const closed = walk(segB[s], forward);
    let ids = forward;
    if (!closed) {
      const backward = [segA[s]];
      walk(segA[s], backward);
      ids = backward.reverse().concat(forward.slice(1));
    }
    lines.push(ids.map((id) => { const p = points.get(id)!; return [p[0], p[1]] as Point; }));
  }
  return lines;
}

/** A fractional grid index mapped to the axis' value (linear between samples, extrapolated at the ends). */
export function axisValue(axis: ArrayLike<number>, t: number): number {
  const n = axis.length;
  if (n === 0) return NaN;
  if (n === 1) return axis[0];
  const i = Math.min(n - 2, Math.max(0, Math.floor(t)));
  return axis[i] + (t - i) * (axis[i + 1] - axis[i]);
}

/**
 * Contour levels for a pseudospectrum plot: the exponents e of ε = 10^e (e ≤ `top`, default −1) strictly inside
 * (log10 min, log10 max) of the data, from the largest ε down, thinned to every k-th decade so that at most `max`
 * remain. Exponents below −15 are left out: σ_min there is at the level of float64 rounding.
 */
export function pseudospectrumLevels(values: ArrayLike<number>, max = 6, top = -1): number[] {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v > 0) || !Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi > 0)) return [];
  const lhi = Math.log10(hi), llo = lo > 0 ? Math.log10(lo) : -Infinity;
  const exps: number[] = [];
  for (let e = Math.min(top, Math.ceil(lhi) - 1); e >= -15 && e > llo; e--) if (e < lhi) exps.push(e);
  if (exps.length <= max) return exps;
  const step = Math.ceil(exps.length / max);
  return exps.filter((_, i) => i % step === 0);
}
