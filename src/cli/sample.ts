/**
 * `recurrent-lens sample RUN_DIR|CHECKPOINT [--prompt TEXT] [--length N] [--temperature T] [--seed S] [--json]`:
 * text from a language model (task charlm) checkpoint, written as it is generated (src/core/train/sample.ts).
 */
import { CheckpointError } from '../core/tensor';
import { checkSampleOptions, loadLanguageModel, sampleText, SAMPLE_DEFAULTS, SAMPLE_MAX_LENGTH } from '../core/train/sample';
import { intOption, numberText, parseArgs, UsageError } from './args';

export async function sampleCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { flags: ['json'], options: ['prompt', 'length', 'temperature', 'seed'] });
  const target = args.positional(0, 'RUN_DIR or CHECKPOINT (a charlm run folder, a checkpoint folder or its model.json)');
  const t = args.option('temperature');
  let options;
  try {
    options = checkSampleOptions({
      prompt: args.option('prompt'),
      length: intOption(args, 'length', SAMPLE_DEFAULTS.length, 1, SAMPLE_MAX_LENGTH),
      temperature: t === undefined ? undefined : numberText(t, 'temperature', false),
      seed: intOption(args, 'seed', SAMPLE_DEFAULTS.seed, 0, Number.MAX_SAFE_INTEGER),
    });
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--${(e as Error).message}`);
  }
  const model = await loadLanguageModel(target);
  const json = args.flag('json');
  const started = performance.now();
  let result;
  try {
    // The prompt is read before the first character is written: one it cannot read is one line, not half a sample.
    result = sampleText(model, { ...options, onChunk: json ? undefined : (text) => process.stdout.write(text) });
  } catch (e) {
    if (e instanceof RangeError) throw new CheckpointError(model.file, `--prompt: ${e.message}`);
    throw e;
  }
  const ms = performance.now() - started;
  if (json) {
    process.stdout.write(JSON.stringify({
      text: result.text, prompt: options.prompt, length: result.length, temperature: options.temperature, seed: options.seed,
      checkpoint: model.file, update: model.update, cell: model.cell, N: model.N, vocab_size: model.vocab.length, ms: Math.round(ms * 10) / 10,
    }) + '\n');
  } else process.stdout.write('\n');
}
