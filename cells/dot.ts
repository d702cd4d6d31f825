// Graphviz DOT export of a cell: the input and the previous states at the top, one box or ellipse
// per node labelled with its id and operation, the new states at the bottom. Edges into a
// `linear` carry the weight's name (W0, W1, ... as in graph.ts's parameter layout) and edges into
// a `sub` its sign, so the drawing determines the graph.
import { INPUT, isActivation, nodeInputs, paramCount, type CellJson, type CellNode } from './graph.ts';

/** Escapes text for a double-quoted DOT string (line breaks become centred `\n`). */
function esc(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n');
}

// DOT ids: prefixed so that a node can never collide with x or a state, always quoted.
const inputId = () => `"in:${INPUT}"`;
const stateId = (s: string) => `"state:${esc(s)}"`;
const nodeId = (id: string) => `"node:${esc(id)}"`;
const newStateId = (s: string) => `"new:${esc(s)}"`;

function opLabel(n: CellNode): string {
  switch (n.op) {
    case 'linear': {
      const notes: string[] = [];
      if (n.bias === false) notes.push('no bias');
      else if (n.biasInit !== undefined && n.biasInit !== 0) notes.push(`bias init ${n.biasInit}`);
      if (n.diagOffset !== undefined && n.diagOffset !== 0) notes.push(`diag offset ${n.diagOffset}`);
      return `linear${notes.length ? ` (${notes.join(', ')})` : ''}`;
    }
    case 'diag':
      return 'diag (p ⊙ ·)';
    case 'add':
      return '+';
    case 'sub':
      return '−';
    case 'mul':
      return '⊙';
    case 'one':
      return '1';
    default:
      return n.op;
  }
}

function nodeStyle(n: CellNode): string {
  if (n.op === 'linear' || n.op === 'diag') return 'shape=box, style="filled", fillcolor="#dbe8f7"';
  if (isActivation(n.op)) return 'shape=ellipse, style="filled", fillcolor="#fbe5c8"';
  if (n.op === 'one') return 'shape=plaintext';
  return 'shape=circle, style="filled", fillcolor="#e4e4e4"';
}

export interface DotOptions {
  /** When given, the title also shows the parameter count at this hidden width. */
  hidden?: number;
}

/** The cell as a Graphviz `digraph`. The cell should be checked (cells/validate.ts). */
export function toDot(cell: CellJson, opts: DotOptions = {}): string {
  const ref = (r: string): string => (r === INPUT ? inputId() : cell.states.includes(r) ? stateId(r) : nodeId(r));
  const title = [cell.name ?? 'cell', cell.description, cell.source, opts.hidden !== undefined ? `${paramCount(cell, opts.hidden)} parameters at hidden=${opts.hidden}` : undefined]
    .filter((t): t is string => t !== undefined && t !== '')
    .map(esc)
    .join('\\n');
  const out: string[] = [];
  out.push(`digraph "${esc(cell.name ?? 'cell')}" {`);
  out.push(`  graph [label="${title}", labelloc=t, fontname="Helvetica", rankdir=TB];`);
  out.push('  node [fontname="Helvetica"];');
  out.push('  edge [fontname="Helvetica", fontsize=10];');
  out.push('  { rank=source;');
  out.push(`    ${inputId()} [label="${INPUT}", shape=box, style="rounded,bold"];`);
  for (const s of cell.states) out.push(`    ${stateId(s)} [label="${esc(s)} (t-1)", shape=box, style="rounded"];`);
  out.push('  }');
  for (const n of cell.nodes) out.push(`  ${nodeId(n.id)} [label="${esc(n.id)}\\n${esc(opLabel(n))}", ${nodeStyle(n)}];`);
  out.push('  { rank=sink;');
  for (const s of cell.states) out.push(`    ${newStateId(s)} [label="${esc(s)}'${s === 'h' ? ' (output)' : ''}", shape=box, style="rounded,bold"];`);
  out.push('  }');
  for (const n of cell.nodes) {
    nodeInputs(n).forEach((r, k) => {
      const label = n.op === 'linear' ? `W${k}` : n.op === 'sub' ? (k === 0 ? '+' : '−') : undefined;
      out.push(`  ${ref(r)} -> ${nodeId(n.id)}${label ? ` [label="${label}"]` : ''};`);
    });
  }
  for (const s of cell.states) {
    const r = cell.outputs[s];
    if (r !== undefined) out.push(`  ${ref(r)} -> ${newStateId(s)} [style=dashed];`);
  }
  out.push('}');
  return out.join('\n') + '\n';
}
