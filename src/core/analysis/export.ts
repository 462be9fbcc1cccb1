/**
 * Analysis results as files: CSV in long ("tidy") form — one value per row, loads straight into pandas or R —
 * and JSON with every array as a list.
 */
import type { AnalysisPayload } from './types';
import { csvField } from '../csv';

const NUMBER_FIELDS: [keyof AnalysisPayload['numbers'], string][] = [
  ['n', 'n'], ['spectralRadius', 'spectral_radius'], ['sigmaMax', 'sigma_max'], ['sigmaMin', 'sigma_min'],
  ['frobenius', 'frobenius'], ['henrici', 'henrici'], ['henriciNormalized', 'henrici_normalized'], ['jTot', 'j_tot'],
  ['schurResidual', 'schur_residual'], ['schurOrthogonality', 'schur_orthogonality'], ['maxCondition', 'max_condition'],
];

function num(v: number): string {
  return Number.isFinite(v) ? String(v) : v > 0 ? 'inf' : v < 0 ? '-inf' : 'nan';
}

export function analysisToCsv(r: AnalysisPayload): string {
  const rows: string[] = ['quantity,index,value'];
  const add = (q: string, i: number | '', v: number) => rows.push(`${q},${i},${num(v)}`);
  for (const [key, name] of NUMBER_FIELDS) add(name, '', r.numbers[key]);
  r.memory.J.forEach((v, k) => add('J', k, v));
  r.transient.forEach((v, k) => add('transient_norm', k, v));
  r.singularValues.forEach((v, k) => add('singular_value', k, v));
  r.eigRe.forEach((v, k) => {
    add('eigenvalue_re', k, v);
    add('eigenvalue_im', k, r.eigIm[k]);
    add('eigenvalue_condition', k, r.eigCondition[k]);
  });
  r.motif.offsets.forEach((o, k) => add('motif_profile', o, r.motif.profile[k]));
  // Gate blocks: every block's profile under the cell's ordering, e.g. gate_motif_f (index = offset i − j).
  const g = r.gateMotifs?.result;
  if (g) for (const gate of g.gates) g.offsets.forEach((o, k) => add(`gate_motif_${gate}`, o, g.blocks[gate].profile[k] ?? NaN));
  return `# ${csvField(r.title)}\n` + rows.join('\n') + '\n';
}

export function analysisToJson(r: AnalysisPayload): string {
  const lists = (o: unknown): unknown =>
    ArrayBuffer.isView(o) ? Array.from(o as unknown as ArrayLike<number>, (v) => (Number.isFinite(v) ? v : String(v)))
      : Array.isArray(o) ? o.map(lists)
        : o && typeof o === 'object' ? Object.fromEntries(Object.entries(o).map(([k, v]) => [k, lists(v)]))
          : typeof o === 'number' && !Number.isFinite(o) ? String(o)
            : o;
  const { schurT: _t, matrix: _m, ...rest } = r;
  return JSON.stringify(lists(rest), null, 1) + '\n';
}
