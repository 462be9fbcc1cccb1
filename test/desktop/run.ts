// `npm run test:desktop`: the extension host mocha suite (test/suite) in desktop VS Code, downloaded by
// @vscode/test-electron into .vscode-test/. For machines that can reach update.code.visualstudio.com; where
// they can't (like the project's build machines), use `npm run test:e2e` (code-server, same suite).
//
//   node out/test/desktop/run.js            VSCODE_VERSION=1.100.3 (default: stable) selects the version
// On Linux without a display, run it under `xvfb-run -a`.
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { CACHE_DIR, REPO_ROOT, newRunDir, runPaths } from '../e2e/codeServer';

async function main(): Promise<number> {
  const extensionTestsPath = join(REPO_ROOT, 'out', 'test', 'suite', 'index.js');
  if (!existsSync(extensionTestsPath) || !existsSync(join(REPO_ROOT, 'dist', 'extension.js'))) {
    throw new Error('out/test/suite/index.js or dist/extension.js is missing: run `npm run build` first');
  }
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    console.warn('test:desktop: no DISPLAY; VS Code (Electron) needs one: run under `xvfb-run -a npm run test:desktop`');
  }

  const version = process.env.VSCODE_VERSION || 'stable';
  let vscodeExecutablePath: string;
  try {
    vscodeExecutablePath = await downloadAndUnzipVSCode({ version, cachePath: CACHE_DIR, timeout: 30_000 });
  } catch (e) {
    console.error(
      `test:desktop: could not download VS Code ${version} (${(e as Error).message}).\n` +
        `  @vscode/test-electron needs https://update.code.visualstudio.com; without it, run the same suite\n` +
        `  in code-server with \`npm run test:e2e\`.`,
    );
    return 2;
  }

  const runDir = newRunDir('desktop');
  const workspace = join(runDir, 'workspace');
  cpSync(join(REPO_ROOT, 'test', 'fixtures'), workspace, { recursive: true, dereference: true });
  const p = runPaths(runDir);
  try {
    const code = await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath,
      launchArgs: [
        workspace,
        '--disable-extensions', // only the extension under test (runTests adds --disable-workspace-trust etc.)
        '--user-data-dir',
        p.userData, // holds RUN_SETTINGS (no welcome page, no git prompt)
        '--extensions-dir',
        p.extensions,
      ],
    });
    return code;
  } catch (e) {
    console.error(`test:desktop: ${(e as Error).message}`);
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`test:desktop: ${(e as Error).stack ?? e}`);
    process.exit(1);
  },
);
