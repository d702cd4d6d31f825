// `npm run bench:large-cells`: the time to hash (`cellHash`, what `show --canonical` and every
// stored architecture need), print and re-parse the notation of large cells: a chain of N single
// uses (`a_i = tanh(a_{i-1})`, the shape a mutation run can grow), a chain of N shared values
// (`a_i = a_{i-1} + a_{i-1}`) and N parallel gates summed. Issue 18's target: `show --canonical`
// of a 10,000-node cell under 5 s. Wall-clock ms in this process, one run each.
//
//   npm run bench:large-cells                      sizes 2000, 6000, 10000
//   npm run bench:large-cells -- --sizes 1000,2000 --shapes chain
import { parseArgs } from 'node:util';
import { canonicalForm, cellHash } from '../cells/canonical.ts';
import type { CellJson, CellNode } from '../cells/graph.ts';
import { printNotation, readNotation } from '../cells/notation.ts';
import { parseCell } from '../cells/validate.ts';
import { showCell } from '../commands/show.ts';

/** The shapes measured, by name: a cell of about n nodes. */
export const SHAPES: Record<string, (n: number) => CellJson> = {
  chain: (n) => {
    const nodes: CellNode[] = [{ id: 'a0', op: 'linear', in: ['x', 'h'] }];
    for (let i = 1; i < n; i++) nodes.push({ id: `a${i}`, op: 'tanh', in: [`a${i - 1}`] });
    nodes.push({ id: 'o', op: 'mul', in: [`a${n - 1}`, 'h'] });
    return { states: ['h'], nodes, outputs: { h: 'o' } };
  },
  shared: (n) => {
    const nodes: CellNode[] = [{ id: 'a0', op: 'linear', in: ['x', 'h'] }];
    for (let i = 1; i < n; i++) nodes.push({ id: `a${i}`, op: 'add', in: [`a${i - 1}`, `a${i - 1}`] });
    nodes.push({ id: 'o', op: 'mul', in: [`a${n - 1}`, 'h'] });
    return { states: ['h'], nodes, outputs: { h: 'o' } };
  },
  gates: (n) => {
    const k = Math.max(2, Math.floor(n / 3));
    const nodes: CellNode[] = [];
    for (let i = 0; i < k; i++) nodes.push({ id: `l${i}`, op: 'linear', in: ['x', 'h'] }, { id: `g${i}`, op: 'sigmoid', in: [`l${i}`] });
    nodes.push({ id: 's1', op: 'add', in: ['g0', 'g1'] });
    for (let i = 2; i < k; i++) nodes.push({ id: `s${i}`, op: 'add', in: [`s${i - 1}`, `g${i}`] });
    return { states: ['h'], nodes, outputs: { h: `s${k - 1}` } };
  },
};

/** Wall-clock and CPU milliseconds of f (the CPU figure is the one to read on a loaded machine). */
function time<T>(f: () => T): { ms: number; cpu: number; value: T } {
  const t = performance.now();
  const u = process.cpuUsage();
  const value = f();
  const d = process.cpuUsage(u);
  return { ms: performance.now() - t, cpu: (d.user + d.system) / 1000, value };
}

const both = (t: { ms: number; cpu: number }, width: number) => `${t.ms.toFixed(0)}/${t.cpu.toFixed(0)}`.padStart(width);

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '2000,6000,10000' }, shapes: { type: 'string', default: Object.keys(SHAPES).join(',') } } });
const sizes = values.sizes.split(',').map(Number);
console.log('wall/CPU ms each; show --canonical = what `cellsearch show <file> --canonical` does after loading the file');
console.log('shape     nodes     validate     cellHash  show --canonical     print     parse   hash after print + parse');
for (const shape of values.shapes.split(',')) {
  for (const n of sizes) {
    const json = SHAPES[shape](n);
    const v = time(() => parseCell(json));
    const h = time(() => cellHash(v.value));
    const sc = time(() => showCell(v.value, { format: 'text', canonical: true }, canonicalForm));
    const p = time(() => printNotation(v.value));
    const r = time(() => readNotation(p.value));
    const same = cellHash(r.value) === h.value && sc.value.includes(`# cellHash ${h.value}`) ? 'same' : 'DIFFERENT';
    console.log(`${shape.padEnd(8)} ${String(json.nodes.length).padStart(6)} ${both(v, 12)} ${both(h, 12)} ${both(sc, 17)} ${both(p, 9)} ${both(r, 9)}   ${same}`);
  }
}
