// code-server (the real VS Code server + web workbench, from npm) for the end-to-end tests and `npm start`.
//
// Recipe and pitfalls: docs/testing.md. In short: code-server@4.100.3 (VS Code 1.100.3, the
// last release on Node 20) is installed once into the git-ignored `.vscode-test/code-server/`; every run gets
// a fresh folder `.vscode-test/runs/<timestamp>/` that holds HOME, XDG_*, TMPDIR, user data, extensions,
// config and log, so nothing is written into `~` or `/tmp`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  createWriteStream,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { arch, tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';

export const CODE_SERVER_VERSION = '4.100.3';

/** The repository root: the nearest folder above this file whose package.json is the extension's. */
export const REPO_ROOT = findRepoRoot(__dirname);
// RECURRENT_LENS_E2E_CACHE moves it (a test of the set-up checks uses an empty one).
export const CACHE_DIR = process.env.RECURRENT_LENS_E2E_CACHE || join(REPO_ROOT, '.vscode-test');
export const CODE_SERVER_DIR = join(CACHE_DIR, 'code-server');
const MARKER = join(CODE_SERVER_DIR, '.installed.json');
const ENTRY = join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

function findRepoRoot(from: string): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, 'utf8')).name === 'recurrent-lens') return dir;
      } catch {
        /* keep looking */
      }
    }
    if (dirname(dir) === dir) throw new Error(`cannot find the recurrent-lens package.json above ${from}`);
  }
}

const log = (msg: string) => process.stderr.write(`[code-server] ${msg}\n`);

export function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, cmd);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(cmd, args, { ...opts, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}):\n${(r.stderr || r.stdout).trim()}`);
  }
  return r.stdout;
}

/** Path of code-server's entry script, installing code-server first if the cache doesn't hold it. */
/** A machine set-up problem with a known fix: the runners print its one-line message, not a stack trace. */
export class SetupError extends Error {}

export async function ensureCodeServer(): Promise<string> {
  if (isInstalled()) return ENTRY;

  // Preflight: fail early with the fix, instead of after a minute of npm output.
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 20) {
    throw new SetupError(`code-server ${CODE_SERVER_VERSION} needs Node.js 20 (its postinstall refuses others); this is ${process.version}`);
  }
  const missing: string[] = [];
  if (!existsSync('/usr/include/gssapi/gssapi.h')) missing.push('libkrb5-dev');
  const rg = which('rg');
  if (!rg) missing.push('ripgrep');
  if (!which('make') || !which('g++')) missing.push('build-essential');
  if (!which('python3')) missing.push('python3');
  if (missing.length) {
    // One line, no stack (see SetupError): libkrb5-dev has gssapi/gssapi.h for code-server's native module
    // 'kerberos'; ripgrep seeds @vscode/ripgrep, whose download host is blocked here.
    throw new SetupError(
      `installing code-server for the end-to-end tests needs Debian packages that are missing (${missing.join(', ')}); fix: sudo apt-get install -y ${missing.join(' ')}`,
    );
  }

  const started = Date.now();
  mkdirSync(CACHE_DIR, { recursive: true });
  const staging = join(CACHE_DIR, `code-server.staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const tmp = join(staging, 'tmp');
  const packs = join(tmp, 'packs');
  mkdirSync(packs, { recursive: true });
  writeFileSync(join(staging, 'package.json'), JSON.stringify({ name: 'code-server-cache', private: true }, null, 2));
  const logFile = join(CACHE_DIR, 'code-server-install.log');
  log(`installing code-server@${CODE_SERVER_VERSION} into ${CODE_SERVER_DIR} (about a minute; log: ${logFile})`);

  try {
    // Pitfall 4: @vscode/ripgrep downloads rg from GitHub (blocked) unless
    // $TMPDIR/vscode-ripgrep-cache-<its version>/ripgrep-<its tag>-<target>.tar.gz exists. Read the version
    // pinned in code-server's lib/vscode/npm-shrinkwrap.json and the tag from that version's postinstall.js.
    const { version: rgVersion, tag: rgTag } = ripgrepPin(packs);
    const target = arch() === 'arm64' ? 'aarch64-unknown-linux-musl' : 'x86_64-unknown-linux-musl';
    const rgCache = join(tmp, `vscode-ripgrep-cache-${rgVersion}`);
    const rgBin = join(tmp, 'rg-bin');
    mkdirSync(rgCache, { recursive: true });
    mkdirSync(rgBin, { recursive: true });
    copyFileSync(realpathSync(rg!), join(rgBin, 'rg'));
    run('tar', ['czf', join(rgCache, `ripgrep-${rgTag}-${target}.tar.gz`), '-C', rgBin, 'rg']);
    log(`seeded @vscode/ripgrep@${rgVersion} (${rgTag}, ${target}) with ${rg}`);

    const env: NodeJS.ProcessEnv = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_'))), // not `npm run`'s
      TMPDIR: tmp,
      npm_config_unsafe_perm: 'true', // pitfall 1: as root, code-server's postinstall refuses to run without it
      npm_config_yes: 'true', // pitfall 3: node-pty's postinstall runs `npx node-gyp`, which asks otherwise
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
      npm_config_progress: 'false',
    };
    const out = createWriteStream(logFile);
    const code = await new Promise<number | null>((res, rej) => {
      const child = spawn('npm', ['install', '--no-save', `code-server@${CODE_SERVER_VERSION}`], {
        cwd: staging,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.pipe(out, { end: false });
      child.stderr.pipe(out, { end: false });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        rej(new Error(`npm install code-server did not finish in 10 min; log: ${logFile}`));
      }, 10 * 60_000);
      child.on('error', rej);
      child.on('close', (c) => {
        clearTimeout(timer);
        res(c);
      });
    });
    await new Promise<void>((r) => out.end(r));
    if (code !== 0) {
      throw new Error(`npm install code-server@${CODE_SERVER_VERSION} failed (exit ${code}); log: ${logFile}\n${tail(logFile)}`);
    }
    const rgInstalled = join(staging, 'node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg');
    if (!existsSync(rgInstalled)) throw new Error(`install finished but ${rgInstalled} is missing; log: ${logFile}`);

    rmSync(tmp, { recursive: true, force: true });
    writeFileSync(
      join(staging, '.installed.json'),
      JSON.stringify({ version: CODE_SERVER_VERSION, node: process.version, seconds: (Date.now() - started) / 1000 }) + '\n',
    );
    if (isInstalled()) {
      // Another process finished first.
      rmSync(staging, { recursive: true, force: true });
    } else {
      rmSync(CODE_SERVER_DIR, { recursive: true, force: true });
      renameSync(staging, CODE_SERVER_DIR);
    }
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  log(`installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return ENTRY;
}

function isInstalled(): boolean {
  try {
    return JSON.parse(readFileSync(MARKER, 'utf8')).version === CODE_SERVER_VERSION && existsSync(ENTRY);
  } catch {
    return false;
  }
}

/** The @vscode/ripgrep version code-server pins, and the ripgrep release tag that version downloads. */
function ripgrepPin(dir: string): { version: string; tag: string } {
  const extract = (spec: string, member: string): string => {
    const name = JSON.parse(run('npm', ['pack', spec, '--json', '--pack-destination', dir], { cwd: dir }))[0].filename;
    run('tar', ['xzf', join(dir, name), '-C', dir, member]);
    const text = readFileSync(join(dir, member), 'utf8');
    rmSync(join(dir, 'package'), { recursive: true, force: true });
    return text;
  };
  const shrinkwrap = JSON.parse(extract(`code-server@${CODE_SERVER_VERSION}`, 'package/lib/vscode/npm-shrinkwrap.json'));
  const version: string | undefined = shrinkwrap.packages?.['node_modules/@vscode/ripgrep']?.version;
  if (!version) throw new Error(`no @vscode/ripgrep in code-server@${CODE_SERVER_VERSION}'s lib/vscode/npm-shrinkwrap.json`);
  const postinstall = extract(`@vscode/ripgrep@${version}`, 'package/lib/postinstall.js');
  const tag = /const VERSION = ['"]([^'"]+)['"]/.exec(postinstall)?.[1];
  if (!tag) throw new Error(`cannot find "const VERSION = '…'" in @vscode/ripgrep@${version}/lib/postinstall.js`);
  return { version, tag };
}

// ---------------------------------------------------------------------------------------------------------
// Run folders

export interface RunPaths {
  root: string;
  home: string;
  tmp: string;
  userData: string;
  extensions: string;
  config: string;
  log: string;
}

/** The fixed layout of a run folder (created by newRunDir). */
export function runPaths(root: string): RunPaths {
  return {
    root,
    home: join(root, 'home'),
    tmp: join(root, 'tmp'),
    userData: join(root, 'user-data'),
    extensions: join(root, 'extensions'),
    config: join(root, 'config.yaml'),
    log: join(root, 'code-server.log'),
  };
}

/** User settings of every run: no welcome page, no notifications that cover the editor in screenshots. */
export const RUN_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'git.openRepositoryInParentFolders': 'never', // the run folder is inside the repository's git work tree
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
};

// Unix socket paths may hold 107 bytes (VS Code warns from 107 on); VS Code puts `vscode-ipc-<uuid>.sock` (52 bytes) into TMPDIR.
const SOCKET_NAME_LENGTH = 'vscode-ipc-00000000-0000-0000-0000-000000000000.sock'.length;

/**
 * Creates `.vscode-test/runs/<stamp>[-label]/` (see runPaths) with user settings (RUN_SETTINGS + `settings`),
 * and deletes all but the newest `keep` run folders.
 */
export function newRunDir(label = '', opts: { keep?: number; settings?: Record<string, unknown> } = {}): string {
  const keep = opts.keep ?? 5;
  const runs = join(CACHE_DIR, 'runs');
  mkdirSync(runs, { recursive: true });
  const old = readdirSync(runs).sort();
  for (const name of old.slice(0, Math.max(0, old.length - (keep - 1)))) {
    if (!inUse(join(runs, name))) removeRunDir(join(runs, name));
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').replace(/\..*/, '');
  let root = join(runs, `${stamp}${label ? '-' + label : ''}`);
  for (let i = 2; existsSync(root); i++) root = join(runs, `${stamp}-${i}${label ? '-' + label : ''}`);
  const p = runPaths(root);
  for (const d of [p.home, p.userData, p.extensions, join(p.home, '.config'), join(p.home, '.local/share'), join(p.home, '.cache')]) {
    mkdirSync(d, { recursive: true });
  }
  if (p.tmp.length + 1 + SOCKET_NAME_LENGTH < 107) {
    mkdirSync(p.tmp);
  } else {
    // The repository lies too deep for sockets in the run folder: use a short folder in the system temp dir,
    // linked from <run>/tmp; removeRunDir deletes it with the run folder.
    symlinkSync(mkdtempSync(join(tmpdir(), 'rl-')), p.tmp);
  }
  writeFileSync(join(root, 'owner.pid'), `${process.pid}\n`); // a live owner keeps the folder from pruning
  // Always pass --config: without it even `--version` writes ~/.config/code-server/config.yaml.
  writeFileSync(p.config, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
  mkdirSync(join(p.userData, 'User'), { recursive: true });
  writeFileSync(join(p.userData, 'User', 'settings.json'), JSON.stringify({ ...RUN_SETTINGS, ...opts.settings }, null, 2));
  return root;
}

/** Whether the process that made the run folder still runs (e.g. a long `npm start`). */
function inUse(root: string): boolean {
  try {
    const pid = Number(readFileSync(join(root, 'owner.pid'), 'utf8'));
    if (!pid || pid === process.pid) return false;
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

/** Deletes a run folder (and its temp folder, if that had to live outside). */
export function removeRunDir(root: string): void {
  removeRunTmp(root);
  rmSync(root, { recursive: true, force: true });
}

/** Deletes the run's temp folder when it had to live outside the run folder (call after the run). */
export function removeRunTmp(root: string): void {
  try {
    const tmp = runPaths(root).tmp;
    if (lstatSync(tmp).isSymbolicLink()) rmSync(readlinkSync(tmp), { recursive: true, force: true });
  } catch {
    /* no tmp */
  }
}

/** Environment that keeps code-server, the extension host (and Chromium) inside the run folder. */
export function runEnv(root: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const p = runPaths(root);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // Don't leak the VS Code / Electron of the terminal this may be started from, nor `npm run`'s settings.
    if (k.startsWith('VSCODE_') || k.startsWith('ELECTRON_') || k.startsWith('npm_')) continue;
    env[k] = v;
  }
  let tmp = p.tmp;
  try {
    tmp = realpathSync(p.tmp);
  } catch {
    /* not made yet */
  }
  return {
    ...env,
    HOME: p.home,
    XDG_CONFIG_HOME: join(p.home, '.config'),
    XDG_DATA_HOME: join(p.home, '.local/share'),
    XDG_CACHE_HOME: join(p.home, '.cache'),
    XDG_RUNTIME_DIR: tmp,
    TMPDIR: tmp,
    ...extra,
  };
}

function baseArgs(p: RunPaths, extensionsDir: string): string[] {
  return ['--config', p.config, '--user-data-dir', p.userData, '--extensions-dir', extensionsDir];
}

/** Installs a .vsix into the run folder's extensions dir (or `extensionsDir`). */
export async function installExtension(vsix: string, runDir: string, extensionsDir?: string): Promise<void> {
  const entry = await ensureCodeServer();
  const p = runPaths(runDir);
  const r = spawnSync(
    process.execPath,
    [entry, ...baseArgs(p, extensionsDir ?? p.extensions), '--install-extension', resolve(vsix)],
    { env: runEnv(runDir), encoding: 'utf8', timeout: 60_000 },
  );
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (r.error || r.status !== 0 || !/successfully installed/i.test(out)) {
    throw new Error(`code-server --install-extension ${vsix} failed (exit ${r.status}${r.error ? ', ' + r.error.message : ''}):\n${out}`);
  }
}

export interface CodeServer {
  /** http://127.0.0.1:PORT (no trailing slash) */
  url: string;
  port: number;
  runDir: string;
  log: string;
  pid: number;
  /** Resolves with the exit code when code-server's main process ends (by stop() or by itself). */
  exited: Promise<number | null>;
  /** Stops the whole process group: SIGTERM, then SIGKILL after 5 s. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Folder opened by a bare URL; the tests pass `?folder=` anyway. */
  workspace?: string;
  /** Default: `<runDir>/extensions` (empty unless installExtension put something there). */
  extensionsDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Default: a new run folder from newRunDir(). */
  runDir?: string;
  /** Default 0 = any free port. */
  port?: number;
  /** Also copy code-server's output to this stream (start.ts shows it). */
  echo?: NodeJS.WritableStream;
  timeoutMs?: number;
}

export async function startCodeServer(opts: StartOptions = {}): Promise<CodeServer> {
  const entry = await ensureCodeServer();
  const runDir = opts.runDir ?? newRunDir();
  const p = runPaths(runDir);
  if (!existsSync(p.config)) throw new Error(`${runDir} is not a run folder (made by newRunDir)`);
  if (opts.port) writeFileSync(p.config, `bind-addr: 127.0.0.1:${opts.port}\nauth: none\ncert: false\n`);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const args = [
    entry,
    ...baseArgs(p, opts.extensionsDir ?? p.extensions),
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    ...(opts.workspace ? [resolve(opts.workspace)] : []),
  ];
  const out = createWriteStream(p.log);
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: runDir,
    env: runEnv(runDir, opts.env),
    detached: true, // own process group: stop() must also reach the file watcher, pty host and extension hosts
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid!;
  const killGroup = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
      return true;
    } catch {
      return false;
    }
  };
  const onExit = () => killGroup('SIGKILL');
  process.on('exit', onExit); // last resort if the caller forgets stop() or dies on an exception

  let exited = false;
  const exitedPromise = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  child.on('exit', () => (exited = true));
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (killGroup('SIGTERM')) {
        let gone = false;
        for (let i = 0; i < 50 && !gone; i++) {
          await sleep(100);
          gone = !killGroup(0 as unknown as NodeJS.Signals);
        }
        if (!gone) {
          killGroup('SIGKILL');
          await sleep(100);
        }
      }
      process.off('exit', onExit);
    })());

  let port = 0;
  let output = '';
  const onData = (b: Buffer) => {
    out.write(b);
    opts.echo?.write(b);
    if (!port) {
      output += b.toString();
      const m = /HTTP server listening on https?:\/\/[^:/\s]+:(\d+)/.exec(output);
      if (m) port = Number(m[1]);
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);

  const deadline = Date.now() + timeoutMs;
  const fail = async (why: string) => {
    await stop();
    return new Error(`code-server ${why}; log: ${p.log}\n${tail(p.log)}`);
  };
  while (!port) {
    if (exited) throw await fail(`exited (code ${child.exitCode}) before listening`);
    if (Date.now() > deadline) throw await fail(`did not print its port in ${timeoutMs / 1000} s`);
    await sleep(50);
  }
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    try {
      const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (r.status === 200) break;
    } catch {
      /* not yet */
    }
    if (exited) throw await fail(`exited (code ${child.exitCode}) before /healthz answered`);
    if (Date.now() > deadline) throw await fail(`did not become healthy in ${timeoutMs / 1000} s`);
    await sleep(100);
  }
  return { url, port, runDir, log: p.log, pid, exited: exitedPromise, stop };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Workbench URL for `folder`. With `extensionDevelopmentPath` (and `extensionTestsPath`) the window loads the
 * extension from source and runs the tests in its extension host — the `payload` parameter @vscode/test-web uses.
 */
export function workbenchUrl(
  server: { url: string; port: number },
  folder: string,
  dev?: { extensionDevelopmentPath: string; extensionTestsPath?: string },
): string {
  let u = `${server.url}/?folder=${encodeURIComponent(resolve(folder))}`;
  if (dev) {
    const remote = (path: string) => `vscode-remote://127.0.0.1:${server.port}${resolve(path)}`;
    const payload: [string, string][] = [['extensionDevelopmentPath', remote(dev.extensionDevelopmentPath)]];
    if (dev.extensionTestsPath) payload.push(['extensionTestsPath', remote(dev.extensionTestsPath)]);
    u += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  }
  return u;
}
