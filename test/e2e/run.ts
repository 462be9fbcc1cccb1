/*
 * End-to-end tests in real VS Code: code-server (VS Code 1.100.3 server + web workbench) driven by Debian's
 * Chromium through playwright-core. `npm run test:e2e` runs this (out/test/e2e/run.js, after `npm run build`).
 *
 *   node out/test/e2e/run.js [filter...] [--no-ui] [--no-suite] [--suite]
 *     filter      run only the UI specs whose file name contains a filter (and, unless --suite, no mocha suite)
 *     --no-ui     skip the UI specs;  --no-suite  skip the mocha suite in the extension host
 *   e.g. `npm run test:e2e -- smoke`, `npm run test:e2e -- --no-ui`. MOCHA_GREP=<re> filters the mocha tests.
 *
 * What it does: packages dist/ into a .vsix (vsce, .vscodeignore), makes a run folder
 * .vscode-test/runs/<stamp>-e2e/ (HOME, TMPDIR, user data, extensions, code-server.log), copies test/fixtures
 * (good files + bad/) into <run>/workspace, installs the .vsix, starts code-server, then
 *   (a) runs every UI spec out/test/e2e/*.spec.js (from test/e2e/*.spec.ts) in name order, each in a fresh
 *       browser context (empty storage, nothing restored) with the workbench loaded on the workspace;
 *   (b) runs the mocha suite (test/suite/*.test.ts) inside the extension host, loading the extension from the
 *       repository (extensionDevelopmentPath) through the workbench URL's `payload`.
 * Prints PASS/FAIL with timings, keeps screenshots in test-results/screenshots/ (emptied at the start),
 * exits 1 on any failure. Warm, the whole run takes ~15–20 s plus ~5 s per spec.
 * code-server's process group and the browser are stopped on every path (also Ctrl+C, errors, timeouts).
 *
 * Writing a UI spec — test/e2e/<name>.spec.ts:
 *
 *   import * as assert from 'node:assert/strict';
 *   import type { SpecContext } from './run';
 *   export const timeout = 60_000;                        // optional, ms (default 60 s)
 *   export default async function (ctx: SpecContext) {
 *     await ctx.quickOpen('matrix_f32.npy');
 *     const view = await ctx.webview();                   // FrameLocator of the webview's document
 *     assert.equal(await view.locator('h1').textContent(), 'matrix_f32.npy');
 *     await ctx.screenshot('opened');                     // test-results/screenshots/<name>-opened.png
 *   }
 *
 * SpecContext (keep it small):
 *   page                       playwright Page, workbench ready (status bar visible)
 *   workspace                  absolute path of the workspace folder (writable copy of test/fixtures)
 *   runCommand(title, opts?)   run "Category: Title" from the command palette ({ execute: false } only finds it)
 *   quickOpen(fileName)        open a workspace file with Ctrl+P (opens in its default editor)
 *   webview(opts?)             FrameLocator of the visible webview's document (waits for it)
 *   screenshot(name)           save a PNG, return its path
 *   log(...args)               print under the spec's name
 * A spec fails by throwing (node:assert). On failure a <name>-FAILED.png screenshot and the page's console
 * errors are kept.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { unzipSync } from 'fflate';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import {
  REPO_ROOT,
  SetupError,
  ensureCodeServer,
  installExtension,
  newRunDir,
  removeRunTmp,
  runEnv,
  runPaths,
  startCodeServer,
  workbenchUrl,
  type CodeServer,
} from './codeServer';
import { SCREENSHOT_DIR, launchBrowser, openWorkbench, quickOpen, runCommand, screenshot, webviewFrame } from './workbench';

export interface SpecContext {
  page: Page;
  workspace: string;
  runCommand(title: string, opts?: { execute?: boolean; timeoutMs?: number }): Promise<void>;
  quickOpen(fileName: string): Promise<void>;
  webview(opts?: { timeoutMs?: number }): Promise<FrameLocator>;
  screenshot(name: string): Promise<string>;
  log(...args: unknown[]): void;
}

type Spec = (ctx: SpecContext) => Promise<void>;

const TOTAL_TIMEOUT_MS = 15 * 60_000; // every spec and the suite, on a loaded 2-core machine (~7 min idle)
const SUITE_TIMEOUT_MS = 240_000;
const SUITE_ENTRY = join(REPO_ROOT, 'out', 'test', 'suite', 'index.js');

interface Result {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
}

/** Set on Ctrl+C / SIGTERM / the overall timeout: stop starting new specs, report nothing more. */
let aborted = false;

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const say = (msg: string) => process.stdout.write(`${msg}\n`);

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`${what} timed out after ${secs(ms)}`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

async function step<T>(name: string, f: () => Promise<T> | T): Promise<T> {
  const t = Date.now();
  const r = await f();
  say(`  · ${name} (${secs(Date.now() - t)})`);
  return r;
}

/** vsce package into the run folder; checks the .vscodeignore allow-list kept the package small. */
function packageVsix(out: string): void {
  const r = spawnSync('npx', ['--no-install', 'vsce', 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', out], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`vsce package failed (exit ${r.status}):\n${(r.stdout + r.stderr).trim()}`);
  const names: string[] = [];
  unzipSync(readFileSync(out), { filter: (f) => (names.push(f.name), false) });
  const bad = names.filter((n) =>
    /^extension\/(node_modules|\.vscode-test|test|out|src|webview|demo|\.git|\.ci|test-results)\//.test(n) || /\.(map|vsix)$/.test(n),
  );
  if (bad.length) throw new Error(`the .vsix contains files .vscodeignore should exclude:\n  ${bad.slice(0, 20).join('\n  ')}`);
  const mb = statSync(out).size / 2 ** 20;
  if (mb > 30) throw new Error(`the .vsix is ${mb.toFixed(1)} MiB (limit 30): check .vscodeignore`);
  say(`    ${basename(out)}: ${names.length} files, ${mb.toFixed(2)} MiB`);
}

async function runSpecs(browser: Browser, server: CodeServer, workspace: string, filters: string[]): Promise<Result[]> {
  const dir = __dirname;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.spec.js'))
    .sort()
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
  if (files.length === 0) say('  (no UI specs selected)');
  const results: Result[] = [];
  for (const file of files) {
    if (aborted) break;
    const name = file.replace(/\.spec\.js$/, '');
    const t = Date.now();
    const consoleErrors: string[] = [];
    let page: Page | undefined;
    let close: (() => Promise<void>) | undefined;
    try {
      const mod = require(join(dir, file));
      const spec: Spec = mod.default ?? mod;
      if (typeof spec !== 'function') throw new Error(`${file} has no default export function`);
      const timeout: number = typeof mod.timeout === 'number' ? mod.timeout : 60_000;
      await withTimeout(
        (async () => {
          const wb = await openWorkbench(browser, workbenchUrl(server, workspace));
          page = wb.page;
          close = () => wb.context.close();
          page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
          page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
          const p = page;
          const ctx: SpecContext = {
            page: p,
            workspace,
            runCommand: (title, opts) => runCommand(p, title, opts),
            quickOpen: (fileName) => quickOpen(p, fileName),
            webview: (opts) => webviewFrame(p, opts),
            screenshot: (shot) => screenshot(p, `${name}-${shot}`),
            log: (...args) => say(`    [${name}] ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`),
          };
          await spec(ctx);
        })(),
        timeout,
        `spec ${name}`,
      );
      results.push({ name, ok: true, ms: Date.now() - t });
      say(`  PASS ${name} (${secs(Date.now() - t)})`);
    } catch (e) {
      if (aborted) break;
      const error = (e as Error).stack ?? String(e);
      results.push({ name, ok: false, ms: Date.now() - t, error });
      say(`  FAIL ${name} (${secs(Date.now() - t)})\n${indent(error)}`);
      if (page) {
        const shot = await screenshot(page, `${name}-FAILED`).catch(() => undefined);
        if (shot) say(`    screenshot: ${shot}`);
      }
      if (consoleErrors.length) say(`    console errors:\n${indent(consoleErrors.slice(-15).join('\n'), 6)}`);
    } finally {
      await close?.().catch(() => {});
    }
  }
  return results;
}

/** The mocha suite inside the extension host, with the extension loaded from the repository. */
async function runSuite(browser: Browser, server: CodeServer, workspace: string): Promise<Result> {
  const t = Date.now();
  const lines: string[] = [];
  let reported = false;
  let close: (() => Promise<void>) | undefined;
  try {
    if (!existsSync(SUITE_ENTRY)) throw new Error(`${SUITE_ENTRY} is missing: run \`npm run build\` first`);
    let done!: (r: { code: number; logs: { relativePath: string; contents: string }[] }) => void;
    const exited = new Promise<{ code: number; logs: { relativePath: string; contents: string }[] }>((r) => (done = r));
    const url = workbenchUrl(server, workspace, { extensionDevelopmentPath: REPO_ROOT, extensionTestsPath: SUITE_ENTRY });
    const wb = await openWorkbench(browser, url, {
      wait: false,
      // Everything the window logs arrives here, the extension host's console (mocha's report) included.
      onLog: (level, message) => lines.push(...String(message).split('\n').map((l) => `[${level}] ${l}`)),
      onExit: (code, logs) => done({ code, logs }),
    });
    close = () => wb.context.close();
    const { code, logs } = await withTimeout(exited, SUITE_TIMEOUT_MS, 'the extension host test run');
    const logDir = join(runPaths(server.runDir).root, 'suite-logs');
    mkdirSync(logDir, { recursive: true });
    writeFileSync(join(logDir, 'codeAutomationLog.txt'), lines.join('\n') + '\n');
    for (const l of logs ?? []) {
      const f = join(logDir, l.relativePath);
      mkdirSync(join(f, '..'), { recursive: true });
      writeFileSync(f, l.contents);
    }
    reported = true;
    say(indent(mochaReport(lines), 4));
    if (code !== 0) throw new Error(`the extension host tests exited with code ${code}; logs: ${logDir}`);
    say(`  PASS extension host suite (${secs(Date.now() - t)})`);
    return { name: 'extension host suite', ok: true, ms: Date.now() - t };
  } catch (e) {
    if (aborted) return { name: 'extension host suite', ok: false, ms: Date.now() - t, error: 'aborted' };
    if (!reported && lines.length) say(indent(mochaReport(lines), 4));
    const error = (e as Error).message;
    say(`  FAIL extension host suite (${secs(Date.now() - t)})\n${indent(error)}`);
    return { name: 'extension host suite', ok: false, ms: Date.now() - t, error };
  } finally {
    await close?.().catch(() => {});
  }
}

// The markers test/suite/index.ts prints around mocha's report (not imported: that would load mocha here).
const REPORT_BEGIN = '=== mocha report ===';
const REPORT_END = '=== end of mocha report ===';

/** mocha's report (and what the extension logged meanwhile) out of the window log. */
function mochaReport(lines: string[]): string {
  const text = lines.map((l) => l.replace(/^\[\w+\] /, ''));
  const begin = text.indexOf(REPORT_BEGIN);
  if (begin < 0) return text.slice(-60).join('\n');
  const end = text.indexOf(REPORT_END, begin);
  return text.slice(begin + 1, end < 0 ? undefined : end).join('\n');
}

function indent(s: string, n = 4): string {
  return s
    .split('\n')
    .map((l) => ' '.repeat(n) + l)
    .join('\n');
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const filters = args.filter((a) => !a.startsWith('--'));
  const noUi = args.includes('--no-ui');
  const noSuite = args.includes('--no-suite') || (filters.length > 0 && !args.includes('--suite'));
  const t0 = Date.now();

  for (const f of ['dist/extension.js', 'package.json']) {
    if (!existsSync(join(REPO_ROOT, f))) throw new Error(`${f} is missing: run \`npm run build\` first`);
  }
  say('e2e: preparing');
  await step('code-server', () => ensureCodeServer());
  rmSync(SCREENSHOT_DIR, { recursive: true, force: true });
  const runDir = newRunDir('e2e');
  process.env.TMPDIR = runEnv(runDir).TMPDIR; // playwright's temporary browser profile
  say(`    run folder: ${runDir}`);
  const vsix = join(runDir, 'recurrent-lens.vsix');
  await step('vsce package', () => packageVsix(vsix));
  const workspace = join(runDir, 'workspace');
  await step('workspace from test/fixtures', () => cpSync(join(REPO_ROOT, 'test', 'fixtures'), workspace, { recursive: true, dereference: true }));
  await step('install .vsix', () => installExtension(vsix, runDir));

  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await browser?.close().catch(() => {});
      await server?.stop();
      removeRunTmp(runDir);
    })());
  const onSignal = (sig: NodeJS.Signals) => {
    if (aborted) return;
    aborted = true;
    say(`\ne2e: ${sig}, stopping`);
    void cleanup().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  const guard = setTimeout(() => {
    aborted = true;
    say(`\ne2e: the whole run exceeded ${secs(TOTAL_TIMEOUT_MS)}, stopping`);
    void cleanup().finally(() => process.exit(1));
  }, TOTAL_TIMEOUT_MS);

  const results: Result[] = [];
  try {
    server = await step('start code-server', () => startCodeServer({ workspace, runDir }));
    say(`    ${server.url}  (log: ${server.log})`);
    browser = await step('launch Chromium', () => launchBrowser(runEnv(runDir)));
    if (!noUi) {
      say('e2e: UI specs');
      results.push(...(await runSpecs(browser, server, workspace, filters)));
    }
    if (!noSuite && !aborted) {
      say('e2e: mocha in the extension host');
      results.push(await runSuite(browser, server, workspace));
    }
  } finally {
    clearTimeout(guard);
    await cleanup();
  }
  if (aborted) await new Promise(() => {}); // the signal/timeout handler exits

  const failed = results.filter((r) => !r.ok);
  say(`\ne2e: ${results.length - failed.length} passed, ${failed.length} failed, ${secs(Date.now() - t0)} in all`);
  for (const r of results) say(`  ${r.ok ? 'PASS' : 'FAIL'}  ${r.name.padEnd(28)} ${secs(r.ms)}`);
  if (existsSync(join(REPO_ROOT, 'test-results', 'screenshots'))) say(`screenshots: test-results/screenshots/`);
  return failed.length || results.length === 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`e2e: ${e instanceof SetupError ? e.message : ((e as Error).stack ?? e)}\n`);
    process.exit(1);
  },
);
