// The job engine's adaptive width, driven by a fake clock and a modelled store: throughput grows with the width up
// to the store's capacity, and a throttling store answers "slow down" above its allowed rate.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdaptiveLimit } from '../../../src/objects/adaptive';

/**
 * Simulates `seconds` of a job in 50 ms ticks: each tick the store completes width * perWidth objects per second, at
 * most `capacity`; with `throttleAbove`, a tick in which the width asks for more than that rate throttles (and is
 * served at the allowed rate). Returns the width at the end of each second and the mean rate served.
 */
function simulate(limit: AdaptiveLimit, clock: { t: number }, seconds: number, perWidth: number, capacity: number, throttleAbove?: number): { widths: number[]; rates: number[] } {
  const widths: number[] = [];
  const rates: number[] = [];
  let owed = 0;
  let servedThisSecond = 0;
  for (let tick = 1; tick <= seconds * 20; tick++) {
    const wanted = limit.limit * perWidth;
    const served = Math.min(wanted, capacity, throttleAbove ?? Infinity);
    if (throttleAbove !== undefined && wanted > throttleAbove) {
      limit.throttled();
    }
    owed += served / 20;
    const n = Math.floor(owed);
    owed -= n;
    for (let i = 0; i < n; i++) {
      clock.t += 50 / n;
      limit.completed();
    }
    if (n === 0) {
      clock.t += 50;
    }
    servedThisSecond += n;
    if (tick % 20 === 0) {
      widths.push(limit.limit);
      rates.push(servedThisSecond);
      servedThisSecond = 0;
    }
  }
  return { widths, rates };
}

test('the width climbs while each step buys throughput and settles where it stops paying', () => {
  const clock = { t: 0 };
  const limit = new AdaptiveLimit({ initial: 4, max: 32, now: () => clock.t });
  // 10 objects/s per slot, the store saturates at 120/s: widths above 12 buy nothing.
  const { widths } = simulate(limit, clock, 40, 10, 120);
  assert.ok(Math.max(...widths) >= 12, `climbed to ${Math.max(...widths)}`);
  assert.ok(Math.max(...widths) <= 14, `went past the plateau: ${widths.join(',')}`);
  assert.ok(widths.slice(-5).every((w) => w >= 11 && w <= 13), `settled at ${widths.slice(-5).join(',')}`);
});

test('the width never leaves its bounds', () => {
  const clock = { t: 0 };
  const limit = new AdaptiveLimit({ initial: 2, min: 2, max: 6, now: () => clock.t });
  const { widths } = simulate(limit, clock, 30, 10, 10_000);
  assert.equal(Math.max(...widths), 6);
  assert.ok(Math.min(...widths) >= 2);
});

test('a throttling store makes it back off at once and keeps the job near the allowed rate', () => {
  const clock = { t: 0 };
  const limit = new AdaptiveLimit({ initial: 4, max: 32, now: () => clock.t });
  // The store could serve 300/s but allows 100/s; each slot brings 10/s.
  const { widths, rates } = simulate(limit, clock, 60, 10, 300, 100);
  const steady = rates.slice(10);
  const mean = steady.reduce((a, b) => a + b, 0) / steady.length;
  assert.ok(mean >= 80, `mean rate ${mean.toFixed(1)} of the allowed 100 (widths ${widths.join(',')})`);
  assert.ok(Math.max(...widths) <= 14, `kept climbing into the throttle: ${widths.join(',')}`);
});

test('one burst of throttling answers counts once', () => {
  let t = 0;
  const limit = new AdaptiveLimit({ initial: 16, now: () => t });
  limit.throttled();
  limit.throttled();
  limit.throttled();
  assert.equal(limit.limit, 12);
  t += 1500;
  limit.throttled();
  assert.equal(limit.limit, 9);
});
