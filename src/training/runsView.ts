/** The Runs view: one item per run (state icon, progress), its checkpoints as children. */
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { RunView } from '../shared/protocol';
import { RESUMABLE, type RunManager } from '../runs/runManager';
import { describeConfig, formatLr, resolved } from '../runs/runConfig';
import { CHECKPOINT_PREFIX, listCheckpoints } from '../core/train/checkpoint';
import { RUN_FILES } from '../core/train/trainer';
import { runLabels } from '../runs/runNames';
import type { MemberSummary, MemberState } from '../sweeps/types';
import type { SweepTracker, TrackedSweep } from './sweepTracker';
import { formatBytes } from '../core/tensor';


export const RUNS_VIEW_ID = 'recurrentLens.runs';

export type RunsNode =
  | { kind: 'sweep'; dir: string }
  | { kind: 'run'; id: string }
  | { kind: 'checkpoint'; runId: string; folder: string; update: number };

const STATE_WORD: Record<RunView['state'], string> = {
  queued: 'queued', running: 'running', completed: 'completed', stopped: 'stopped', diverged: 'diverged',
  failed: 'failed', interrupted: 'interrupted', pending: 'not started',
};

export function stateIcon(run: RunView): vscode.ThemeIcon {
  switch (run.state) {
    case 'queued': return new vscode.ThemeIcon('clock');
    case 'running': return new vscode.ThemeIcon('sync~spin');
    case 'completed': return run.succeeded
      ? new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed'))
      : new vscode.ThemeIcon('pass');
    case 'stopped': return new vscode.ThemeIcon('debug-stop');
    case 'diverged': return new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    case 'failed': return new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
    case 'interrupted': return new vscode.ThemeIcon('debug-disconnect', new vscode.ThemeColor('list.warningForeground'));
    case 'pending': return new vscode.ThemeIcon('circle-large-outline');
  }
}

/** Losses with 3 significant digits. */
export function fmtLoss(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? String(Number(v.toPrecision(3))) : v.toExponential(2);
}

/** One line of progress: `412/2000 · train 0.153 · val 0.149`. */
export function progressLine(run: RunView): string {
  const parts = [`${run.update}/${run.updates}`];
  if (run.trainLoss !== null) parts.push(`train ${fmtLoss(run.trainLoss)}`);
  if (run.valLoss !== null) parts.push(`val ${fmtLoss(run.valLoss)}`);
  return parts.join(' · ');
}

export function stateLine(run: RunView): string {
  if (run.state === 'completed') return run.succeeded ? 'succeeded' : 'completed, not below the success line';
  return STATE_WORD[run.state];
}

function tooltip(run: RunView, label: string): vscode.MarkdownString {
  const c = resolved(run.config);
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${escapeMd(label)}** — $(${stateIcon(run).id.replace('~spin', '')}) ${stateLine(run)}\n\n`);
  const rows: [string, string][] = [
    ['run', run.id],
    ['task', `${c.task}${c.task === 'psmnist' ? '' : `, T = ${c.T}`}`],
    ['network', `N = ${c.N}, ${c.activation}, ${c.init}`],
    ['training', `lr ${formatLr(c.lr!)}, batch ${c.batch}, seed ${c.seed}`],
    ['progress', `update ${run.update} of ${run.updates}${run.msPerUpdate ? `, ${run.msPerUpdate.toFixed(1)} ms/update` : ''}`],
    ['loss', `train ${fmtLoss(run.trainLoss)}, validation ${fmtLoss(run.valLoss)}, best ${fmtLoss(run.bestValLoss)}`],
  ];
  if (run.baseline !== null) {
    rows.push(['success', c.task === 'charlm' ? `validation below ${fmtLoss(run.baseline)} bpc (the text's unigram entropy)`
      : `validation below ${fmtLoss(run.baseline / 2)} (baseline ${fmtLoss(run.baseline)} / 2)`]);
  }
  if (run.checkpoint) rows.push(['checkpoint', run.checkpoint]);
  if (typeof run.diskBytes === 'number') rows.push(['disk', `${formatBytes(run.diskBytes)} (keep_checkpoints ${c.keep_checkpoints})`]);
  md.appendMarkdown('| | |\n|:--|:--|\n' + rows.map(([k, v]) => `| ${k} | ${escapeMd(v)} |`).join('\n') + '\n');
  if (run.error) md.appendMarkdown(`\n\n${run.state === 'failed' ? '$(error)' : '$(info)'} ${escapeMd(run.error.split('\n')[0])}`);
  if (run.state === 'interrupted') md.appendMarkdown('\n\nIts trainer process ended without finishing (the window closed?). Resume continues from the last checkpoint.');
  return md;
}

function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

/** Words the `when` clauses of the run menus test (`viewItem =~ /\brunning\b/`). */
export function contextValue(run: RunView): string {
  const words = ['run', run.state];
  if (RESUMABLE.includes(run.state)) words.push('resumable');
  if (run.state === 'queued' || run.state === 'running') words.push('stoppable');
  if (run.checkpoint) words.push('checkpoint');
  return words.join(' ');
}

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly subscriptions: vscode.Disposable[];
  private readonly nodes = new Map<string, RunsNode & { kind: 'run' }>();
  /** Names from the settings that differ between the listed runs (computed again when runs come or go). */
  private labels: Map<string, string> | undefined;

  private readonly sweepNodes = new Map<string, RunsNode & { kind: 'sweep' }>();

  constructor(private readonly manager: RunManager, private readonly sweeps?: SweepTracker) {
    this.subscriptions = [
      ...(sweeps ? [sweeps.onDidChange(() => this.emitter.fire(undefined))] : []),
      manager.onDidChangeRuns(() => {
        this.labels = undefined;
        this.emitter.fire(undefined);
      }),
      manager.onDidChangeRun((run) => {
        const node = this.nodes.get(run.id);
        this.emitter.fire(node);
      }),
    ];
  }

  /** The node of a run (the same object each time, as TreeView.reveal needs). */
  node(id: string): RunsNode & { kind: 'run' } {
    let n = this.nodes.get(id);
    if (!n) this.nodes.set(id, (n = { kind: 'run', id }));
    return n;
  }

  /** The node of a sweep group (the same object each time). */
  sweepNode(dir: string): RunsNode & { kind: 'sweep' } {
    let n = this.sweepNodes.get(dir);
    if (!n) this.sweepNodes.set(dir, (n = { kind: 'sweep', dir }));
    return n;
  }

  /** The name a run shows in the view (and pickers): see runLabels. */
  label(run: RunView): string {
    this.labels ??= runLabels(this.manager.list());
    return this.labels.get(run.id) ?? run.label;
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    if (node.kind === 'checkpoint') {
      const item = new vscode.TreeItem(`update ${node.update}`, vscode.TreeItemCollapsibleState.None);
      item.iconPath = new vscode.ThemeIcon('save');
      item.description = path.basename(node.folder);
      item.tooltip = `Open ${node.folder}/model.json of ${node.runId} in the Matrix Inspector`;
      item.contextValue = 'checkpoint';
      item.command = { command: 'recurrentLens.openCheckpoint', title: 'Open Checkpoint', arguments: [node] };
      return item;
    }
    if (node.kind === 'sweep') return this.sweepItem(node);
    const run = this.manager.get(node.id);
    const member = run?.sweep || !run ? this.sweeps?.member(node.id) : undefined;
    const sweep = member && this.sweeps?.sweepOfRun(node.id);
    // A SLURM member (its trainer runs elsewhere) or one whose folder is not there yet: the merged member state.
    if (member && sweep && (sweep.executor === 'slurm' || !run)) return memberItem(node, member, run);
    if (!run) return new vscode.TreeItem(node.id);
    const label = member ? memberLabel(member) : this.label(run);
    const item = new vscode.TreeItem(label, run.checkpoint ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = run.id;
    item.iconPath = stateIcon(run);
    item.description = run.state === 'running' || run.state === 'queued' || run.update === 0
      ? `${STATE_WORD[run.state]} · ${progressLine(run)}`
      : `${stateLine(run).split(',')[0]} · ${progressLine(run)}`;
    if (typeof run.diskBytes === 'number') item.description += ` · ${formatBytes(run.diskBytes)}`;
    const tip = tooltip(run, label);
    if (run.config.name) tip.appendMarkdown(`\n\n${escapeMd(describeConfig(run.config))}`);
    item.tooltip = tip;
    item.contextValue = contextValue(run);
    item.accessibilityInformation = { label: `${label}, ${stateLine(run)}, ${progressLine(run)}` };
    item.command = { command: 'recurrentLens.showTrainingCurves', title: 'Show Training Curves', arguments: [node] };
    return item;
  }

  async getChildren(node?: RunsNode): Promise<RunsNode[]> {
    if (!node) {
      await this.manager.ready;
      await this.sweeps?.ready;
      const groups = [...(this.sweeps?.list() ?? []), ...(this.sweeps?.broken() ?? [])].map((s) => this.sweepNode(s.dir));
      return [...groups, ...this.manager.list().filter((r) => !r.sweep).map((r) => this.node(r.id))];
    }
    if (node.kind === 'sweep') {
      const s = this.sweeps?.get(node.dir);
      return s ? s.sweep.members.map((m) => this.node(`${s.sweep.id}/${m.name}`)) : [];
    }
    if (node.kind !== 'run') return [];
    const run = this.manager.get(node.id);
    if (!run) return [];
    return runCheckpoints(run.dir).then((cks) => cks.reverse().map((c) => ({ kind: 'checkpoint', runId: run.id, ...c })));
  }

  getParent(node: RunsNode): RunsNode | undefined {
    if (node.kind === 'checkpoint') return this.node(node.runId);
    if (node.kind === 'run') {
      const s = this.sweeps?.sweepOfRun(node.id);
      return s ? this.sweepNode(s.dir) : undefined;
    }
    return undefined;
  }

  private sweepItem(node: RunsNode & { kind: 'sweep' }): vscode.TreeItem {
    const s = this.sweeps?.get(node.dir);
    if (!s) {
      // A sweep folder whose sweep.json cannot be read: its one-line reason.
      const broken = this.sweeps?.broken().find((b) => b.dir === node.dir);
      const item = new vscode.TreeItem(path.basename(node.dir), vscode.TreeItemCollapsibleState.None);
      item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
      item.description = broken?.error ?? 'not readable';
      item.tooltip = `${node.dir}\n${broken?.error ?? ''}`;
      item.contextValue = 'sweep broken';
      return item;
    }
    const item = new vscode.TreeItem(s.label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `sweep:${s.dir}`;
    const line = this.sweeps!.progressLine(s);
    const where = s.executor === 'slurm' ? `SLURM${s.jobId ? ` job ${s.jobId}` : ''}` : 'local';
    const success = this.sweeps!.successLine(s);
    // The members' run folders together: what the sweep takes on disk (those measured so far).
    const sizes = s.sweep.members.map((m) => this.manager.get(`${s.sweep.id}/${m.name}`)?.diskBytes).filter((b): b is number => typeof b === 'number');
    const disk = sizes.length ? formatBytes(sizes.reduce((a, b) => a + b, 0)) : null;
    item.description = `${line}${success ? ` · ${success}` : ''} · ${where}${disk ? ` · ${disk}` : ''}`;
    item.iconPath = sweepIcon(s);
    item.contextValue = sweepContextValue(s);
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${escapeMd(s.label)}** — sweep of ${s.summary.runs} runs (${escapeMd(where)})\n\n${escapeMd(line)}\n\n`);
    const groups = Object.keys(s.summary.runs_per_init);
    md.appendMarkdown('| initializer | succeeded | runs |\n|:--|--:|--:|\n' + groups.map((g) => `| ${escapeMd(g)} | ${s.summary.successes[g] ?? 0} | ${s.summary.runs_per_init[g]} |`).join('\n') + '\n');
    if (disk) md.appendMarkdown(`\ndisk: ${disk} in the run folders of ${sizes.length} of ${s.sweep.members.length} runs\n`);
    const rule = s.summary.baseline === null ? 'final validation bpc below the text\'s unigram entropy'
      : `final validation loss below ${fmtLoss(s.summary.baseline / 2)} (baseline ${fmtLoss(s.summary.baseline)} / 2)`;
    md.appendMarkdown(`\nsuccess: ${rule}\n\n${escapeMd(s.dir)}`);
    if (s.pollError) md.appendMarkdown(`\n\n$(warning) ${escapeMd(s.pollError)}`);
    item.tooltip = md;
    item.accessibilityInformation = { label: `Sweep ${s.label}, ${line}, ${where}` };
    item.command = { command: 'recurrentLens.openSweepPanel', title: 'Open Sweep Panel', arguments: [s.dir] };
    return item;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.emitter.dispose();
  }
}

/** Words the sweep menus test: `sweep local stoppable continuable`, `sweep slurm cancellable`. */
export function sweepContextValue(s: TrackedSweep): string {
  const words = ['sweep', s.executor ?? 'local'];
  if (s.active > 0) words.push(s.executor === 'slurm' ? 'cancellable' : 'stoppable');
  if (s.continuable > 0) words.push('continuable');
  return words.join(' ');
}

function sweepIcon(s: TrackedSweep): vscode.ThemeIcon {
  if (s.pollError) return new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
  if (s.summary.running) return new vscode.ThemeIcon('sync~spin');
  if (s.active) return new vscode.ThemeIcon('clock');
  if (s.summary.finished === s.summary.runs) return new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed'));
  return new vscode.ThemeIcon('layers');
}

const MEMBER_ICON: Record<MemberState, [string, string?]> = {
  pending: ['circle-large-outline'], queued: ['clock'], running: ['sync~spin'], completed: ['pass'],
  diverged: ['warning', 'list.warningForeground'], stopped: ['debug-stop'], interrupted: ['debug-disconnect', 'list.warningForeground'],
  timeout: ['watch', 'list.warningForeground'], cancelled: ['circle-slash'], failed: ['error', 'list.errorForeground'],
};

/** A member under its sweep: what sets it apart, `chain:1.02 · lr 3e-4 · seed 2`. */
function memberLabel(m: MemberSummary): string {
  return `${m.init} · lr ${formatLr(m.lr)} · seed ${m.seed}`;
}

/** A sweep member shown from its merged state (a SLURM task, or a member without a run folder yet). */
function memberItem(node: RunsNode & { kind: 'run' }, m: MemberSummary, run: RunView | undefined): vscode.TreeItem {
  const label = memberLabel(m);
  const item = new vscode.TreeItem(label, run?.checkpoint ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  const [icon, color] = m.state === 'completed' && m.succeeded ? ['pass-filled', 'testing.iconPassed'] : MEMBER_ICON[m.state];
  item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
  const word = m.state === 'completed' ? (m.succeeded ? 'succeeded' : 'completed') : m.state === 'pending' ? 'not started' : m.state;
  const loss = m.final_val_loss !== null ? ` · val ${fmtLoss(m.final_val_loss)}` : '';
  item.description = `${word} · ${m.update}/${m.updates}${loss}`;
  item.tooltip = `${m.name}: ${word}, update ${m.update} of ${m.updates}${m.error ? `\n${m.error.split('\n')[0]}` : ''}`;
  item.accessibilityInformation = { label: `${label}, ${word}, ${m.update} of ${m.updates}` };
  const words = ['run', 'member', m.state];
  if (run?.checkpoint) words.push('checkpoint');
  item.contextValue = run ? words.join(' ') : 'member';
  if (run) item.command = { command: 'recurrentLens.showTrainingCurves', title: 'Show Training Curves', arguments: [node] };
  return item;
}

/** A run's checkpoint folders (`checkpoints/update-NNNNNNN`, relative to the run folder), oldest first. */
export async function runCheckpoints(dir: string): Promise<{ folder: string; update: number }[]> {
  const names = await listCheckpoints(path.join(dir, RUN_FILES.checkpoints));
  return names.map((name) => ({ folder: `${RUN_FILES.checkpoints}/${name}`, update: Number(name.slice(CHECKPOINT_PREFIX.length)) }));
}
