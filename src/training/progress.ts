/** A cancellable progress notification for runs just started (one run, or a sweep), and a word when they end. */
import * as vscode from 'vscode';
import type { RunView } from '../shared/protocol';
import type { RunManager } from '../runs/runManager';
import { fmtLoss, progressLine } from './runsView';
import { countRuns } from '../runs/runNames';

const ACTIVE = new Set(['queued', 'running']);

function fraction(run: RunView): number {
  if (!ACTIVE.has(run.state)) return 1;
  return run.updates > 0 ? Math.min(1, run.update / run.updates) : 0;
}

function message(runs: RunView[], limit: number): string {
  if (runs.length === 1) {
    const r = runs[0];
    if (r.state === 'queued') return `queued: ${countRuns(limit)} at a time (recurrentLens.training.maxConcurrentRuns)`;
    return progressLine(r);
  }
  const done = runs.filter((r) => !ACTIVE.has(r.state)).length;
  const running = runs.filter((r) => r.state === 'running').length;
  return `${done} of ${runs.length} finished · ${running} running`;
}

/** Shows the notification until every run is settled; cancel stops them (they stay resumable). */
export function showProgress(manager: RunManager, ids: string[], title: string, limit: () => number): void {
  let cancelled = false;
  void vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, token) => {
      token.onCancellationRequested(() => {
        cancelled = true;
        for (const id of ids) if (manager.get(id)) manager.stop(id);
      });
      let reported = 0;
      const report = () => {
        const runs = ids.map((id) => manager.get(id)).filter((r): r is RunView => !!r);
        if (!runs.length) return;
        const pct = (100 * runs.reduce((s, r) => s + fraction(r), 0)) / ids.length;
        progress.report({ increment: Math.max(0, pct - reported), message: message(runs, limit()) });
        reported = Math.max(reported, pct);
      };
      const sub = manager.onDidChangeRun((r) => ids.includes(r.id) && report());
      report();
      try {
        return await Promise.all(ids.map((id) => manager.whenSettled(id)));
      } finally {
        sub.dispose();
      }
    },
  ).then((results) => {
    const runs = results.filter((r) => manager.get(r.id));
    if (runs.length) void announce(runs, cancelled);
  });
}

/** The outcome, with the next useful actions as buttons. */
async function announce(runs: RunView[], cancelled: boolean): Promise<void> {
  if (runs.length > 1) {
    const count = (s: string) => runs.filter((r) => r.state === s).length;
    const parts = [`${count('completed')} completed (${runs.filter((r) => r.succeeded).length} succeeded)`];
    for (const s of ['diverged', 'failed', 'stopped', 'interrupted']) if (count(s)) parts.push(`${count(s)} ${s}`);
    // Queued runs of a stopped sweep go back to never started.
    if (count('pending')) parts.push(`${count('pending')} not started`);
    const pick = await vscode.window.showInformationMessage(`Sweep of ${runs.length} runs: ${parts.join(', ')}.`, 'Show Runs');
    if (pick) await vscode.commands.executeCommand('recurrentLens.runs.focus');
    return;
  }
  const r = runs[0];
  const actions: Record<string, string> = {
    'Show Curves': 'recurrentLens.showTrainingCurves', 'Open Checkpoint': 'recurrentLens.openLatestCheckpoint',
    'Show Log': 'recurrentLens.showRunLog', Resume: 'recurrentLens.resumeRun',
  };
  // A language model succeeds below its text's unigram entropy (the baseline itself), the toy tasks below half theirs.
  const line = r.baseline !== null ? ` (success: below ${fmtLoss(r.config.task === 'charlm' ? r.baseline : r.baseline / 2)})` : '';
  let pick: string | undefined;
  switch (r.state) {
    case 'completed':
      pick = await vscode.window.showInformationMessage(
        `${r.label} ${r.succeeded ? 'succeeded' : 'completed'}: validation loss ${fmtLoss(r.valLoss)}${line}.`, 'Show Curves', 'Open Checkpoint');
      break;
    case 'stopped':
      if (cancelled) return;
      pick = await vscode.window.showInformationMessage(`${r.label} stopped at update ${r.update}; Resume continues from its checkpoint.`, 'Resume', 'Show Curves');
      break;
    case 'diverged':
      pick = await vscode.window.showWarningMessage(`${r.label} diverged at update ${r.update} (the loss was no longer finite).`, 'Show Curves', 'Show Log');
      break;
    case 'failed':
      pick = await vscode.window.showErrorMessage(`${r.label} failed: ${(r.error ?? 'unknown error').split('\n')[0]}`, 'Show Log');
      break;
    default:
      return;
  }
  if (pick) await vscode.commands.executeCommand(actions[pick], r.id);
}
