// The house rules, checked on the source: no import cycle in src, the floors import only downwards, and the storage
// floor has one door (src/storage/index.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './storage/helpers';

const SRC = path.join(repoRoot(), 'src');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? sources(p) : d.name.endsWith('.ts') ? [p] : [];
  });
}

/** Relative imports of a file, resolved to files under src (type-only imports included: they still couple). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/gm)) {
    const base = path.resolve(path.dirname(file), m[1]);
    const hit = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
    if (hit) {
      out.push(hit);
    }
  }
  return out;
}

const graph = new Map(sources(SRC).map((f) => [f, importsOf(f)]));
const rel = (f: string): string => path.relative(SRC, f);

void test('src has no import cycle', () => {
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (f: string, trail: string[]): void => {
    if (state.get(f) === 'done') {
      return;
    }
    if (state.get(f) === 'open') {
      cycles.push([...trail.slice(trail.indexOf(f)), f].map(rel).join(' -> '));
      return;
    }
    state.set(f, 'open');
    for (const g of graph.get(f) ?? []) {
      visit(g, [...trail, f]);
    }
    state.set(f, 'done');
  };
  for (const f of graph.keys()) {
    visit(f, []);
  }
  assert.ok(graph.size > 20, 'the graph was read');
  assert.deepEqual(cycles, []);
});

void test('floors import only downwards: storage <- keys <- objects <- vscode/commands', () => {
  const floor = (f: string): string => rel(f).split(path.sep)[0].replace(/\.ts$/, '');
  const allowed: Record<string, string[]> = {
    storage: ['storage'],
    keys: ['keys', 'storage'],
    objects: ['objects', 'keys', 'storage'],
    vscode: ['vscode', 'objects', 'keys', 'storage'],
    commands: ['commands', 'vscode', 'objects', 'keys', 'storage'],
    extension: ['commands', 'vscode', 'objects', 'keys', 'storage'],
  };
  const wrong: string[] = [];
  for (const [f, deps] of graph) {
    for (const d of deps) {
      const ok = allowed[floor(f)]?.includes(floor(d)) ?? false;
      // Above the objects floor, storage is reached for types and errors only, never the client or the transfer.
      const throughTheDoor = !['vscode', 'commands', 'extension'].includes(floor(f)) || !/^storage\/(client|transfer|transport)\b/.test(rel(d));
      if (!ok || !throughTheDoor) {
        wrong.push(`${rel(f)} -> ${rel(d)}`);
      }
    }
  }
  assert.deepEqual(wrong, []);
});

void test('outside src/storage, the storage floor is imported only through its index', () => {
  const door = path.join(SRC, 'storage', 'index.ts');
  const wrong: string[] = [];
  for (const [f, deps] of graph) {
    if (rel(f).startsWith(`storage${path.sep}`)) {
      continue;
    }
    for (const d of deps) {
      if (rel(d).startsWith(`storage${path.sep}`) && d !== door) {
        wrong.push(`${rel(f)} -> ${rel(d)}`);
      }
    }
  }
  assert.deepEqual(wrong, []);
});
