import type { AnalysisOptions, AnalysisPart, AnalysisPayload, MatrixSource } from '../shared/protocol';
import { KindedError } from '../core/errors';
import type { WorkerClient } from './workerClient';

/** The two worker threads of the extension: the reader parses checkpoints, the analyst computes. */
export interface AnalysisWorkers {
  reader: WorkerClient;
  analyst: WorkerClient;
}

/**
 * An analysis of a matrix. A checkpoint's tensor comes from the reader's parse of its file (the one the inspector
 * showed, held in the reader's cache) and crosses to the analyst as a typed array: the file is read once. Cancelling
 * stops it at any point; the result then rejects with kind `cancelled`. `onPart`: each part of the result as soon as
 * the analyst has it (AnalysisPart, in ANALYSIS_PART_ORDER), before the result (their merge).
 */
export function startAnalysis(
  workers: AnalysisWorkers, source: MatrixSource, options: AnalysisOptions, onPart?: (part: AnalysisPart) => void,
): { result: Promise<AnalysisPayload>; cancel(): void } {
  let cancelled = false;
  let job: { cancel(): void } | undefined;
  const result = (async () => {
    const matrix = source.kind === 'tensor' ? await workers.reader.request({ op: 'square', file: source.file, key: source.key }) : undefined;
    if (cancelled) throw new KindedError({ kind: 'cancelled', message: 'cancelled' });
    const running = workers.analyst.cancellable({ op: 'analyze', source, options, ...(matrix ? { matrix } : {}) }, onPart ? { onPartial: onPart } : undefined);
    job = running;
    return running.result;
  })();
  return { result, cancel: () => { cancelled = true; job?.cancel(); } };
}
