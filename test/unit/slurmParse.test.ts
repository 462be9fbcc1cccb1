/**
 * The SLURM executor's parsers on outputs captured from a real cluster (slurm 22.05.8, the localhost cluster of
 * test/slurm/): test/fixtures/slurm/squeue_*.txt are `squeue -h -t all -j ID -o '%i|%T|%r|%j'` of
 *   mixed:                   array 0-5%2: task 0 done, task 1 exit 3, task 2 running, 3-5 pending (one record)
 *   mixed_cancelled:         the same after scancel (task 2 killed, the pending remainder cancelled as one record)
 *   never_started_cancelled: array 1,3,5-7,9%1 cancelled while task 1 ran
 *   timeout:                 --time=1 exceeded (the script trapped SIGTERM and exited 0: still TIMEOUT)
 * and scontrol_show_config.txt is `scontrol show config` of that cluster.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FIXTURES } from './helpers';
import {
  formatArrayIndices, killWaitOf, maxArraySizeOf, parseArrayIndices, parseSbatchParsable, parseScontrolConfig,
  parseTaskLines, splitArray, taskStateOf, tasksFromRecords,
} from '../../src/sweeps/slurmParse';
import { SlurmExecutor, splitSbatchArgs } from '../../src/sweeps/slurmExecutor';
import { resolveSweep, SweepError } from '../../src/sweeps/spec';

const captured = (name: string) => readFileSync(path.join(FIXTURES, 'slurm', name), 'utf8');
const sub = (job_id: string, indices: number[], offset = 0) => ({ job_id, indices, offset, job_name: 'rl-sweep-demo' });
const obj = (m: Map<number, string>) => Object.fromEntries([...m].sort((a, b) => a[0] - b[0]));

test('squeue of a running array: completed, failed, running and the pending remainder as one record', () => {
  const recs = parseTaskLines(captured('squeue_mixed.txt'));
  assert.deepEqual(recs.map((r) => [r.job_id, r.task_ids, r.slurm_state, r.detail, r.job_name]), [
    ['10', [0], 'COMPLETED', 'None', 'rl-sweep-demo'],
    ['10', [1], 'FAILED', 'NonZeroExitCode', 'rl-sweep-demo'],
    ['10', [3, 4, 5], 'PENDING', 'Resources', 'rl-sweep-demo'],
    ['10', [2], 'RUNNING', 'None', 'rl-sweep-demo'],
  ]);
  assert.deepEqual(obj(tasksFromRecords([sub('10', [0, 1, 2, 3, 4, 5])], recs)),
    { 0: 'completed', 1: 'failed', 2: 'running', 3: 'queued', 4: 'queued', 5: 'queued' });
});

test('squeue after scancel: the running task and the never-started remainder are cancelled', () => {
  const tasks = tasksFromRecords([sub('10', [0, 1, 2, 3, 4, 5])], parseTaskLines(captured('squeue_mixed_cancelled.txt')));
  assert.deepEqual(obj(tasks), { 0: 'completed', 1: 'failed', 2: 'cancelled', 3: 'cancelled', 4: 'cancelled', 5: 'cancelled' });
  const sparse = tasksFromRecords([sub('14', [1, 3, 5, 6, 7, 9])], parseTaskLines(captured('squeue_never_started_cancelled.txt')));
  assert.deepEqual(obj(sparse), { 1: 'cancelled', 3: 'cancelled', 5: 'cancelled', 6: 'cancelled', 7: 'cancelled', 9: 'cancelled' });
});

test('squeue of a task past its time limit: timeout', () => {
  const recs = parseTaskLines(captured('squeue_timeout.txt'));
  assert.deepEqual(recs, [{ job_id: '9', task_ids: [0], slurm_state: 'TIMEOUT', detail: 'TimeLimit', job_name: 'trapjob.sh' }]);
  // the job name is checked only when we recorded one
  assert.deepEqual(obj(tasksFromRecords([{ job_id: '9', indices: [0], offset: 0 }], recs)), { 0: 'timeout' });
  assert.deepEqual(obj(tasksFromRecords([sub('9', [0])], recs)), {}, 'another job under a reused id is not ours');
});

test('only the latest submission of an index counts; offsets map array task ids to sweep indices', () => {
  const recs = parseTaskLines('20_0|TIMEOUT|TimeLimit|rl-sweep-demo\n20_1|COMPLETED|None|rl-sweep-demo\n21_[0-1]|PENDING|None|rl-sweep-demo\n');
  const tasks = tasksFromRecords([sub('20', [0, 1]), sub('21', [1000, 1001], 1000), sub('22', [0])], recs);
  // index 0 was resubmitted as job 22, which squeue does not know yet: no stale 'timeout' from job 20
  assert.deepEqual(obj(tasks), { 1: 'completed', 1000: 'queued', 1001: 'queued' });
});

test('sacct -X -P lines (accounting clusters): "CANCELLED by 0", exit codes, a cancelled pending range', () => {
  const recs = parseTaskLines('31_0|COMPLETED|0:0|rl-sweep-demo\n31_1|FAILED|2:0|rl-sweep-demo\n31_2|CANCELLED by 0|0:15|rl-sweep-demo\n' +
    '31_[3-5%2]|CANCELLED by 0|0:0|rl-sweep-demo\n31_6|TIMEOUT|0:0|rl-sweep-demo\n31_7|OUT_OF_MEMORY|0:125|rl-sweep-demo\n');
  assert.deepEqual(obj(tasksFromRecords([sub('31', [0, 1, 2, 3, 4, 5, 6, 7])], recs)), {
    0: 'completed', 1: 'failed', 2: 'cancelled', 3: 'cancelled', 4: 'cancelled', 5: 'cancelled', 6: 'timeout', 7: 'failed',
  });
  assert.equal(recs[1].detail, '2:0');
});

test('every SLURM state word maps; unknown words do not', () => {
  assert.equal(taskStateOf('PENDING'), 'queued');
  assert.equal(taskStateOf('COMPLETING'), 'running');
  assert.equal(taskStateOf('PREEMPTED'), 'cancelled');
  assert.equal(taskStateOf('NODE_FAIL'), 'failed');
  assert.equal(taskStateOf('DEADLINE'), 'timeout');
  assert.equal(taskStateOf('CANCELLED+'), 'cancelled');
  assert.equal(taskStateOf('WHATEVER'), undefined);
});

test('array index expressions: parse, format, split at MaxArraySize', () => {
  assert.deepEqual(parseArrayIndices('[3,5-7,9%1]'), [3, 5, 6, 7, 9]);
  assert.deepEqual(parseArrayIndices('0-9:4'), [0, 4, 8]);
  assert.throws(() => parseArrayIndices('3-1'), /bad array index range/);
  assert.throws(() => parseArrayIndices('a'), /bad array index expression/);
  assert.equal(formatArrayIndices([9, 0, 1, 2, 3, 7, 10, 3]), '0-3,7,9-10');
  assert.equal(formatArrayIndices([5]), '5');
  assert.deepEqual(splitArray([0, 1, 1000, 1001, 2500], 1001), [
    { offset: 0, task_ids: [0, 1, 1000] },
    { offset: 1001, task_ids: [0] },
    { offset: 2002, task_ids: [498] },
  ]);
  for (const list of [[0, 1, 2, 5], [7, 8, 12, 13, 14, 99]]) assert.deepEqual(parseArrayIndices(formatArrayIndices(list)), list);
});

test('sbatch --parsable and scontrol show config', () => {
  assert.equal(parseSbatchParsable('1234\n'), '1234');
  assert.equal(parseSbatchParsable('1234;cluster2\n'), '1234');
  assert.throws(() => parseSbatchParsable('sbatch: error: Batch job submission failed\n'), /no job id/);
  const config = parseScontrolConfig(captured('scontrol_show_config.txt'));
  assert.equal(maxArraySizeOf(config), 1001);
  assert.equal(killWaitOf(config), 5);
  assert.equal(config.get('SLURM_VERSION'), '22.05.8');
  assert.equal(maxArraySizeOf(new Map()), 1001);
});

test('the batch script: options as #SBATCH lines, the trainer exec\'d with the array task id plus the offset', () => {
  const sweep = resolveSweep({ task: 'copy', T: 30, N: 8, updates: 10, inits: ['chain:1.02'], seeds: 2 }, { id: 'demo' });
  const ex = new SlurmExecutor({
    partition: 'short', time: '0:30:00', cpusPerTask: 2, mem: '2G', maxParallel: 4, extraArgs: splitSbatchArgs('--account=abc "--comment=a b"'),
    nodePath: '/opt/node 20/bin/node', cliPath: '/opt/rl/dist/cli.js',
  });
  const script = ex.batchScript('/scratch/sw', sweep, '0-1%4', 'rl-demo');
  const directives = script.split('\n').filter((l) => l.startsWith('#SBATCH')).map((l) => l.slice(8));
  assert.deepEqual(directives, ['--job-name=rl-demo', '--array=0-1%4', '--output=/scratch/sw/slurm/out/%A_%a.out', '--cpus-per-task=2',
    '--time=0:30:00', '--mem=2G', '--partition=short', '--account=abc', '"--comment=a b"']);
  assert.match(script, /^exec '\/opt\/node 20\/bin\/node' \/opt\/rl\/dist\/cli\.js train --sweep \/scratch\/sw --index "\$\(\(SLURM_ARRAY_TASK_ID \+ offset\)\)" --threads 2 --quiet$/m);
  assert.match(script, /^offset=\$\{1:-0\}$/m);
});

test('SLURM options are checked before anything is submitted', () => {
  assert.throws(() => new SlurmExecutor({ time: '1h' }), (e: Error) => e instanceof SweepError && /--time "1h" is not a SLURM time/.test(e.message));
  assert.throws(() => new SlurmExecutor({ mem: '2 GB' }), /--mem "2 GB"/);
  assert.throws(() => new SlurmExecutor({ partition: 'a b' }), /--partition "a b"/);
  assert.throws(() => new SlurmExecutor({ maxParallel: 0 }), /--concurrency must be a whole number ≥ 1/);
  assert.throws(() => new SlurmExecutor({ extraArgs: ['account=x'] }), /sbatch argument "account=x" must be an option/);
  for (const time of ['30', '30:00', '1:00:00', '2-0', '2-12:00', '2-12:00:00']) assert.doesNotThrow(() => new SlurmExecutor({ time }));
  assert.deepEqual(splitSbatchArgs(`--qos=long  --comment='x y' --x="a b"c`), ['--qos=long', '--comment=x y', '--x=a bc']);
  assert.deepEqual(splitSbatchArgs('   '), []);
});
