// A trained model as files for use outside cellsearch: the best weights of an evaluation's stored
// checkpoint as `<stem>.safetensors` (cells/export/safetensors.ts) and `<stem>.py`, the PyTorch
// module whose `state_dict` names are the tensors' and whose `load_model` reads the file
// (cells/export/pytorch-model.ts). What `train --save` and `export <hash> --weights` write;
// `export <hash> --format onnx` writes the same weights as `<stem>.onnx` (cells/export/onnx.ts),
// with the same metadata as its metadata_props.
//
// The safetensors metadata (strings only, as the format requires) carries what a user needs to
// use the model: the cell's notation (with the node names of the tensor names), its hash, the
// setting it was trained with, the task and its vocabulary (token i is the id of row i of
// `embed` and `out.weight`), where it was trained, and its metrics.
import { lstatSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodeCheckpoint } from '../cells/engine/checkpoint-decode.ts';
import { encodeSafetensors } from '../cells/export/safetensors.ts';
import { MODEL_METADATA_KEY, modelTensors, toPytorchModel, type ModelShapeMetadata } from '../cells/export/pytorch-model.ts';
import { pythonClassName } from '../cells/export/pytorch.ts';
import { printNotation } from '../cells/notation.ts';
import { parseCell } from '../cells/validate.ts';
import type { Cell } from '../cells/graph.ts';
import { toOnnx } from '../cells/export/onnx.ts';
import type { Tensor } from '../cells/export/safetensors.ts';
import { packageVersion } from '../package-files.ts';
import { UserError } from '../errors.ts';
import { getTask } from '../tasks/registry.ts';
import { replaceFile } from './report/write-files.ts';
import type { Architecture, Evaluation, Experiment, Storage } from './storage.ts';

export interface SavedModelSource {
  architecture: Architecture;
  evaluation: Evaluation;
  experiment: Pick<Experiment, 'name' | 'kind'>;
  /** The evaluation's stored end checkpoint (cells/engine/checkpoint.ts's bytes). */
  checkpoint: Uint8Array;
  /** The database as it may be shown. */
  db: string;
  /** The class name prefix in Python (default from the cell's name or the zoo key). */
  name?: string;
}

export interface SavedModel {
  safetensors: Buffer;
  python: string;
  metadata: Record<string, string>;
}

/** What every file of a trained model is made of: the cell (named), its dimensions, the best weights as named tensors and the metadata. */
interface ModelParts {
  cell: Cell;
  dims: ModelShapeMetadata;
  tensors: Tensor[];
  metadata: Record<string, string>;
}

/** The best weights (those `restoreBest` keeps) of the checkpoint, and what the files say about them. */
function modelParts(src: SavedModelSource): ModelParts {
  const { architecture: arch, evaluation: e } = src;
  const where = `evaluation ${e.key} in ${src.db}`;
  const cell = parseCell(arch.cell, `architecture ${arch.hash}`);
  const named = { ...cell, name: src.name ?? cell.name ?? (arch.origin.kind === 'zoo' ? arch.origin.name : `arch ${arch.hash.slice(0, 8)}`) };
  let c;
  try {
    c = decodeCheckpoint(src.checkpoint);
  } catch (err) {
    throw new UserError(`${where}: ${(err as Error).message}`);
  }
  const dims: ModelShapeMetadata = { vocab: c.shape.vocab, hidden: c.shape.hidden, layers: c.shape.layers, input: c.shape.input };
  const vocab = getTask(e.task, e.taskOptions).vocab;
  if (vocab.length !== dims.vocab) throw new UserError(`${where}: the task ${e.task} now has ${vocab.length} symbols, the weights ${dims.vocab} (its data changed since training)`);
  const tensors = modelTensors(cell, dims, c.loop.bestParams ?? c.params, c.shape.layout);
  const metadata: Record<string, string> = {
    [MODEL_METADATA_KEY]: JSON.stringify(dims),
    cell: printNotation(named),
    hash: arch.hash,
    python_class: pythonClassName(named.name),
    settings: JSON.stringify(e.hyperparameters),
    task: e.task,
    task_options: JSON.stringify(e.taskOptions),
    vocab: JSON.stringify(vocab),
    metrics: JSON.stringify(e.metrics ?? {}),
    best_step: String(c.loop.best?.step ?? c.step),
    dtype: c.shape.dtype,
    source: `${src.experiment.kind} study '${src.experiment.name}', evaluation ${e.key} (seed ${e.seed}), ${src.db}`,
  };
  return { cell: named, dims, tensors, metadata };
}

/** The files' contents: the best weights of the checkpoint as safetensors, and the module. */
export function savedModel(src: SavedModelSource, stem: string): SavedModel {
  const { cell, tensors, metadata: meta } = modelParts(src);
  const metadata: Record<string, string> = { format: 'pt', ...meta };
  return {
    safetensors: encodeSafetensors({ tensors, metadata }),
    python: toPytorchModel(cell, { provenance: `Trained weights: ${stem}.safetensors (${metadata.source}); model, metadata = load_model("${stem}.safetensors").` }),
    metadata,
  };
}

/** The same model as ONNX (cells/export/onnx.ts, float32), with the safetensors file's metadata as its metadata_props. */
export function savedOnnx(src: SavedModelSource): Uint8Array {
  const { cell, dims, tensors, metadata } = modelParts(src);
  return toOnnx(cell, dims, tensors, {
    input: dims.input,
    metadata,
    doc: `${cell.name} trained by cellsearch (${metadata.source}).\n\n${metadata.cell}`,
    producerVersion: packageVersion(),
  });
}

/** A file stem that is also a Python module name: `gru_ea788a06`, `my_cell_0a1b2c3d_r1`. */
export function savedModelStem(label: string, hash: string, trial?: string | number): string {
  let base = label.replace(/^.*[\\/]/, '').replace(/\.[^.#]*(#[\d,]+)?$/, '$1').replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40);
  if (!/^[A-Za-z]/.test(base)) base = `cell${base === '' ? '' : `_${base}`}`;
  return `${base}_${hash.slice(0, 8)}${trial === undefined ? '' : `_r${trial}`}`;
}

/** Refuses a --save / --out folder that is an existing file, before anything is trained or read. */
export function checkModelFolder(dir: string, flag: string): void {
  let isFile = false;
  try {
    isFile = !lstatSync(dir).isDirectory();
  } catch {
    return; // missing: created when the files are written
  }
  if (isFile) throw new UserError(`${flag} ${dir} is a file, not a folder: the model files are written into a folder (created if missing)`);
}

/** Writes `<stem>.onnx` into `dir` (created) through a temporary file; returns its path. */
export function writeOnnxModel(dir: string, stem: string, onnx: Uint8Array): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${stem}.onnx`);
  replaceFile(path, onnx);
  return path;
}

/** Writes `<stem>.safetensors` and `<stem>.py` into `dir` (created), each through a temporary file; returns the paths. */
export function writeSavedModel(dir: string, stem: string, model: SavedModel): string[] {
  mkdirSync(dir, { recursive: true });
  const files: [string, string | Uint8Array][] = [[join(dir, `${stem}.safetensors`), model.safetensors], [join(dir, `${stem}.py`), model.python]];
  for (const [path, content] of files) replaceFile(path, content);
  return files.map(([path]) => path);
}

/**
 * Writes the model of every finished evaluation into `dir` (`train --save`): those that diverged,
 * failed or are not trained yet are listed as not saved; one whose checkpoint was not kept (a
 * study trained without --save) is a UserError after the others are written.
 */
export async function saveStudyModels(
  storage: Storage,
  experiment: Experiment,
  dir: string,
  stemOf: (e: Evaluation) => string,
  labelOf: (e: Evaluation) => string,
): Promise<string[]> {
  const lines: string[] = [];
  const unkept: string[] = [];
  for (const e of await storage.evaluations(experiment.id)) {
    if (e.status !== 'done') {
      lines.push(`not saved: ${labelOf(e)}: ${e.status === 'diverged' ? 'diverged' : e.status === 'failed' ? 'failed' : 'not trained yet (run the same command again)'}`);
      continue;
    }
    const checkpoint = await storage.checkpoint(experiment.id, e.key);
    const arch = await storage.getArchitecture(e.architecture);
    if (checkpoint === undefined || arch === undefined) {
      unkept.push(labelOf(e));
      continue;
    }
    const stem = stemOf(e);
    const paths = writeSavedModel(dir, stem, savedModel({ architecture: arch, evaluation: e, experiment, checkpoint, db: storage.location }, stem));
    lines.push(`saved ${labelOf(e)}: ${paths.join(', ')}`);
  }
  if (unkept.length > 0) {
    throw new UserError(
      `${lines.length > 0 ? `${lines.join('\n')}\n` : ''}the study '${experiment.name}' in ${storage.location} kept no weights of ${unkept.join(', ')}: it was trained without --save; ` +
        'train it again with --save under another --name (or --db)',
    );
  }
  return lines;
}

/** A finished evaluation whose checkpoint is stored, with what `savedModel` needs besides the bytes. */
export interface KeptWeights {
  experiment: Experiment;
  evaluation: Evaluation;
  architecture: Architecture;
  checkpoint: Uint8Array;
}

/**
 * The finished (`done`) evaluations of architecture `hash` in `storage` that kept their
 * checkpoint, and how many evaluations of it there are in all (for the message when none did).
 */
export async function keptWeights(storage: Storage, hash: string): Promise<{ kept: KeptWeights[]; evaluations: number }> {
  const architecture = await storage.getArchitecture(hash);
  if (architecture === undefined) return { kept: [], evaluations: 0 };
  const kept: KeptWeights[] = [];
  let evaluations = 0;
  for (const experiment of await storage.listExperiments()) {
    for (const evaluation of await storage.evaluations(experiment.id)) {
      if (evaluation.architecture !== hash) continue;
      evaluations++;
      if (evaluation.status !== 'done' || !evaluation.keepCheckpoint) continue;
      const checkpoint = await storage.checkpoint(experiment.id, evaluation.key);
      if (checkpoint !== undefined) kept.push({ experiment, evaluation, architecture, checkpoint });
    }
  }
  return { kept, evaluations };
}

/** The one to export: the lowest validation loss (the metric `restoreBest` keeps), then the earliest. */
export function bestKept(kept: readonly KeptWeights[]): KeptWeights | undefined {
  const loss = (k: KeptWeights) => k.evaluation.metrics?.validLoss ?? Infinity;
  return kept.reduce<KeptWeights | undefined>((best, k) => (best === undefined || loss(k) < loss(best) ? k : best), undefined);
}
