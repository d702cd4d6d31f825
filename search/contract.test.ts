import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonObjectSchema, JsonSchema } from './contract.ts';

test('JsonSchema accepts what JSON.parse returns, as the value itself (no copy)', () => {
  const v = JSON.parse('{"a":[1,2.5,-3e-7,"x",true,false,null,{"b":{}}],"c":{"d":[[]]}}');
  assert.equal(JsonSchema.parse(v), v);
  assert.equal(JsonObjectSchema.parse(v), v);
  for (const x of [null, 0, 'text', true, [], {}, Object.create(null)]) assert.equal(JsonSchema.parse(x), x);
});

test('JsonSchema refuses what JSON cannot hold, naming the path', () => {
  const cases: [unknown, (string | number)[]][] = [
    [{ a: [1, Number.NaN] }, ['a', 1]],
    [{ a: { b: Number.POSITIVE_INFINITY } }, ['a', 'b']],
    [{ a: undefined }, ['a']],
    [[1, () => 1], [1]],
    [{ when: new Date(0) }, ['when']],
    [{ m: new Map() }, ['m']],
    [{ n: 1n }, ['n']],
    [[, 1], [0]],
  ];
  for (const [value, path] of cases) {
    const r = JsonSchema.safeParse(value);
    assert.equal(r.success, false, JSON.stringify(path));
    assert.deepEqual(r.error!.issues[0].path, path);
  }
  assert.equal(JsonSchema.safeParse(undefined).success, false);
});

test('JsonObjectSchema refuses arrays, null and scalars at the top', () => {
  for (const x of [[], null, 1, 'a', true, undefined]) assert.equal(JsonObjectSchema.safeParse(x).success, false, String(x));
  assert.equal(JsonObjectSchema.safeParse({ a: [Number.NaN] }).success, false);
});
