// Differences between two JSON values, as paths, for "this experiment exists with a different
// configuration" messages.
import type { Json } from './storage.ts';

export interface Difference {
  path: string;
  stored: Json | undefined;
  given: Json | undefined;
}

export function jsonDifferences(stored: Json | undefined, given: Json | undefined, path = ''): Difference[] {
  if (isObject(stored) && isObject(given)) {
    const keys = [...new Set([...Object.keys(stored), ...Object.keys(given)])].sort();
    return keys.flatMap((k) => jsonDifferences(stored[k], given[k], path ? `${path}.${k}` : k));
  }
  if (Array.isArray(stored) && Array.isArray(given) && stored.length === given.length) {
    return stored.flatMap((v, i) => jsonDifferences(v, given[i], `${path}[${i}]`));
  }
  return JSON.stringify(stored) === JSON.stringify(given) ? [] : [{ path: path || '(root)', stored, given }];
}

function isObject(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const show = (v: Json | undefined): string => (v === undefined ? '(absent)' : JSON.stringify(v));

export function formatDifferences(diffs: readonly Difference[]): string {
  return diffs.map((d) => `  ${d.path}: stored ${show(d.stored)}, given ${show(d.given)}`).join('\n');
}
