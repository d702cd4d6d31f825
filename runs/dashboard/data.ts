// The dashboard's one way into the database: everything it shows is read here, through the
// Storage interface (runs/storage.ts), opened read-only by the caller. A study is read as one
// snapshot (Storage.snapshot: one read transaction, never a write lock, so a running study is
// neither blocked nor slowed) and kept with the report model built from it until the study's
// fingerprint changes. The fingerprint is one cheap query (listExperiments: the experiments and
// their evaluation counts per status) plus the active writer; the server polls it for live
// updates. A backend whose reads are slow only makes this module slower, never the writer.
//
// What a large search costs (10,000 evaluations): a search's snapshot is read without its
// learning curves (most of its rows), and only the curves a page draws are read (the report's
// top architectures, an architecture page's evaluations: finished curves never change). A read
// after a change is handed the rows of the one before and gets back those that did not change as
// they were (SnapshotOptions.reuse: a hash's architecture never changes, an evaluation only with
// its status, metrics or attempts), so each cell is checked once while the server lives and a new
// generation costs a few new rows, not the study's. Of the state before a change only its
// drawings stay besides those rows. A change that only the writer makes (a
// process opened or left the study) keeps the rows; a figure whose specification a change left
// alone keeps its drawing; figures are drawn one at a time (see `draw`).
import { createHash } from 'node:crypto';
import { UserError } from '../../errors.ts';
import type { Architecture, Evaluation, ExperimentSummary, Storage, Writer } from '../storage.ts';
import { buildReport, cellsearchVersion, isSearchKind } from '../report/index.ts';
import type { Block, ReportModel, Section, Table } from '../report/model.ts';
import { renderDot, renderVegaLite } from '../report/render.ts';
import { analyzeSearch, drawnCurves, type SearchAnalysis } from '../report/search.ts';
import { architectureModel, experimentRow, liveFingerprint, liveView, progressOf, type ExperimentRow, type LiveStudy, type LiveView, type Progress } from './views.ts';

/** A figure or drawing of a page, drawn to SVG on request by the report's own renderer. */
type Asset = { draw: 'vega-lite'; spec: Record<string, unknown> } | { draw: 'ablation'; spec: Record<string, unknown> } | { draw: 'dot'; dot: string };

/** What a page drawn from a study state may still ask for after the study changed: its figures and drawings. */
interface Drawings {
  fingerprint: string;
  assets: Map<string, Asset>;
  svgs: Map<string, Promise<string>>;
  archs: Map<string, Promise<{ model: ReportModel; assets: Map<string, Asset> } | undefined>>;
}

/**
 * One study at one fingerprint: its rows (a search's with the curves read so far only), the
 * report model and the drawings made so far.
 */
interface StudyState extends Drawings {
  data: LiveStudy;
  analysis: SearchAnalysis | undefined;
  model: ReportModel;
}

/** Fingerprints of every experiment by name, for change detection. */
export type Fingerprints = Map<string, string>;

export class NotFound extends Error {}

const writerPart = (writer: Writer | undefined) => (writer ? `${writer.host}:${writer.pid}` : '-');

function fingerprintOf(e: ExperimentSummary, writer: Writer | undefined): string {
  return [e.id, e.status, e.updatedAt, ...Object.values(e.counts), writerPart(writer)].join('|');
}

/** The part of a fingerprint that the study's rows determine: all but the writer (its last field). */
const rowsPart = (fingerprint: string) => fingerprint.slice(0, fingerprint.lastIndexOf('|'));

/**
 * What an asset draws, as a short key: two states of a study whose figure has the same
 * specification (a change that left it alone) share one drawing instead of drawing it again.
 */
const contentKeys = new WeakMap<Asset, string>();
function contentKey(asset: Asset): string {
  let key = contentKeys.get(asset);
  if (key === undefined) {
    key = `${asset.draw}:${createHash('sha256').update(asset.draw === 'dot' ? asset.dot : JSON.stringify(asset.spec)).digest('base64url')}`;
    contentKeys.set(asset, key);
  }
  return key;
}

/** Every figure and drawing of a model, by block id. */
function assetsOf(model: ReportModel, ablation: boolean): Map<string, Asset> {
  const out = new Map<string, Asset>();
  const visit = (s: Section) => {
    for (const b of s.blocks) {
      if (b.kind === 'figure') out.set(b.id, ablation ? { draw: 'ablation', spec: b.spec } : { draw: 'vega-lite', spec: b.spec });
      else if (b.kind === 'graph') out.set(b.id, { draw: 'dot', dot: b.dot });
    }
    (s.subsections ?? []).forEach(visit);
  };
  model.sections.forEach(visit);
  return out;
}

/** The ablation ("odyssey") report's sections as report-model sections: its tables, text and figures unchanged. */
async function ablationModel(storage: Storage, name: string): Promise<ReportModel> {
  const ablation = await import('../report/ablation/index.ts');
  const { loadAblation } = await import('../ablate.ts');
  const m = ablation.ablationReportModel(await loadAblation(storage, name), { db: storage.location });
  const numeric = (c: string) => /^[-–+0-9.e[\]]/.test(c);
  const sections: Section[] = [];
  for (const s of m.sections) {
    const blocks: Block[] = [
      ...s.paragraphs.map((text): Block => ({ kind: 'text', text })),
      ...s.tables.flatMap((t): Block[] => {
        const table: Table = { columns: t.header.map((label, j) => ({ label, align: j > 0 && t.rows.every((r) => numeric(r[j] ?? '')) ? 'right' : 'left' })), rows: t.rows };
        return [...(t.caption ? [{ kind: 'text' as const, text: t.caption }] : []), { kind: 'table', table }];
      }),
      ...s.figures.map((f): Block => ({ kind: 'figure', id: f.id, title: '', caption: f.caption, spec: f.spec })),
    ];
    const section: Section = { id: s.id, title: s.title, blocks };
    const parent = sections[sections.length - 1];
    if (s.level === 3 && parent) (parent.subsections ??= []).push(section);
    else sections.push(section);
  }
  return { title: m.title, subtitle: `ablation study '${name}' in ${storage.location}`, sections };
}

export class DashboardData {
  private readonly studies = new Map<string, Promise<StudyState>>();
  /** The drawings of each study's state before its latest change: a page drawn from it may still ask for its figures. */
  private readonly previous = new Map<string, Drawings>();
  private readonly version = cellsearchVersion();
  /** The live figure of each study as last read, drawn on request. */
  private readonly liveFigures = new Map<string, Map<string, { figure: LiveView['figure']; svg: Promise<string> | undefined }>>();
  /** The end of the drawing under way: figures are drawn one at a time (see `draw`). */
  private drawing: Promise<unknown> = Promise.resolve();

  /** `renderers`: the report's own (tests count the drawings made). */
  constructor(
    readonly storage: Storage,
    private readonly renderers: { vegaLite: typeof renderVegaLite; dot: typeof renderDot } = { vegaLite: renderVegaLite, dot: renderDot },
  ) {}

  /** One cheap read: every experiment's fingerprint. */
  async fingerprints(): Promise<Fingerprints> {
    const [list, writer] = [await this.storage.listExperiments(), await this.storage.activeWriter()];
    return new Map(list.map((e) => [e.name, fingerprintOf(e, writer)]));
  }

  /**
   * Draws one figure after the ones asked before it. A page asks for all its figures at once, and
   * drawing them side by side holds every figure's scene graph at once (vega's, 10,000 items for
   * the largest): one at a time, the server's peak is the largest figure's, not their sum.
   */
  private draw(make: () => Promise<string>): Promise<string> {
    const svg = this.drawing.then(make);
    this.drawing = svg.catch(() => undefined);
    return svg;
  }

  /** The study `name` as it is now (rebuilt when its fingerprint changed since the last call). */
  private async state(name: string): Promise<StudyState> {
    const fingerprint = (await this.fingerprints()).get(name);
    if (fingerprint === undefined) throw new NotFound(`no experiment named '${name}' in ${this.storage.location}`);
    const cached = this.studies.get(name);
    const old = await cached?.catch(() => undefined);
    if (cached && old?.fingerprint === fingerprint) return cached;
    if (old) this.previous.set(name, { fingerprint: old.fingerprint, assets: old.assets, svgs: old.svgs, archs: old.archs });
    // Only the writer changed (a study's process started or went away; its rows did not): the
    // rows are kept and only the model, which says whether the study runs, is built again.
    // Otherwise only the old rows go on, for the read to reuse: the rest of the old state (its
    // analysis, model and curves) is not held while the new one is read.
    const built =
      old && rowsPart(old.fingerprint) === rowsPart(fingerprint)
        ? this.rewrite(fingerprint, old)
        : this.build(name, fingerprint, old && { evaluations: old.data.evaluations, architectures: old.data.architectures });
    this.studies.set(name, built);
    built.catch(() => this.studies.get(name) === built && this.studies.delete(name));
    return built;
  }

  /**
   * Reads the study. `known`: the rows of the previous read, whose unchanged evaluations and
   * architectures the snapshot returns as they are (SnapshotOptions.reuse): a re-read after a
   * new generation makes a few new objects, not 10,000, and checks each cell once while the
   * server lives (a backend that reads everything again gets the known architectures here).
   */
  private async build(name: string, fingerprint: string, known: { evaluations: readonly Evaluation[]; architectures: ReadonlyMap<string, Architecture> } | undefined): Promise<StudyState> {
    const experiment = await this.storage.getExperiment(name);
    const search = experiment !== undefined && isSearchKind(experiment.kind);
    const reuse = known && { evaluations: new Map(known.evaluations.map((e) => [e.id, e])), architectures: known.architectures };
    const snap = experiment && (await this.storage.snapshot(experiment.id, { curves: !search, ...(reuse ? { reuse } : {}) }));
    if (!snap) throw new NotFound(`no experiment named '${name}' in ${this.storage.location}`);
    for (const [hash, a] of known?.architectures ?? []) if (snap.architectures.has(hash)) snap.architectures.set(hash, a);
    const data: LiveStudy = { ...snap, location: this.storage.location, writerActive: snap.writer !== undefined };
    if (data.experiment.kind === 'ablate') {
      let model: ReportModel;
      try {
        model = await ablationModel(this.storage, name);
      } catch (err) {
        // A study with no finished trial yet (or an unreadable config) has no odyssey report: say why.
        if (!(err instanceof UserError)) throw err;
        model = { title: name, subtitle: '', sections: [{ id: 'ablation', title: 'Ablation', blocks: [{ kind: 'text', text: `No ablation report yet: ${err.message}` }] }] };
      }
      return { fingerprint, data, analysis: undefined, model, assets: assetsOf(model, true), svgs: new Map(), archs: new Map() };
    }
    if (!search) return this.model(fingerprint, data, undefined);
    const analysis = analyzeSearch(data);
    await this.readCurves(data, drawnCurves(analysis).map((c) => c.evaluation.id));
    return this.model(fingerprint, data, analysis);
  }

  /** The state of the same rows with the study's writer as it is now (the snapshot's: this study's, on PostgreSQL). */
  private async rewrite(fingerprint: string, old: StudyState): Promise<StudyState> {
    const writer = await this.storage.activeWriter(old.data.experiment.id);
    return this.model(fingerprint, { ...old.data, writer, writerActive: writer !== undefined }, old.analysis);
  }

  /** The report model of a study's rows (a search's with their analysis, made once per read). */
  private async model(fingerprint: string, data: LiveStudy, analysis: SearchAnalysis | undefined): Promise<StudyState> {
    if (data.experiment.kind === 'ablate') return this.build(data.experiment.name, fingerprint, data);
    const { model } = buildReport(data, { now: new Date(), version: this.version, ...(analysis ? { analysis } : {}) });
    return { fingerprint, data, analysis, model, assets: assetsOf(model, false), svgs: new Map(), archs: new Map() };
  }

  /** Reads the curves of `ids` not read yet into the study's rows (a search's snapshot has none). */
  private async readCurves(data: LiveStudy, ids: readonly number[]): Promise<void> {
    for (const id of ids) {
      if (data.curves.has(id)) continue;
      const curve = await this.storage.curve(id);
      if (curve.length > 0) data.curves.set(id, curve);
    }
  }

  /** Every experiment of the database, oldest first, as the list shows it. */
  async experiments(): Promise<ExperimentRow[]> {
    const names = [...(await this.fingerprints()).keys()];
    const now = new Date();
    return Promise.all(names.map(async (n) => {
      const s = await this.state(n);
      return experimentRow(s.data, s.analysis, now);
    }));
  }

  /** A study's page: progress, the report's model, the analysis (a search) and the fingerprint the page shows. */
  async study(name: string): Promise<{ fingerprint: string; kind: string; progress: Progress; model: ReportModel; analysis: SearchAnalysis | undefined }> {
    const s = await this.state(name);
    return { fingerprint: s.fingerprint, kind: s.data.experiment.kind, progress: progressOf(s.data, new Date()), model: s.model, analysis: s.analysis };
  }

  /**
   * The running evaluations of a study as they train: who runs each, how far its stored curve has
   * come, and the live learning-curve figure. Read on every call (one short read: the running
   * evaluations and their points); the figure is drawn once per live fingerprint.
   */
  async live(name: string): Promise<LiveView> {
    const s = await this.state(name);
    const view = liveView(s.data, await this.storage.running(s.data.experiment.id));
    // The last few views' figures stay: a page may ask for the drawing of the view it was sent just before a newer one.
    const kept = this.liveFigures.get(name) ?? new Map();
    if (!kept.has(view.fingerprint)) kept.set(view.fingerprint, { figure: view.figure, svg: undefined });
    while (kept.size > 8) kept.delete(kept.keys().next().value!);
    this.liveFigures.set(name, kept);
    return view;
  }

  /**
   * The live fingerprint of every study shown since its last change that has running evaluations
   * (the server polls it): a study's changes while its evaluations train are new curve points.
   */
  async liveFingerprints(): Promise<Fingerprints> {
    const out: Fingerprints = new Map();
    for (const [name, built] of this.studies) {
      const s = await built.catch(() => undefined);
      if (!s || !s.data.evaluations.some((e) => e.status === 'running')) continue;
      out.set(name, liveFingerprint(await this.storage.running(s.data.experiment.id)));
    }
    return out;
  }

  /** The live figure of a study as SVG: of the live fingerprint asked for while it is among the last few sent, else of the current one (NotFound when it has none). */
  async liveSvg(name: string, fingerprint: string | undefined): Promise<string> {
    let f = fingerprint === undefined ? undefined : this.liveFigures.get(name)?.get(fingerprint);
    if (!f) {
      const now = await this.live(name);
      f = this.liveFigures.get(name)?.get(now.fingerprint);
    }
    if (!f?.figure) throw new NotFound(`the study '${name}' has no running evaluation with curve points`);
    const spec = f.figure.spec;
    f.svg ??= this.draw(() => this.renderers.vegaLite(spec));
    return f.svg;
  }

  /** An architecture's page in a study, or NotFound. */
  async architecture(name: string, hash: string): Promise<{ fingerprint: string; model: ReportModel }> {
    const s = await this.state(name);
    const a = await this.arch(s, hash);
    if (!a) throw new NotFound(`no architecture ${hash} in the study '${name}'`);
    return { fingerprint: s.fingerprint, model: a.model };
  }

  /** An architecture's page model, built once per state (with its evaluations' curves read first). */
  private arch(s: StudyState, hash: string) {
    let built = s.archs.get(hash);
    if (!built) {
      built = (async () => {
        if (!s.data.architectures.has(hash)) return undefined;
        await this.readCurves(s.data, s.data.evaluations.filter((e) => e.architecture === hash).map((e) => e.id));
        const model = architectureModel(s.data, hash, s.analysis);
        return model && { model, assets: assetsOf(model, false) };
      })();
      s.archs.set(hash, built);
    }
    return built;
  }

  /** The stored architecture itself (for the PyTorch export). */
  async architectureRecord(name: string, hash: string) {
    const s = await this.state(name);
    const a = s.data.architectures.get(hash);
    if (!a) throw new NotFound(`no architecture ${hash} in the study '${name}'`);
    return { arch: a, architectures: s.data.architectures };
  }

  /**
   * A figure or drawing of the study page (or of an architecture's page) as SVG, drawn once per
   * fingerprint. A page drawn just before a change may ask for a figure the new state no longer
   * has (a cell that left the top 5): it gets the drawing of the state it was drawn from.
   */
  async svg(name: string, id: string, arch?: string, fingerprint?: string): Promise<string> {
    const current = await this.state(name);
    const prev = this.previous.get(name);
    const states: Drawings[] = prev ? (prev.fingerprint === fingerprint ? [prev, current] : [current, prev]) : [current];
    for (const s of states) {
      // The previous state's rows are gone: only its architecture pages already built are asked.
      const page = arch === undefined ? undefined : s === current ? this.arch(current, arch) : s.archs.get(arch);
      const asset = (arch === undefined ? s.assets : (await page)?.assets)?.get(id);
      if (!asset) continue;
      const key = `${arch ?? ''}/${id}`;
      let svg = s.svgs.get(key);
      if (!svg) {
        const drawn = () => (asset.draw === 'dot' ? this.renderers.dot(asset.dot) : asset.draw === 'vega-lite' ? this.renderers.vegaLite(asset.spec) : import('../report/ablation/index.ts').then((m) => m.vegaLiteToSvg(asset.spec)));
        svg = this.drawnBefore(prev, s, arch, id, asset).then((before) => before ?? this.draw(drawn));
        s.svgs.set(key, svg);
      }
      return svg;
    }
    throw new NotFound(`no figure '${id}' in the study '${name}'`);
  }

  /** The drawing of the same figure in the state before the study's latest change, when it draws the same. */
  private async drawnBefore(prev: Drawings | undefined, s: Drawings, arch: string | undefined, id: string, asset: Asset): Promise<string | undefined> {
    if (!prev || prev === s) return undefined;
    const svg = prev.svgs.get(`${arch ?? ''}/${id}`);
    if (!svg) return undefined;
    const before = arch === undefined ? prev.assets.get(id) : (await prev.archs.get(arch))?.assets.get(id);
    return before && contentKey(before) === contentKey(asset) ? svg : undefined;
  }
}
