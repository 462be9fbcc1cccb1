/**
 * Henrici's departure from normality (docs/science.md §4):
 *
 *   d(W) = sqrt(‖W‖_F² − Σ|λ_i|²) = ‖strictly upper part of the complex Schur form of W‖_F.
 *
 * Never computed as the difference above (catastrophic cancellation for nearly normal W). Instead:
 *
 * 1. Exact structure first. The eigenvalues of W are those of the diagonal blocks of its Frobenius normal form:
 *    the strongly connected components (SCCs) of the graph j → i (W[i][j] ≠ 0) ordered topologically make
 *    P W Pᵀ block upper triangular. A block-diagonal unitary that triangularizes each diagonal block leaves the
 *    off-diagonal blocks' Frobenius norms unchanged, so
 *        d² = Σ_blocks d(B)² + Σ_{W[i][j] with i, j in different SCCs} W[i][j]².
 *    A chain is N singletons: d = α√(N−1) exactly, although a computed Schur form of a chain has spurious
 *    eigenvalues of modulus ≈ u^{1/N} ≈ 0.7 (a perturbed Jordan block).
 * 2. A block whose undirected graph is a tree with B[i][j]·B[j][i] > 0 on every edge (e.g. the feedback chain,
 *    any sign-symmetric tridiagonal) is diagonally similar to a symmetric matrix, so its spectrum is real and
 *    Σ|λ|² = Σλ² = tr(B²); then d(B)² = ‖B‖_F² − tr(B²) = ½‖B − Bᵀ‖_F² = Σ_{i<j} (B_ij − B_ji)², exact.
 *    (For the feedback chain this gives |0.99 − β|√(N−1), where a Schur form would not: its eigenvalues have
 *    condition numbers ~1e69 and come out with modulus 0.6–0.8 instead of ≤ 0.4.) Symmetric blocks give 0.
 * 3. Any other block: its real Schur form T (quasi-triangular, ../linalg/schur). Entries of T above the
 *    diagonal blocks carry over; a 2×2 block [a b; c d] with a complex pair contributes (a − d)² + (b + c)²
 *    (‖block‖_F² − 2|λ|² with |λ|² = ad − bc; (b + c)² in the standardized form a = d), one with two real
 *    eigenvalues (b − c)². For a normal W, T is block diagonal up to rounding, so d = O(u‖W‖_F·N), not O(√u).
 *
 * Caveat (inherent, not of the method): for generic dense non-normal W, d is as ill-conditioned as the
 * eigenvalues: the Schur form is exact for a W + E with ‖E‖ ~ u‖W‖, and d(W + E) can differ from d(W) by a lot
 * when W is close to defective (e.g. an orthogonally rotated chain).
 */
import { RealSchur, realSchur } from '../linalg/schur';
import { frobenius } from '../linalg/dense';

export interface Henrici {
  /** d(W). */
  absolute: number;
  /** d(W)/‖W‖_F ∈ [0, 1] (0 for W = 0). */
  normalized: number;
  /** ‖W‖_F. */
  frobenius: number;
  /**
   * How d was obtained: 'structure' (exact from the sparsity pattern and real-spectrum blocks, no eigenvalues
   * computed), 'schur' (from a real Schur form of all of W), 'mixed' (Schur forms of some irreducible blocks).
   */
  method: 'structure' | 'schur' | 'mixed';
}

export function henrici(W: Float64Array, n: number, schur?: RealSchur): Henrici {
  if (!Number.isInteger(n) || n < 0 || W.length < n * n) throw new RangeError(`henrici: need an N×N matrix (N = ${n})`);
  const fro = frobenius(W.subarray(0, n * n));
  if (!Number.isFinite(fro)) throw new Error('matrix has NaN or Inf entries');
  if (fro === 0) return { absolute: 0, normalized: 0, frobenius: 0, method: 'structure' };
  const comps = stronglyConnected(W, n);
  const compOf = new Int32Array(n);
  comps.forEach((c, k) => c.forEach((i) => (compOf[i] = k)));
  // Off-block entries, scaled sums of squares to stay safe for huge entries.
  const scale = fro;
  let d2 = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const w = W[i * n + j];
      if (w !== 0 && compOf[i] !== compOf[j]) d2 += (w / scale) ** 2;
    }
  }
  let usedSchur = 0;
  for (const c of comps) {
    if (c.length === 1) continue;
    const m = c.length;
    const B = new Float64Array(m * m);
    for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) B[a * m + b] = W[c[a] * n + c[b]] / scale;
    if (realSpectrumByStructure(B, m)) {
      for (let a = 0; a < m; a++) for (let b = a + 1; b < m; b++) d2 += (B[a * m + b] - B[b * m + a]) ** 2;
    } else {
      usedSchur++;
      const T = m === n && schur && schur.n === n ? scaled(schur.T, 1 / scale) : realSchur(B, m, { wantZ: false }).T;
      d2 += schurDeparture2(T, m);
    }
  }
  const absolute = scale * Math.sqrt(d2);
  const method = usedSchur === 0 ? 'structure' : comps.length === 1 ? 'schur' : 'mixed';
  return { absolute, normalized: Math.min(1, absolute / fro), frobenius: fro, method };
}

function scaled(A: Float64Array, f: number): Float64Array {
  // A loop, not Float64Array.from(A, fn): V8 runs the mapping form through the iterator protocol (0.6 s at N = 1024).
  const out = new Float64Array(A.length);
  for (let i = 0; i < A.length; i++) out[i] = A[i] * f;
  return out;
}

/** Squared Frobenius norm of the strictly upper part of the complex Schur form, from a real Schur form T. */
export function schurDeparture2(T: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const blockStart = i + 1 < n && T[(i + 1) * n + i] !== 0;
    // Row i: entries right of its diagonal block.
    for (let j = i + (blockStart ? 2 : 1); j < n; j++) s += T[i * n + j] ** 2;
    if (blockStart) {
      const a = T[i * n + i], b = T[i * n + i + 1], c = T[(i + 1) * n + i], d = T[(i + 1) * n + i + 1];
      const disc = ((a - d) / 2) ** 2 + b * c;
      s += disc < 0 ? (a - d) ** 2 + (b + c) ** 2 : (b - c) ** 2;
      // Row i+1: entries right of the block.
      for (let j = i + 2; j < n; j++) s += T[(i + 1) * n + j] ** 2;
      i++;
    }
  }
  return s;
}

/**
 * True when B (irreducible) is diagonally similar to a symmetric matrix by its sparsity and signs alone:
 * symmetric, or its undirected graph is a tree with B[i][j]·B[j][i] > 0 on every edge.
 */
function realSpectrumByStructure(B: Float64Array, m: number): boolean {
  let symmetric = true;
  let edges = 0;
  let signSymmetric = true;
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      const x = B[i * m + j], y = B[j * m + i];
      if (x !== y) symmetric = false;
      if (x !== 0 || y !== 0) {
        edges++;
        if (!(x * y > 0)) signSymmetric = false;
      }
    }
  }
  return symmetric || (signSymmetric && edges === m - 1);
}

/**
 * Strongly connected components of the graph with an edge j → i for every W[i][j] ≠ 0, i ≠ j (Tarjan,
 * iterative). Each component's indices are sorted ascending.
 */
export function stronglyConnected(W: Float64Array, n: number): number[][] {
  const adjStart = new Int32Array(n + 1);
  for (let j = 0; j < n; j++) {
    let c = 0;
    for (let i = 0; i < n; i++) if (i !== j && W[i * n + j] !== 0) c++;
    adjStart[j + 1] = adjStart[j] + c;
  }
  const adj = new Int32Array(adjStart[n]);
  for (let j = 0, p = 0; j < n; j++) for (let i = 0; i < n; i++) if (i !== j && W[i * n + j] !== 0) adj[p++] = i;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const comps: number[][] = [];
  const callNode = new Int32Array(n);
  const callEdge = new Int32Array(n);
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    let depth = 0;
    callNode[0] = root;
    callEdge[0] = adjStart[root];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    while (depth >= 0) {
      const v = callNode[depth];
      if (callEdge[depth] < adjStart[v + 1]) {
        const w = adj[callEdge[depth]++];
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          depth++;
          callNode[depth] = w;
          callEdge[depth] = adjStart[w];
        } else if (onStack[w]) {
          low[v] = Math.min(low[v], index[w]);
        }
      } else {
        if (low[v] === index[v]) {
          const comp: number[] = [];
          let w: number;
          do {
            w = stack.pop()!;
            onStack[w] = 0;
            comp.push(w);
          } while (w !== v);
          comp.sort((x, y) => x - y);
          comps.push(comp);
        }
        depth--;
        if (depth >= 0) {
          const u = callNode[depth];
          low[u] = Math.min(low[u], low[v]);
        }
      }
    }
  }
  return comps;
}
