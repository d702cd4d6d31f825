// Printing a cell in the notation of cells/notation.ts (its grammar is described there), which
// re-exports `printNotation`. Apart from the parser, so that printing loads no zod.
import { INPUT, isActivation, nodeInputs, type CellJson, type CellNode } from './graph.ts';

/** Ids the parser makes for inner nodes end in _<digits>; printing writes such gates inline. */
const GENERATED = /_\d+$/;
const BARE_NAME = /^[A-Za-z0-9_.+-]+$/;

/**
 * How deep one expression may nest: operations inside operations, and parentheses. Parsing and
 * building nodes recurse that deep, so the limit keeps deep input (100,000 parentheses, a sum of
 * 100,000 terms) a located error instead of a stack overflow; the printer writes a deeper chain
 * over several lines, so every cell prints as text that parses back.
 */
export const MAX_NESTING = 200;

const PREC = { add: 1, sub: 1, mul: 2 } as const;
const ATOM = 3;

function formatName(name: string): string {
  return BARE_NAME.test(name) ? name : JSON.stringify(name);
}

function formatMeta(value: string): string {
  // Verbatim unless trimming, a line break or a leading quote would change it on reading.
  const verbatim = value !== '' && value === value.trim() && !/[\u0000-\u001f\u007f\u2028\u2029]/.test(value) && !value.startsWith('"');
  return verbatim ? value : JSON.stringify(value);
}

/**
 * Prints a cell in the notation. The cell must be checked (cells/validate.ts): nodes in
 * topological order, references resolved. The result ends with a newline.
 */
export function printNotation(cell: CellJson): string {
  const byId = new Map(cell.nodes.map((n) => [n.id, n]));
  const uses = new Map<string, number>();
  const count = (ref: string) => uses.set(ref, (uses.get(ref) ?? 0) + 1);
  for (const n of cell.nodes) for (const r of n.in ?? []) count(r);
  const outputOf = new Map<string, string>(); // node id -> the first state whose new value it is
  for (const s of cell.states) {
    const ref = cell.outputs[s];
    if (ref === undefined) continue;
    count(ref);
    if (byId.has(ref) && !outputOf.has(ref)) outputOf.set(ref, s);
  }
  // A gate or candidate (an activation of an expression with a linear map in it) gets its own
  // line, as in the papers, unless its id is one the parser made up (the text wrote it inline);
  // everything else used once is written where it is used.
  // A chain of single uses deeper than the parser takes (MAX_NESTING) is cut: the node that would
  // nest too deep gets a line of its own.
  const inlined = new Map<string, boolean>();
  const hasLinear = new Map<string, boolean>(); // over the expression as it would be written inline
  const depth = new Map<string, number>(); // of the expression as it would be written inline
  for (const n of cell.nodes) {
    const ins = nodeInputs(n);
    const inner = ins.filter((r) => inlined.get(r) === true);
    const linearInside = n.op === 'linear' || inner.some((r) => hasLinear.get(r) === true);
    const d = 1 + Math.max(1, ...inner.map((r) => depth.get(r) ?? 1));
    hasLinear.set(n.id, linearInside);
    depth.set(n.id, d);
    inlined.set(n.id, !outputOf.has(n.id) && uses.get(n.id) === 1 && !(isActivation(n.op) && linearInside && !GENERATED.test(n.id)) && d < MAX_NESTING);
  }
  const inline = (n: CellNode): boolean => inlined.get(n.id) === true;
  const nameOf = (id: string): string => {
    const s = outputOf.get(id);
    return s !== undefined ? `${s}'` : id;
  };
  const render = (ref: string): { text: string; prec: number } => {
    const n = byId.get(ref);
    if (!n || !inline(n)) return { text: n ? nameOf(ref) : ref, prec: ATOM };
    return renderNode(n);
  };
  const renderNode = (n: CellNode): { text: string; prec: number } => {
    switch (n.op) {
      case 'one':
        return { text: '1', prec: ATOM };
      case 'add':
      case 'sub':
      case 'mul': {
        const p = PREC[n.op];
        const [a, b] = n.in.map(render);
        const left = a.prec < p ? `(${a.text})` : a.text;
        const right = b.prec <= p ? `(${b.text})` : b.text;
        return { text: `${left} ${n.op === 'add' ? '+' : n.op === 'sub' ? '-' : '*'} ${right}`, prec: p };
      }
      case 'linear': {
        const opts: string[] = [];
        if (n.bias !== undefined) opts.push(`bias=${n.bias}`);
        if (n.biasInit !== undefined) opts.push(`biasInit=${n.biasInit}`);
        if (n.diagOffset !== undefined) opts.push(`diagOffset=${n.diagOffset}`);
        const args = n.in.map((r) => render(r).text).join(', ');
        return { text: `linear(${args}${opts.length ? `; ${opts.join(', ')}` : ''})`, prec: ATOM };
      }
      default:
        return { text: `${n.op}(${(n.in ?? []).map((r) => render(r).text).join(', ')})`, prec: ATOM };
    }
  };

  const lines = [`cell ${cell.name !== undefined ? formatName(cell.name) : ''}(${INPUT}; ${cell.states.join(', ')})`];
  if (cell.description !== undefined) lines.push(`  description: ${formatMeta(cell.description)}`);
  if (cell.source !== undefined) lines.push(`  source: ${formatMeta(cell.source)}`);
  for (const n of cell.nodes) if (!inline(n)) lines.push(`  ${nameOf(n.id)} = ${renderNode(n).text}`);
  for (const s of cell.states) {
    const ref = cell.outputs[s];
    if (ref !== undefined && outputOf.get(ref) !== s) lines.push(`  ${s}' = ${render(ref).text}`);
  }
  return lines.join('\n') + '\n';
}
