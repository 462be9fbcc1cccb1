// `npm start` (= `node esbuild.mjs && node out/test/e2e/start.js`): try the extension on example checkpoints.
//
// Fills the git-ignored `demo/` folder with example checkpoints (copies of the good fixtures in test/fixtures;
// files already there are kept), then
//  - with a desktop `code` on PATH: `code --extensionDevelopmentPath=<repo> demo/`;
//  - otherwise (or with --web): starts code-server on 127.0.0.1 with an empty extensions folder, the extension
//    loaded from the repository (extensionDevelopmentPath in the URL's payload), prints the URL and stays in
//    the foreground until Ctrl+C, which stops code-server.
// After rebuilding (`npm run build` / `npm run watch`), run "Developer: Reload Window" in the page.
//
//   node out/test/e2e/start.js [--web] [--port N]
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { REPO_ROOT, ensureCodeServer, newRunDir, removeRunTmp, startCodeServer, which, workbenchUrl } from './codeServer';

const DEMO = join(REPO_ROOT, 'demo');
const FIXTURES = realpathSync(join(REPO_ROOT, 'test', 'fixtures'));
const CHECKPOINT = /\.(npy|npz|safetensors|pt|pth|h5|hdf5|keras|bin)$/i;

/** Copies the good checkpoints (not bad/, bad_*, scripts or expectation files) into demo/; returns the count. */
function prepareDemo(): number {
  mkdirSync(DEMO, { recursive: true });
  let copied = 0;
  cpSync(FIXTURES, DEMO, {
    recursive: true,
    dereference: true,
    force: false, // keep what is there (the user may have added or changed files)
    filter: (src) => {
      const name = basename(src);
      if (statSync(src).isDirectory()) return name !== 'bad';
      const ok = (CHECKPOINT.test(name) || name === 'model.json') && !name.startsWith('bad_');
      if (ok && !existsSync(join(DEMO, src.slice(FIXTURES.length)))) copied++;
      return ok;
    },
  });
  return copied;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const web = args.includes('--web');
  const portArg = args.indexOf('--port');
  const port = portArg >= 0 ? Number(args[portArg + 1]) : 0;
  if (!existsSync(join(REPO_ROOT, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: run `npm run build`');

  const n = prepareDemo();
  console.log(`demo workspace: ${DEMO} (${n} example checkpoint${n === 1 ? '' : 's'} added)`);

  const code = web ? undefined : which('code');
  if (code) {
    console.log(`starting ${code} --extensionDevelopmentPath=${REPO_ROOT} ${DEMO}`);
    const r = spawnSync(code, [`--extensionDevelopmentPath=${REPO_ROOT}`, DEMO], { stdio: 'inherit' });
    process.exit(r.status ?? 1);
  }

  console.log('no desktop `code` on PATH: starting VS Code in the browser (code-server)');
  await ensureCodeServer();
  const runDir = newRunDir('start');
  const server = await startCodeServer({ workspace: DEMO, runDir, port });
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${why}: stopping code-server`);
    await server.stop();
    removeRunTmp(runDir);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('Ctrl+C'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGHUP', () => void stop('SIGHUP'));
  void server.exited.then(async (c) => {
    if (stopping) return;
    console.error(`code-server exited by itself (code ${c}); log: ${server.log}`);
    await server.stop();
    removeRunTmp(runDir);
    process.exit(1);
  });

  const url = workbenchUrl(server, DEMO, { extensionDevelopmentPath: REPO_ROOT });
  console.log(`
Recurrent Lens is running in VS Code (code-server), the extension loaded from ${REPO_ROOT}.
Open this URL in a browser on this machine (or forward port ${server.port}):

  ${url}

Open any checkpoint in the Explorer; it opens in the Matrix Inspector.
Log: ${server.log}
Press Ctrl+C to stop.`);
}

main().catch((e) => {
  console.error(`start: ${(e as Error).message}`);
  process.exit(1);
});
