// The report model: what a report says, independent of how it is drawn. Data gathering (search.ts,
// train.ts) turns database rows into this; html.ts and markdown.ts render it; figures are
// vega-lite specs and cell graphs DOT text, rendered to SVG by render.ts. A new study kind (the
// ablation report) adds a function from StudyData to sections, and nothing else.
import type { Event } from '../storage.ts';

export type Align = 'left' | 'right';

export interface Table {
  columns: { label: string; align: Align }[];
  /** Display text per cell (numbers already formatted). */
  rows: string[][];
  /** Indexes of rows drawn as reference rows (GRU, LSTM, LSTM-b in a leaderboard). */
  reference?: number[];
}

export type Block =
  | { kind: 'text'; text: string }
  | { kind: 'list'; items: string[] }
  /** Label/value pairs (a summary). */
  | { kind: 'facts'; items: [string, string][] }
  | { kind: 'table'; table: Table }
  | { kind: 'code'; text: string }
  /** A vega-lite figure; `id` names its SVG file beside report.md. */
  | { kind: 'figure'; id: string; title: string; caption: string; spec: Record<string, unknown> }
  /** A cell graph in Graphviz DOT; `id` names its SVG file. */
  | { kind: 'graph'; id: string; title: string; dot: string };

export interface Section {
  /** Anchor in the HTML (stable: tests and links use it). */
  id: string;
  title: string;
  blocks: Block[];
  subsections?: Section[];
}

export interface ReportModel {
  title: string;
  /** One line under the title: the database, the state of the study, when it was written. */
  subtitle: string;
  sections: Section[];
}

// ---------------------------------------------------------------------------------------------
// Shared helpers of the section builders.
// ---------------------------------------------------------------------------------------------

/** A number for a table: fixed digits, '-' for missing or non-finite values. */
export function fmt(v: number | null | undefined, digits = 4): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '-';
}

/** One formatter for every call: `toLocaleString` builds one per call (a large search formats thousands of counts). */
const INTEGER = new Intl.NumberFormat('en-US');

/** An integer with thin grouping: 12345 -> "12,345". */
export function fmtInt(v: number | null | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? INTEGER.format(Math.round(v)) : '-';
}

/** Milliseconds as "1 h 02 min", "3 min 05 s", "12.3 s". */
export function fmtDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.floor(s % 60)).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/**
 * The study's wall time: the sum of its sessions, each from a `start` or `resume` event to the
 * next `finished`, `interrupted` or `error` event. A session still open counts up to `now` when
 * a writer is active (the study is running), and not at all otherwise (a killed run: its end is
 * unknown).
 */
export function wallTimeMs(events: readonly Event[], now: Date, running: boolean): { ms: number; sessions: number } {
  let ms = 0;
  let sessions = 0;
  let open: number | undefined;
  for (const e of events) {
    const t = Date.parse(e.at);
    if (e.kind === 'start' || e.kind === 'resume') {
      open = t;
      sessions++;
    } else if ((e.kind === 'finished' || e.kind === 'interrupted' || e.kind === 'error') && open !== undefined) {
      ms += t - open;
      open = undefined;
    }
  }
  if (open !== undefined && running) ms += now.getTime() - open;
  return { ms, sessions };
}

/**
 * Which cellsearch created the study and which resumed it, from the `cellsearch` field of its
 * `start` and `resume` events; undefined for a study made before cellsearch recorded it.
 */
export function sessionVersions(events: readonly Event[]): string | undefined {
  const of = (e: Event): string => (typeof e.data.cellsearch === 'string' ? e.data.cellsearch : 'unknown');
  const sessions = events.filter((e) => e.kind === 'start' || e.kind === 'resume');
  if (!sessions.some((e) => typeof e.data.cellsearch === 'string')) return undefined;
  const created = sessions.find((e) => e.kind === 'start');
  const resumed = sessions.filter((e) => e.kind === 'resume').map(of);
  return `${created ? `created by ${of(created)}` : 'created by unknown'}${resumed.length ? `; resumed by ${resumed.join(', ')}` : ''}`;
}

/** Short form of an architecture hash, as tables and captions show it. */
export function shortHash(hash: string): string {
  return hash.slice(0, 8);
}
