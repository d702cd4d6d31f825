import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rngFor } from './random.ts';
import { getTask } from './registry.ts';
import { XmlOptionsSchema } from './task-options.ts';
import { encodeXml, generateXml, XML_VOCAB } from './xml.ts';

/** Checks well-formedness: one root element, every tag closed in order, nothing else. */
function checkWellFormed(doc: string, minName: number, maxName: number): { tags: number; depth: number } {
  const lines = doc.split('\n');
  assert.equal(lines.pop(), '', 'the document ends with a newline');
  const open: string[] = [];
  let tags = 0, depth = 0;
  lines.forEach((line, i) => {
    const m = /^<(\/?)([a-z]+)>$/.exec(line);
    assert.ok(m, `line ${i} is not a tag: ${JSON.stringify(line)}`);
    if (m[1]) assert.equal(m[2], open.pop(), `line ${i} closes the wrong tag`);
    else {
      assert.ok(i === 0 || open.length > 0, 'a single root: nothing opens after the root closed');
      assert.ok(m[2].length >= minName && m[2].length <= maxName, `tag name length ${m[2].length}`);
      open.push(m[2]);
      tags++;
      depth = Math.max(depth, open.length);
    }
  });
  assert.equal(open.length, 0, 'every tag is closed');
  return { tags, depth };
}

test('every document is well formed, with names of 2 to 10 letters and at most 50 opened tags', () => {
  const o = XmlOptionsSchema.parse({});
  let deep = 0, maxTags = 0;
  for (let i = 0; i < 1000; i++) {
    const { tags, depth } = checkWellFormed(generateXml(rngFor('w', i), o), 2, 10);
    assert.ok(tags <= 50);
    maxTags = Math.max(maxTags, tags);
    if (depth >= 3) deep++;
  }
  assert.ok(deep > 100, 'nesting occurs');
  assert.ok(maxTags >= 25, 'long documents occur (the 50-iteration cap matters)');
});

test('the iteration rule: always close after maxIterations, close with the given probability', () => {
  // Close probability 1: the root opens and closes at once.
  const o1 = XmlOptionsSchema.parse({ closeProbability: 1 });
  assert.match(generateXml(rngFor('c', 1), o1), /^<([a-z]+)>\n<\/\1>\n$/);
  // One iteration allowed: the same, whatever the draws.
  const o2 = XmlOptionsSchema.parse({ maxIterations: 1 });
  for (let i = 0; i < 20; i++) assert.match(generateXml(rngFor('m', i), o2), /^<([a-z]+)>\n<\/\1>\n$/);
  // maxIterations 3: at most 3 tags are opened.
  const o3 = XmlOptionsSchema.parse({ maxIterations: 3 });
  for (let i = 0; i < 200; i++) assert.ok(checkWellFormed(generateXml(rngFor('m', i), o3), 2, 10).tags <= 3);
  assert.throws(() => XmlOptionsSchema.parse({ minNameLength: 5, maxNameLength: 3 }));
});

test("scored: the names and '>' of closing tags, or every character", () => {
  const doc = '<ab>\n<cde>\n</cde>\n</ab>\n';
  const closing = encodeXml(doc, 'closing');
  const marked = [...doc].map((c, i) => (closing.scored[i] ? c.toUpperCase() : c)).join('');
  assert.equal(marked, '<ab>\n<cde>\n</CDE>\n</AB>\n');
  const all = encodeXml(doc, 'all');
  assert.deepEqual(Array.from(all.scored), [0, ...new Array(doc.length - 1).fill(1)]);
  assert.equal(Array.from(closing.tokens, (t) => XML_VOCAB[t]).join(''), doc);
});

test('batches (plain batching): sequences fit (T grows beyond unroll), metric follows the scoring', () => {
  const task = getTask('xml', { batching: 'plain' });
  assert.equal(task.metric, 'accuracy');
  assert.equal(getTask('xml', { score: 'all' }).metric, 'perplexity');
  const b = task.batch('train', 0, { seed: 1, batchSize: 8, unroll: 10 });
  assert.ok(b.T >= 10 && b.T <= task.maxSteps!);
  const ex = task.sample(8, 1);
  assert.equal(b.T, Math.max(10, ...ex.map((e) => e.symbols.length - 1)), 'T is the longest sequence of the batch');
  for (const e of ex) checkWellFormed(e.symbols.join(''), 2, 10);
});
