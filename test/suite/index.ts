// Mocha runner inside the real extension host (the `vscode` API available). VS Code calls run() when a window
// is opened with `extensionTestsPath` = this file's bundle, out/test/suite/index.js:
//  - web (code-server): test/e2e/run.ts passes it in the workbench URL's `payload`; the report reaches the
//    runner through the window's codeAutomationLog, the result through codeAutomationExit;
//  - desktop: test/desktop/run.ts passes it to @vscode/test-electron's runTests.
// Every `*.test.js` next to this file (bundled from test/suite/*.test.ts) is loaded. Interface: BDD
// (describe/it/before/after). Set MOCHA_GREP to run only matching tests.
import Mocha from 'mocha';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';

/** run.ts cuts mocha's report out of the window log between these two lines. */
export const REPORT_BEGIN = '=== mocha report ===';
export const REPORT_END = '=== end of mocha report ===';

export async function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    reporter: 'spec',
    color: false, // the report is read from a log, not a terminal
    timeout: 30_000,
    slow: 5_000,
    grep: process.env.MOCHA_GREP || undefined,
  });
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  if (files.length === 0) throw new Error(`no *.test.js files in ${__dirname}`);
  for (const f of files) mocha.addFile(join(__dirname, f));
  await mocha.loadFilesAsync();

  // The web workbench forwards console.log's arguments joined by commas, without applying '%s' formats:
  // format here, so the report reads as in a terminal.
  const base = Mocha.reporters.Base as unknown as { consoleLog: (...args: unknown[]) => void };
  const consoleLog = base.consoleLog;
  base.consoleLog = (...args: unknown[]) => console.log(format(...args));
  console.log(REPORT_BEGIN);
  const failures = await new Promise<number>((resolve, reject) => {
    try {
      mocha.run(resolve);
    } catch (e) {
      reject(e);
    }
  }).finally(() => {
    console.log(REPORT_END);
    base.consoleLog = consoleLog;
  });
  if (failures > 0) throw new Error(`${failures} extension host test(s) failed`);
}
