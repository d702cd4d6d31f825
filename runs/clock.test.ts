// The session clock: the stepped test clock moves only when the study records an attempt, and
// runs a timeout exactly at the recorded attempt that makes it due.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sessionClock, steppedClock, systemClock, TEST_CLOCK_ENV } from './clock.ts';

test('the stepped clock stands still between recorded attempts and fires a timeout at the attempt that makes it due', () => {
  const clock = steppedClock(1000);
  const fired: string[] = [];
  clock.timeout(() => fired.push(`limit at ${clock.now()}`), 2500);
  const cancel = clock.timeout(() => fired.push('cancelled'), 1500);
  clock.timeout(() => fired.push(`early at ${clock.now()}`), 1000);
  assert.equal(clock.now(), 0);
  cancel();
  clock.recorded();
  assert.deepEqual(fired, ['early at 1000']);
  clock.recorded();
  assert.equal(clock.now(), 2000);
  assert.deepEqual(fired, ['early at 1000']);
  clock.recorded();
  assert.deepEqual(fired, ['early at 1000', 'limit at 3000']);
  clock.recorded();
  assert.equal(fired.length, 2, 'a timeout runs once');
});

test('sessionClock: the system clock unless CELLSEARCH_TEST_CLOCK is set; a bad value is refused', () => {
  assert.equal(sessionClock({}), systemClock);
  const c = sessionClock({ [TEST_CLOCK_ENV]: '250' });
  c.recorded();
  c.recorded();
  assert.equal(c.now(), 500);
  for (const bad of ['', 'fast', '0', '-5']) assert.throws(() => sessionClock({ [TEST_CLOCK_ENV]: bad }), /CELLSEARCH_TEST_CLOCK must be a positive number/, bad);
});

test('the system clock runs a timeout once, and never after its cancel', async () => {
  const fired: string[] = [];
  const cancel = systemClock.timeout(() => fired.push('cancelled'), 0);
  cancel();
  await new Promise<void>((resolve) =>
    systemClock.timeout(() => {
      fired.push('ran');
      resolve();
    }, 1),
  );
  // Node runs timers in order of due time, so the cancelled one would have run before this one.
  assert.deepEqual(fired, ['ran']);
});

test('the system clock waits out a limit longer than setTimeout takes (1000 h) instead of firing at once', async () => {
  let fired = false;
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.name);
  process.on('warning', onWarning);
  const cancel = systemClock.timeout(() => (fired = true), 1000 * 3_600_000);
  await new Promise((resolve) => setTimeout(resolve, 50));
  cancel();
  process.off('warning', onWarning);
  assert.equal(fired, false);
  assert.deepEqual(warnings, []);
});
