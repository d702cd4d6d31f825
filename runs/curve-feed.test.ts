import { test } from 'node:test';
import assert from 'node:assert/strict';
import { curveFeed } from './curve-feed.ts';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('curveFeed: the first point is written at once, later ones wait for the interval; close drops what is unwritten and waits for the write in flight', async () => {
  const writes: number[][] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const feed = curveFeed({
    write: async (points) => {
      writes.push(points.map((p) => p.step));
      await gate;
    },
    after: 2,
    intervalMs: 600_000,
    onError: (err) => assert.fail(String(err)),
  });
  feed.push({ step: 1, loss: 1 });
  feed.push({ step: 2, loss: 1 });
  feed.push({ step: 3, loss: 1 });
  await tick(20);
  feed.push({ step: 4, loss: 1 });
  feed.push({ step: 5, loss: 1 });
  await tick(20);
  assert.deepEqual(writes, [[3]], 'points at or before `after` are not the job\'s; the rest wait for the interval');
  let closed = false;
  const closing = feed.close().then(() => (closed = true));
  await tick(20);
  assert.equal(closed, false, 'close waits for the write in flight');
  release();
  await closing;
  feed.push({ step: 6, loss: 1 });
  await tick(20);
  assert.deepEqual(writes, [[3]], 'the unwritten points are left to the result; nothing after close');
});

test('curveFeed: with a short interval every point is written once, in order; a failed write is reported and feeding goes on', async () => {
  const written: number[] = [];
  const errors: unknown[] = [];
  let calls = 0;
  const feed = curveFeed({
    write: async (points) => {
      if (++calls === 2) throw new Error('disk full');
      written.push(...points.map((p) => p.step));
    },
    after: 0,
    intervalMs: 1,
    onError: (err) => errors.push(err),
  });
  for (let step = 1; step <= 30; step++) {
    feed.push({ step, loss: 1 / step });
    if (step % 5 === 0) await tick(5);
  }
  while (written[written.length - 1] !== 30) await tick(5);
  await feed.close();
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]), /disk full/);
  const lost = Array.from({ length: 30 }, (_, i) => i + 1).filter((s) => !written.includes(s));
  assert.ok(lost.length > 0 && written.length + lost.length === 30, 'only the failed write\'s points are missing');
  assert.deepEqual(written, [...written].sort((a, b) => a - b), 'in order');
  assert.ok(calls < 30, `points are batched: ${calls} writes for 30 points`);
});
