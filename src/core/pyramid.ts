/**
 * Max-magnitude pyramid of a matrix, like a texture's mipmaps: level L has one value per 2^L × 2^L block,
 * the block's value of largest magnitude (NaN wins), so zoomed-out views and overviews of big matrices never
 * hide a large or bad weight. Used by the worker (overviews sent ahead of full data) and the heatmap.
 */
export interface Grid {
  rows: number;
  cols: number;
  data: Float32Array;
}

export function halve(src: Grid): Grid {
  const { rows, cols, data } = src;
  const r2 = Math.ceil(rows / 2), c2 = Math.ceil(cols / 2);
  const out = new Float32Array(r2 * c2);
  for (let i = 0; i < r2; i++) {
    const a = 2 * i * cols;
    const hasB = 2 * i + 1 < rows;
    for (let j = 0; j < c2; j++) {
      const c = a + 2 * j;
      const hasR = 2 * j + 1 < cols;
      // Missing neighbours at odd edges repeat the block's first value.
      const v0 = data[c];
      const v1 = hasR ? data[c + 1] : v0;
      const v2 = hasB ? data[c + cols] : v0;
      const v3 = hasB && hasR ? data[c + cols + 1] : v0;
      let best = v0;
      if (Math.abs(v1) > Math.abs(best)) best = v1;
      if (Math.abs(v2) > Math.abs(best)) best = v2;
      if (Math.abs(v3) > Math.abs(best)) best = v3;
      // NaN compares false above, so check it explicitly: a bad weight must stay visible.
      out[i * c2 + j] = v0 !== v0 || v1 !== v1 || v2 !== v2 || v3 !== v3 ? NaN : best;
    }
  }
  return { rows: r2, cols: c2, data: out };
}

/** The first level whose larger side is at most `maxSide`, and the grid at that level. */
export function overview(base: Grid, maxSide: number): { level: number; grid: Grid } {
  let grid = base, level = 0;
  while (Math.max(grid.rows, grid.cols) > maxSide) {
    grid = halve(grid);
    level++;
  }
  return { level, grid };
}
