// The extensionTestsPath module: VS Code's extension host loads it and awaits run(). A rejected run() makes the
// extension host exit non-zero, which the launcher (or desktop VS Code) turns into the process exit code.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { declaredCount, runAll, type TestResult } from './harness';

// out/test/integration/index.js -> the repository root
const repoRoot = path.resolve(__dirname, '../../..');

export async function run(): Promise<void> {
  const resultsDir = process.env.OBS_TEST_RESULTS_DIR ?? path.join(repoRoot, 'test-results');
  const files = findTestFiles(path.join(__dirname, 'suite'));
  if (files.length === 0) {
    throw new Error(`no *.test.js under ${path.join(__dirname, 'suite')}: were the tests compiled?`);
  }

  const loadFailures: TestResult[] = [];
  for (const file of files) {
    try {
      require(file);
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      loadFailures.push({ suite: path.relative(__dirname, file), name: '(loading the file)', ok: false, error: e.message, stack: e.stack, ms: 0 });
    }
  }

  const grep = process.env.OBS_TEST_GREP ? new RegExp(process.env.OBS_TEST_GREP) : undefined;
  const perTest = Number(process.env.OBS_TEST_TIMEOUT_PER_TEST_MS) || undefined;
  let n = 0;
  const print = (r: TestResult) => {
    const title = `${r.suite} › ${r.name}`;
    if (r.skipped) {
      // Tests filtered out by OBS_TEST_GREP are counted, not listed.
      if (!grep) {
        console.log(`ok ${++n} - ${title} # SKIP`);
      }
    } else if (r.ok) {
      console.log(`ok ${++n} - ${title} (${r.ms} ms)`);
    } else {
      console.log(`not ok ${++n} - ${title}: ${r.error}`);
      const stack = (r.stack ?? '').split('\n').slice(1, 12).map((l) => `    ${l.trim()}`).join('\n');
      if (stack) {
        console.log(stack);
      }
    }
  };
  loadFailures.forEach(print);
  const summary = await runAll({ grep, defaultTimeoutMs: perTest, onResult: print });
  summary.tests.unshift(...loadFailures);
  summary.failed += loadFailures.length;

  if (grep && summary.passed + summary.failed === 0) {
    summary.tests.push({ suite: '(runner)', name: 'OBS_TEST_GREP', ok: false, error: `OBS_TEST_GREP=${grep.source} matched none of ${declaredCount()} tests`, ms: 0 });
    summary.failed++;
    print(summary.tests[summary.tests.length - 1]);
  }

  fs.mkdirSync(resultsDir, { recursive: true });
  fs.writeFileSync(path.join(resultsDir, 'integration.json'), `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`# integration: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`);

  if (summary.failed > 0) {
    throw new Error(`${summary.failed} integration test(s) failed`);
  }
}

function findTestFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) {
    return [];
  }
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.js'))
    .map((f) => path.join(dir, f))
    .sort();
}
