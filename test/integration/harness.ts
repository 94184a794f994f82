// A small test harness that runs inside the VS Code extension host (no mocha there to lean on):
// suites with before/after hooks, tests run one at a time with a timeout, failures kept with message and stack.
// Test files call suite()/test() when they are loaded; index.ts loads them and calls runAll().
// No `vscode` import here: the harness itself is plain Node.

export type TestFn = (ctx: TestContext) => unknown;
export type HookFn = () => unknown;

export interface TestContext {
  /** Aborted when the test times out, so long waits can stop early. */
  readonly signal: AbortSignal;
}

export interface TestOptions {
  /** Default 60 s (or OBS_TEST_TIMEOUT_PER_TEST_MS). */
  timeoutMs?: number;
}

export interface TestResult {
  suite: string;
  name: string;
  ok: boolean;
  skipped?: boolean;
  error?: string;
  stack?: string;
  ms: number;
}

export interface RunSummary {
  passed: number;
  failed: number;
  skipped: number;
  tests: TestResult[];
}

interface TestCase {
  name: string;
  fn: TestFn;
  timeoutMs?: number;
  skip: boolean;
}

interface Suite {
  name: string;
  tests: TestCase[];
  before: HookFn[];
  after: HookFn[];
}

const ROOT_SUITE = '(top level)';
const HOOK_TIMEOUT_MS = 120_000;
const suites: Suite[] = [];
let current: Suite | undefined;

function rootSuite(): Suite {
  let s = suites.find((x) => x.name === ROOT_SUITE);
  if (!s) {
    s = { name: ROOT_SUITE, tests: [], before: [], after: [] };
    suites.push(s);
  }
  return s;
}

/** Declares a suite; `fn` runs at once and declares the suite's tests and hooks. Suites do not nest. */
export function suite(name: string, fn: () => void): void {
  if (current) {
    throw new Error(`suite "${name}" inside suite "${current.name}": suites do not nest`);
  }
  const s: Suite = { name, tests: [], before: [], after: [] };
  suites.push(s);
  current = s;
  try {
    fn();
  } finally {
    current = undefined;
  }
}

export function test(name: string, fn: TestFn, options: TestOptions = {}): void {
  (current ?? rootSuite()).tests.push({ name, fn, timeoutMs: options.timeoutMs, skip: false });
}

/** Declares a test that is reported as skipped and never run. */
test.skip = (name: string, fn: TestFn, options: TestOptions = {}): void => {
  (current ?? rootSuite()).tests.push({ name, fn, timeoutMs: options.timeoutMs, skip: true });
};

/** Runs once before the first test of the suite that is selected; if it fails, the suite's tests fail. */
export function before(fn: HookFn): void {
  (current ?? rootSuite()).before.push(fn);
}

/** Runs once after the suite's last test, also when tests failed. */
export function after(fn: HookFn): void {
  (current ?? rootSuite()).after.push(fn);
}

export interface RunOptions {
  /** Only tests whose "suite name" + " " + "test name" matches run; the others count as skipped. */
  grep?: RegExp;
  defaultTimeoutMs?: number;
  onResult?: (result: TestResult) => void;
}

export async function runAll(options: RunOptions = {}): Promise<RunSummary> {
  const results: TestResult[] = [];
  const report = (r: TestResult) => {
    results.push(r);
    options.onResult?.(r);
  };
  const defaultTimeout = options.defaultTimeoutMs ?? 60_000;

  for (const s of suites) {
    const selected = s.tests.filter((t) => !t.skip && (!options.grep || options.grep.test(`${s.name} ${t.name}`)));
    for (const t of s.tests.filter((x) => !selected.includes(x))) {
      report({ suite: s.name, name: t.name, ok: true, skipped: true, ms: 0 });
    }
    if (selected.length === 0) {
      continue;
    }

    let beforeError: unknown;
    for (const hook of s.before) {
      const r = await timed(() => hook(), HOOK_TIMEOUT_MS, '"before" hook');
      if (r.error !== undefined) {
        beforeError = r.error;
        break;
      }
    }

    for (const t of selected) {
      if (beforeError !== undefined) {
        report(failure(s.name, t.name, beforeError, 0, '"before" hook failed: '));
        continue;
      }
      const r = await timed((ctx) => t.fn(ctx), t.timeoutMs ?? defaultTimeout, 'test');
      report(r.error === undefined
        ? { suite: s.name, name: t.name, ok: true, ms: r.ms }
        : failure(s.name, t.name, r.error, r.ms));
    }

    for (const hook of s.after) {
      const r = await timed(() => hook(), HOOK_TIMEOUT_MS, '"after" hook');
      if (r.error !== undefined) {
        report(failure(s.name, '"after" hook', r.error, r.ms));
      }
    }
  }

  return {
    passed: results.filter((r) => r.ok && !r.skipped).length,
    failed: results.filter((r) => !r.ok).length,
    skipped: results.filter((r) => r.skipped).length,
    tests: results,
  };
}

/** How many tests the loaded files declared (before any filtering). */
export function declaredCount(): number {
  return suites.reduce((n, s) => n + s.tests.length, 0);
}

function failure(suiteName: string, name: string, error: unknown, ms: number, prefix = ''): TestResult {
  const err = error instanceof Error ? error : new Error(String(error));
  return { suite: suiteName, name, ok: false, error: prefix + err.message, stack: err.stack, ms };
}

async function timed(fn: (ctx: TestContext) => unknown, timeoutMs: number, what: string): Promise<{ error?: unknown; ms: number }> {
  const controller = new AbortController();
  const start = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`${what} timed out after ${timeoutMs} ms`);
      controller.abort(err);
      reject(err);
    }, timeoutMs);
  });
  try {
    // A test that ignores the signal keeps running after its timeout; the next test starts regardless.
    await Promise.race([Promise.resolve().then(() => fn({ signal: controller.signal })), timeout]);
    return { ms: Date.now() - start };
  } catch (error) {
    // `undefined` marks success above, so a test that throws undefined still counts as failed.
    return { error: error ?? new Error(`${what} threw ${String(error)}`), ms: Date.now() - start };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Asks the launcher (test/rig) for a PNG of the whole workbench, saved as test-results/<name>.png.
 * Returns the file's path, or undefined when no launcher offers screenshots (for example desktop VS Code).
 */
export async function screenshot(name: string): Promise<string | undefined> {
  const url = process.env.OBS_TEST_SCREENSHOT_URL;
  if (!url) {
    console.log(`screenshot "${name}" skipped: OBS_TEST_SCREENSHOT_URL is not set (not running under test/rig/launcher)`);
    return undefined;
  }
  const res = await fetch(`${url}?name=${encodeURIComponent(name)}`, { method: 'POST' });
  const body = (await res.json()) as { path?: string; error?: string };
  if (!res.ok || !body.path) {
    throw new Error(`screenshot "${name}" failed: ${res.status} ${body.error ?? ''}`);
  }
  return body.path;
}
