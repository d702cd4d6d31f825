// The progress display: a bar redrawn in place on a terminal, plain lines otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { bar, evaluationLabel, progressView } from './progress.ts';
import type { Evaluation } from './storage.ts';

function sink(isTTY: boolean) {
  let text = '';
  const out = Object.assign(new Writable({ write(chunk, _enc, cb) { text += String(chunk); cb(); } }), { isTTY, columns: 120 });
  return { out, text: () => text };
}

const ev = (over: Partial<Evaluation> = {}): Evaluation => ({
  id: 1, experimentId: 1, key: '["a","t","0"]', generation: 0, ordinal: 0, architecture: 'a', task: 't', taskOptions: {}, hyperparameters: {},
  seed: 1, status: 'running', metrics: null, steps: null, wallMs: null, error: null, attempts: 0, continues: null, keepCheckpoint: false, ...over,
});

function play(view: ReturnType<typeof progressView>) {
  view.onEvent({ type: 'generation', generation: 0, evaluations: 2, finished: true });
  view.onEvent({ type: 'start', evaluation: ev() });
  view.onEvent({ type: 'progress', evaluation: ev(), point: { step: 5, maxSteps: 10, loss: 2.5, lr: 1 } });
  view.onEvent({ type: 'progress', evaluation: ev(), point: { step: 10, maxSteps: 10, loss: 2, lr: 1, validLoss: 2.1, validAccuracy: 0.25 } });
  view.onEvent({ type: 'finish', evaluation: ev({ status: 'done', steps: 10, metrics: { validAccuracy: 0.25, testAccuracy: 0.3 } }) });
  view.onEvent({ type: 'failure', evaluation: ev({ id: 2, attempts: 1 }), error: 'boom\nstack', then: 'failed' });
  view.done();
}

test('bar fills in proportion and tolerates nonsense', () => {
  assert.equal(bar(0.5, 10), '#####.....');
  assert.equal(bar(2, 4), '####');
  assert.equal(bar(Number.NaN, 4), '....');
});

test('on a terminal the line is redrawn in place; results and failures get their own lines', () => {
  const s = sink(true);
  play(progressView({ out: s.out, label: (e) => `cell#${e.id}` }));
  const t = s.text();
  assert.match(t, /\rcell#1 \[############\.{12}\] step 5\/10 loss 2\.500 valid acc - \| 0\/2 finished/);
  assert.match(t, /step 10\/10 loss 2\.000 valid acc 0\.250/);
  assert.match(t, /cell#1: done after 10 steps, valid acc 0\.250, test acc 0\.300 \(1\/2 finished\)\n/);
  assert.match(t, /cell#2: attempt 1 failed, giving up: boom\n/);
});

test('when not a terminal it prints plain lines only: starts, validations, results', () => {
  const s = sink(false);
  play(progressView({ out: s.out, label: (e) => `cell#${e.id}`, tty: false }));
  const lines = s.text().split('\n').filter(Boolean);
  assert.ok(!s.text().includes('\r'));
  assert.deepEqual(lines, [
    'cell#1: training (0/2 finished)',
    'cell#1: step 10/10 loss 2.000 valid loss 2.100 valid acc 0.250',
    'cell#1: done after 10 steps, valid acc 0.250, test acc 0.300 (1/2 finished)',
    'cell#2: attempt 1 failed, giving up: boom',
  ]);

});

test('evaluationLabel: the cell by name (else the short hash), with the task and the trial when asked', () => {
  const e = ev({ architecture: '0123456789abcdef', task: 'xml', key: '["0123456789abcdef","xml","3"]' });
  const names = new Map([['0123456789abcdef', 'gru']]);
  assert.equal(evaluationLabel(names, { task: true, trial: true })(e), 'gru xml #3');
  assert.equal(evaluationLabel(new Map(), { task: true, trial: true })(e), '01234567 xml #3');
  assert.equal(evaluationLabel(names, { task: false, trial: true })(e), 'gru #3');
  assert.equal(evaluationLabel(names, { task: false, trial: false })(e), 'gru');
});

test('control characters in a label (a file name) are printed escaped, on a terminal and in plain lines', () => {
  for (const tty of [true, false]) {
    const s = sink(tty);
    play(progressView({ out: s.out, label: () => 'evil\x1b]0;pwned\x07\nname' }));
    const t = s.text();
    assert.equal(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(t), false, JSON.stringify(t));
    assert.match(t, /evil\\x1b\]0;pwned\\x07\\nname/);
  }
});
