// The extensionTestsPath module: VS Code's extension host loads it and awaits run(). A rejected run() makes the
// extension host exit non-zero, which the launcher (or desktop VS Code) turns into the process exit code.
import * as fs from 'node:fs';
import { findSourceMap } from 'node:module';
import * as path from 'node:path';
import { declaredCount, runAll, type TestResult } from './harness';

// out/test/integration/index.js -> the repository root
const repoRoot = path.resolve(__dirname, '../../..');
const HARNESS_FRAME = /out\/test\/integration\/(harness|index)\.js:|node:internal\//;

export async function run(): Promise<void> {
  // Lets mapStack() find the source maps tsconfig.test.json writes (the extension host formats stacks itself).
  process.setSourceMapsEnabled(true);
  const resultsDir = process.env.OBS_TEST_RESULTS_DIR ?? path.join(repoRoot, 'test-results');
  const files = findTestFiles(path.join(__dirname, 'suite'));
  if (files.length === 0) {
    throw new Error(`no *.test.js under ${path.join(__dirname, 'suite')}: were the tests compiled?`);
  }

  const loadFailures: TestResult[] = [];
  for (const file of files) {
    try {
      // Test files declare their suites when loaded, in this (sorted) order.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
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
    if (r.stack) {
      r.stack = mapStack(r.stack);
    }
    const title = `${r.suite} › ${r.name}`;
    if (r.skipped) {
      // Tests filtered out by OBS_TEST_GREP are counted, not listed.
      if (!grep) {
        console.log(`ok ${++n} - ${title} # SKIP`);
      }
    } else if (r.ok) {
      console.log(`ok ${++n} - ${title} (${r.ms} ms)`);
    } else {
      console.log(`not ok ${++n} - ${title}: ${indent(r.error ?? '').trimStart()}`);
      // The harness's own frames say nothing about the failure.
      const frames = (r.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l) && !HARNESS_FRAME.test(l)).slice(0, 10);
      if (frames.length > 0) {
        console.log(indent(frames.map((l) => l.trim()).join('\n')));
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

/** Rewrites `file.js:line:col` stack positions of compiled tests to their .ts sources where a source map says. */
function mapStack(stack: string): string {
  return stack.replace(/(\/[^\s():]+\.js):(\d+):(\d+)/g, (whole, file: string, line: string, col: string) => {
    try {
      const entry = findSourceMap(file)?.findEntry(Number(line) - 1, Number(col) - 1);
      if (entry && 'originalSource' in entry) {
        const source = entry.originalSource.startsWith('file://') ? new URL(entry.originalSource).pathname : path.resolve(path.dirname(file), entry.originalSource);
        return `${path.relative(repoRoot, source)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
      }
    } catch {
      // no map: keep the compiled position
    }
    return whole;
  });
}

function indent(text: string): string {
  return text.trimEnd().split('\n').map((l) => `    ${l}`).join('\n');
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
