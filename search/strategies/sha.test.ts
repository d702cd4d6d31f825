// The jozefowicz strategy with successive halving (`sha` fidelity), driven as runs/study.ts drives
// it, on hand-chosen results: promotion by ratio to the paired GRU, pruning, references shared by
// a grid point, checkpoints continued and released, the relative memorization stage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellHash } from '../../cells/canonical.ts';
import { ZOO } from '../../cells/zoo/index.ts';
import { evaluationKey, type HistoryItem, type Json, type Proposal } from '../contract.ts';
import { rungSteps } from '../halving.ts';
import { fidelity, type Fidelity } from '../space.ts';
import { gruHash, type SearchConfig } from './common.ts';
import { proposalSteps, studyRungs } from './cohorts.ts';
import { JozefowiczStateSchema, jozefowiczFunnel, jozefowiczList, jozefowiczStrategy } from './jozefowicz.ts';

const GRU = gruHash();
const LSTM = cellHash(ZOO.lstm);
const SEEDS = new Set([GRU, LSTM]);

function config(search: Partial<Fidelity['search']> = {}, over: Partial<SearchConfig> = {}, grid?: Fidelity['grid']): SearchConfig {
  const fid = fidelity('tiny');
  // The plain halving rule and draws from the whole grid, unless a test asks for a pool or a prune ratio.
  Object.assign(fid.search, { fidelity: 'sha', eta: 3, minSteps: 30, reevaluateProbability: 0, pool: undefined, pruneRatio: 0, ...search });
  if (fid.search.pool === undefined) delete fid.search.pool;
  if (grid) fid.grid = grid;
  return { tasks: ['arithmetic'], vocab: { arithmetic: 40, memorize: 13 }, fidelity: fid, evaluations: 400, generationSize: 1, memorize: true, metric: 'validAccuracy', ...over };
}

const RUNGS = rungSteps(300, { eta: 3, minSteps: 30 });

/** What the fake trainer makes of a proposal: an accuracy, or null for a diverged run. */
type Outcome = (p: Proposal, steps: number) => number | null;

interface Row extends HistoryItem {
  generation: number;
  proposal: Proposal;
}

interface Run {
  history: Row[];
  results: { proposals: Proposal[]; release: string[] }[];
  states: Json[];
}

const keyOf = (p: Proposal) => evaluationKey({ architecture: p.architecture.hash, task: p.task, trial: p.trial });
const stepsOf = (p: Proposal) => p.hyperparameters.maxSteps as number;

/**
 * Drives the strategy to its end, checking the checkpoint contract on the way: a continuation
 * names a finished evaluation of an earlier generation that kept its checkpoint, not released,
 * with the same setting and fewer steps; a release names a kept checkpoint once; at the end none
 * is left.
 */
function drive(cfg: SearchConfig, outcome: Outcome, seed = 7, maxGenerations = 300, withSettings = false): Run {
  const strategy = jozefowiczStrategy({ config: cfg });
  let state = strategy.init(seed);
  const history: Row[] = [];
  const results: Run['results'] = [];
  const states: Json[] = [];
  const kept = new Set<string>();
  const byKey = new Map<string, Row>();
  for (let g = 0; g < maxGenerations; g++) {
    state = JSON.parse(JSON.stringify(state));
    const r = strategy.propose(state, history);
    assert.deepEqual(strategy.propose(JSON.parse(JSON.stringify(state)), history), r, 'pure');
    const release = r.release ?? [];
    results.push({ proposals: r.proposals, release });
    for (const p of r.proposals) {
      const key = keyOf(p);
      assert.ok(!byKey.has(key), `identity ${key} proposed twice`);
      if (p.continues !== undefined) {
        const from = byKey.get(p.continues);
        assert.ok(from, `${key} continues ${p.continues}, which does not exist`);
        assert.ok(kept.has(p.continues), `${key} continues ${p.continues}, whose checkpoint is not kept`);
        assert.equal(from.status, 'done');
        assert.equal(from.proposal.architecture.hash, p.architecture.hash);
        assert.equal(from.task, p.task);
        const { maxSteps: a, ...settingA } = from.proposal.hyperparameters;
        const { maxSteps: b, ...settingB } = p.hyperparameters;
        assert.deepEqual(settingB, settingA, 'a continuation keeps the setting');
        assert.ok((b as number) > (a as number));
      }
      if (p.checkpoint) assert.ok(stepsOf(p) < cfg.fidelity.train.maxSteps, 'the last rung keeps no checkpoint');
    }
    for (const k of release) {
      assert.ok(kept.has(k), `release of ${k}, which is not kept`);
      kept.delete(k);
    }
    for (const p of r.proposals) {
      const v = p.architecture.hash === GRU && typeof p.trial === 'number' ? 0.5 : outcome(p, stepsOf(p));
      const row: Row = { key: keyOf(p), architecture: p.architecture.hash, task: p.task, status: v === null ? 'diverged' : 'done', metrics: v === null ? null : { validAccuracy: v }, generation: g, proposal: p, ...(withSettings ? { hyperparameters: p.hyperparameters } : {}) };
      history.push(row);
      byKey.set(row.key, row);
      if (p.checkpoint) kept.add(row.key);
    }
    state = r.state;
    states.push(state);
    if (r.finished) {
      assert.equal(r.proposals.length, 0);
      assert.deepEqual([...kept], [], 'every checkpoint released when the study ends');
      return { history, results, states };
    }
  }
  throw new Error('the strategy never finished');
}

/** `drive`, with every history row carrying its setting (as runs' history does). */
const driveWithSettings = (cfg: SearchConfig, outcome: Outcome, seed = 7) => drive(cfg, outcome, seed, 300, true);

const isRef = (p: Proposal) => p.architecture.hash === GRU && String(p.trial).startsWith('ref:');
const candidates = (run: Run) => run.history.filter((h) => !SEEDS.has(h.architecture));
/** The trial number of a candidate's setting (`3`, `3@33`). */
const trialNo = (p: Proposal) => Number(String(p.trial).split('@')[0]);

test('sha: a cohort of 9 settings sends 3 on, then 1, to the full budget; the rest are pruned', () => {
  // One new candidate per generation, 9 settings each; the setting's trial number decides.
  const cfg = config({ settingsPerTask: 9 }, { evaluations: 120 });
  const run = drive(cfg, (p) => (isRef(p) ? 0.5 : p.task === 'memorize' ? 0.05 + 0.1 * trialNo(p) : 0.4));
  const first = candidates(run)[0].architecture;
  const mem = run.history.filter((h) => h.architecture === first && h.task === 'memorize');
  const at = (steps: number) => mem.filter((h) => stepsOf(h.proposal) === steps).map((h) => h.proposal.trial);
  assert.deepEqual(RUNGS, [33, 100, 300]);
  assert.deepEqual(at(33), ['0@33', '1@33', '2@33', '3@33', '4@33', '5@33', '6@33', '7@33', '8@33']);
  assert.deepEqual(at(100), ['6@100', '7@100', '8@100']);
  assert.deepEqual(at(300), [8]);
  // Rungs follow one another, one generation each.
  assert.deepEqual([...new Set(mem.map((h) => h.generation))], [1, 2, 3]);
  const f = jozefowiczFunnel(run.states.at(-1)!);
  assert.ok(f.pruned! >= 8, JSON.stringify(f));
  assert.ok(f.rungs![0] >= 9 && f.rungs![1] >= 3 && f.rungs![2] >= 1);
  // 0.85 memorizes (GRU 0.5 at that setting: the bar is 0.45, and 2 x chance is 0.2): the candidate goes on to arithmetic.
  assert.ok(run.history.some((h) => h.architecture === first && h.task === 'arithmetic'));
});

test('sha: ranked by the ratio to the GRU trained with the same setting, not by the raw value', () => {
  // Two grid points (learning rate 0.1 or 1); the GRU does badly at 0.1.
  const grid = { initScale: [1], learningRate: [0.1, 1], maxGradNorm: [5], layers: [1] };
  const cfg = config({ settingsPerTask: 3 }, { evaluations: 60 }, grid);
  const outcome: Outcome = (p) => {
    const lr = p.hyperparameters.learningRate as number;
    if (isRef(p)) return lr === 0.1 ? 0.1 : 0.8;
    return lr === 0.1 ? 0.3 : 0.7;
  };
  const run = drive(cfg, outcome);
  let mixed = 0;
  for (const arch of new Set(candidates(run).map((h) => h.architecture))) {
    const mem = run.history.filter((h) => h.architecture === arch && h.task === 'memorize');
    const lrs = new Set(mem.filter((h) => stepsOf(h.proposal) === 33).map((h) => h.proposal.hyperparameters.learningRate));
    if (lrs.size < 2) continue;
    mixed++;
    // 0.3 / 0.1 = 3 beats 0.7 / 0.8: the lower raw accuracy goes on.
    assert.deepEqual(mem.filter((h) => stepsOf(h.proposal) === 100).map((h) => h.proposal.hyperparameters.learningRate), [0.1]);
  }
  assert.ok(mixed > 0, 'some cohort drew both settings');
});

test('sha: a diverged setting is pruned even when nothing else is better; a cohort all diverged fails its stage', () => {
  const cfg = config({ settingsPerTask: 3 }, { evaluations: 60 });
  // Setting 0 diverges at the first rung; setting 1 is the weakest of the rest.
  const run = drive(cfg, (p) => (isRef(p) ? 0.5 : trialNo(p) === 0 ? null : 0.1 * trialNo(p)));
  const first = candidates(run)[0].architecture;
  const mem = run.history.filter((h) => h.architecture === first && h.task === 'memorize');
  assert.deepEqual(mem.filter((h) => stepsOf(h.proposal) === 100).map((h) => h.proposal.trial), ['2@100']);

  const dead = drive(cfg, (p) => (isRef(p) ? 0.5 : null));
  assert.equal(candidates(dead).filter((h) => stepsOf(h.proposal) > 33).length, 0, 'nothing diverged goes on');
  assert.equal(jozefowiczFunnel(dead.states.at(-1)!).passedMemorize, 0);
});

test('sha: a cohort smaller than eta sends its best on', () => {
  const cfg = config({ settingsPerTask: 2 }, { evaluations: 60 });
  const run = drive(cfg, (p) => (isRef(p) ? 0.5 : 0.3 + 0.1 * trialNo(p)));
  const first = candidates(run)[0].architecture;
  const mem = run.history.filter((h) => h.architecture === first && h.task === 'memorize');
  assert.deepEqual(mem.map((h) => h.proposal.trial), ['0@33', '1@33', '1@100', 1]);
});

test('sha: one GRU reference per task, grid point and rung, shared by every setting drawn there; references continue their previous rung', () => {
  // A grid of one point: every setting of every candidate shares it.
  const grid = { initScale: [1], learningRate: [0.5], maxGradNorm: [5], layers: [1] };
  const cfg = config({ settingsPerTask: 3 }, { evaluations: 150 }, grid);
  const run = drive(cfg, (p) => (isRef(p) ? 0.5 : p.task === 'memorize' ? 0.6 + 0.01 * trialNo(p) : 0.3));
  const refs = run.history.filter((h) => isRef(h.proposal));
  const ids = refs.map((h) => `${h.task} ${h.proposal.trial}`);
  assert.deepEqual(ids, [...new Set(ids)], 'each reference proposed once');
  for (const task of ['memorize', 'arithmetic']) {
    const mine = refs.filter((h) => h.task === task);
    assert.ok(mine.length >= 1 && mine.length <= RUNGS.length, `${task}: ${mine.length} references`);
    for (const h of mine) assert.match(String(h.proposal.trial), /^ref:lr0\.5,init1,clip5,L1(@\d+)?$/);
  }
  // Several candidates reached memorization's last rung with one reference at it.
  const lastRung = candidates(run).filter((h) => h.task === 'memorize' && stepsOf(h.proposal) === 300);
  assert.ok(lastRung.length >= 2, `${lastRung.length}`);
  // The first references chain: 33 -> 100 -> 300 steps, each continuing the previous.
  const memRefs = refs.filter((h) => h.task === 'memorize');
  assert.deepEqual(memRefs.map((h) => stepsOf(h.proposal)), RUNGS);
  assert.equal(memRefs[0].proposal.continues, undefined);
  assert.equal(memRefs[1].proposal.continues, memRefs[0].key);
  assert.equal(memRefs[2].proposal.continues, memRefs[1].key);
  // A reference has the GRU's own hidden size.
  assert.notEqual(memRefs[0].proposal.hyperparameters.hidden, candidates(run).find((h) => h.task === 'memorize')!.proposal.hyperparameters.hidden);
});

test('sha: memorization is relative to the paired GRU (min(threshold, fraction x GRU)), above twice chance; absolute when that GRU diverged', () => {
  // memorize at tiny: 10 symbols, chance 0.1.
  const passes = (gru: number | null, mine: number, search: Partial<Fidelity['search']> = {}) => {
    const cfg = config({ settingsPerTask: 1, memorizeThreshold: 0.95, ...search }, { evaluations: 14 });
    const run = drive(cfg, (p) => (p.task !== 'memorize' ? 0.3 : isRef(p) ? gru : mine));
    return jozefowiczFunnel(run.states.at(-1)!).passedMemorize > 0;
  };
  assert.equal(passes(0.8, 0.73), true, '0.73 >= 0.9 x 0.8');
  assert.equal(passes(0.8, 0.71), false, '0.71 < 0.9 x 0.8');
  assert.equal(passes(1, 0.94, { memorizeFraction: 1 }), false, 'the paper\'s 0.95 caps the bar');
  assert.equal(passes(1, 0.96, { memorizeFraction: 1 }), true);
  assert.equal(passes(0.1, 0.15), false, 'not above twice chance, however poor the GRU');
  assert.equal(passes(0.1, 0.25), true);
  assert.equal(passes(null, 0.9), false, 'a diverged GRU leaves the absolute threshold');
  assert.equal(passes(null, 0.96), true);
});

test('sha: a task stage passes on the best full-budget ratio >= gruFraction; candidates that pass every stage enter the list', () => {
  const run = drive(config({ settingsPerTask: 2 }, { evaluations: 200 }), (p) => {
    if (isRef(p)) return 0.5;
    if (p.task === 'memorize') return 0.9;
    // Candidates whose hash starts with 0-7 reach 0.46 (ratio 0.92), the others 0.44 (0.88).
    return parseInt(p.architecture.hash[0], 16) < 8 ? 0.46 : 0.44;
  });
  const f = jozefowiczFunnel(run.states.at(-1)!);
  const list = jozefowiczList(run.states.at(-1)!);
  assert.ok(f.passedMemorize > 0 && f.passedTask.arithmetic > 0, JSON.stringify(f));
  for (const h of list) if (!SEEDS.has(h)) assert.ok(parseInt(h[0], 16) < 8, h);
  assert.ok(candidates(run).some((h) => h.task === 'arithmetic' && parseInt(h.architecture[0], 16) >= 8), 'some candidates failed arithmetic');
  assert.equal(f.enteredList, f.passedTask.arithmetic);
});

test('sha: the same seed gives the same study; never over budget; re-evaluations halve too', () => {
  const cfg = config({ settingsPerTask: 3, reevaluateProbability: 0.3, repeatSettings: 3 }, { evaluations: 150, generationSize: 3 });
  const outcome: Outcome = (p) => (isRef(p) ? 0.5 : ((parseInt(p.architecture.hash.slice(0, 6), 16) % 97) / 97) * 0.5 + 0.05 * trialNo(p) + (p.task === 'memorize' ? 0.4 : 0));
  const a = drive(cfg, outcome);
  const b = drive(cfg, outcome);
  assert.deepEqual(b.results, a.results);
  assert.deepEqual(b.states, a.states);
  assert.notDeepEqual(drive(cfg, outcome, 8).results, a.results);
  // The budget counts full-budget equivalents: each proposal the steps it trains.
  const spent = a.history.reduce((sum, h) => sum + proposalSteps(RUNGS, h.proposal) / 300, 0);
  assert.ok(spent <= cfg.evaluations + 1e-9 && spent > cfg.evaluations - 10, `${spent}`);
  assert.ok(a.history.length > cfg.evaluations, 'cheap rungs let more evaluations into the budget');
  const f = jozefowiczFunnel(a.states.at(-1)!);
  assert.ok(f.repeats > 0, JSON.stringify(f));
  // A re-evaluation of a listed architecture trains in rungs as well.
  const listedRepeats = a.history.filter((h) => SEEDS.has(h.architecture) && h.generation > 0 && !isRef(h.proposal));
  assert.ok(listedRepeats.some((h) => stepsOf(h.proposal) === 33));
  assert.equal(f.references, a.history.filter((h) => isRef(h.proposal)).length);
  assert.equal(f.rungs!.reduce((x, y) => x + y, 0), a.history.filter((h) => h.generation > 0 && !isRef(h.proposal)).length);
});

test('sha: a full-fidelity state of before successive halving still parses; full fidelity writes none of the new fields', () => {
  const old = {
    rng: { i: 0, j: 0, S: Array.from({ length: 256 }, (_, i) => i) },
    started: true,
    list: [],
    pending: [],
    seen: [],
    trials: {},
    proposed: 0,
    funnel: { proposed: 0, passedMemorize: 0, passedTask: { arithmetic: 0 }, enteredList: 0, repeats: 0, duplicates: 0, cutByBudget: 0 },
  };
  assert.deepEqual(JozefowiczStateSchema.parse(old), old);
  const full = jozefowiczStrategy({ config: config({ fidelity: 'full' }) });
  const st = full.init(1) as Record<string, Json>;
  assert.deepEqual(Object.keys(st).sort(), Object.keys(old).sort());
  assert.deepEqual(Object.keys(st.funnel as object), Object.keys(old.funnel));
  const r = full.propose(st, []);
  assert.equal(r.release, undefined);
  assert.ok(r.proposals.every((p) => p.continues === undefined && p.checkpoint === undefined));
});

test('sha: a reference whose previous rung\'s checkpoint was released trains from the start', () => {
  // Two points: learning rate 0.1 does poorly for candidates, so its references rarely go on
  // at once and their checkpoints are released in between.
  const grid = { initScale: [1], learningRate: [0.1, 1], maxGradNorm: [5], layers: [1] };
  const cfg = config({ settingsPerTask: 3 }, { evaluations: 300 }, grid);
  const run = drive(cfg, (p) => (isRef(p) ? 0.5 : p.hyperparameters.learningRate === 0.1 ? 0.2 : 0.6));
  const later = run.history.filter((h) => isRef(h.proposal) && stepsOf(h.proposal) > RUNGS[0]);
  assert.ok(later.some((h) => h.proposal.continues !== undefined), 'some references continue');
  assert.ok(later.some((h) => h.proposal.continues === undefined), 'some train from the start');
});

test('sha: a cohort per candidate: every candidate sends its best setting to the full budget, whatever the others of its generation', () => {
  // Three new candidates a generation; every one memorizes equally well.
  const cfg = config({ settingsPerTask: 3 }, { evaluations: 120, generationSize: 3 });
  const run = drive(cfg, (p) => (isRef(p) ? 0.5 : p.task === 'memorize' ? 0.6 + 0.01 * trialNo(p) : 0.3));
  const archs = [...new Set(candidates(run).filter((h) => h.task === 'memorize').map((h) => h.architecture))];
  const full = archs.filter((a) => run.history.some((h) => h.architecture === a && h.task === 'memorize' && stepsOf(h.proposal) === 300));
  const generation1 = new Set(run.history.filter((h) => h.generation === 1 && !isRef(h.proposal)).map((h) => h.architecture));
  assert.equal(generation1.size, 3);
  for (const a of generation1) assert.ok(full.includes(a), `candidate ${a} of generation 1 reached the full budget`);
});

test('sha: --prune-ratio stops a task setting far behind its GRU at the same rung, even the best of its cohort; memorization is exempt', () => {
  // Candidates reach 0.2 against the GRU's 0.5 at the first rung (ratio 0.4), 0.9 later, on both stages.
  const outcome: Outcome = (p, steps) => (isRef(p) ? 0.5 : steps === 33 ? 0.2 : 0.9);
  const task = (run: Run) => candidates(run).filter((h) => h.task === 'arithmetic');
  const plain = drive(config({ settingsPerTask: 3 }, { evaluations: 60 }), outcome);
  assert.ok(task(plain).some((h) => stepsOf(h.proposal) === 100), 'the plain rule sends the best on');
  const pruned = drive(config({ settingsPerTask: 3, pruneRatio: 0.5 }, { evaluations: 60 }), outcome);
  // Memorization still sends its best on (slow starters are not pruned there) and passes ...
  assert.ok(jozefowiczFunnel(pruned.states.at(-1)!).passedMemorize > 0);
  assert.ok(task(pruned).length > 0);
  // ... but on the task, 0.4 < 0.5: nothing goes on.
  assert.equal(task(pruned).filter((h) => stepsOf(h.proposal) > 33).length, 0, '0.4 < 0.5: nothing goes on');
  assert.equal(jozefowiczFunnel(pruned.states.at(-1)!).passedTask.arithmetic, 0);
  const kept = drive(config({ settingsPerTask: 3, pruneRatio: 0.4 }, { evaluations: 60 }), outcome);
  assert.ok(task(kept).some((h) => stepsOf(h.proposal) === 100), 'a ratio equal to the bar goes on');
});

test('sha: with a pool, a re-evaluation trains only points the architecture has not tried, and mutates once none is left', () => {
  // Every action re-evaluates; the pool has 3 points per task, a re-evaluation asks for 2.
  const cfg = config({ settingsPerTask: 1, pool: 3, reevaluateProbability: 1, repeatSettings: 2 }, { evaluations: 120, generationSize: 1 });
  const run = driveWithSettings(cfg, (p) => (isRef(p) ? 0.5 : 0.6));
  const pointOf = (h: Row) => JSON.stringify([h.proposal.hyperparameters.learningRate, h.proposal.hyperparameters.initScale, h.proposal.hyperparameters.clip, h.proposal.hyperparameters.layers]);
  const lstmFirstRung = run.history.filter((h) => h.architecture === LSTM && h.generation > 0 && h.proposal.continues === undefined);
  // The LSTM's seed setting was drawn from the whole grid; re-evaluations start each pool point at most once.
  const starts = lstmFirstRung.map(pointOf);
  assert.equal(new Set(starts).size, starts.length, `a point started twice: ${starts.join(' ')}`);
  assert.ok(starts.length >= 1 && starts.length <= 3, `${starts.length}`);
  // Once the pool is used up, re-evaluation actions become mutations: candidates are proposed.
  assert.ok(jozefowiczFunnel(run.states.at(-1)!).proposed > 0);
  // The GRU is never re-evaluated with a pool.
  assert.equal(run.history.filter((h) => h.architecture === GRU && h.generation > 0 && !isRef(h.proposal)).length, 0);
});

test('sha: with a pool, settings come from `pool` points per task, drawn once; references are shared across generations and always continue', () => {
  const cfg = config({ settingsPerTask: 2, pool: 3, reevaluateProbability: 0.3, repeatSettings: 2 }, { evaluations: 200, generationSize: 2 });
  const run = drive(cfg, (p) => (isRef(p) ? 0.5 : p.task === 'memorize' ? 0.6 + 0.01 * trialNo(p) : 0.3 + 0.01 * trialNo(p)));
  const state = run.states.at(-1) as { halving: { pools: Record<string, unknown[]> } };
  assert.deepEqual(Object.keys(state.halving.pools).sort(), ['arithmetic', 'memorize']);
  for (const task of ['memorize', 'arithmetic']) {
    const pointsUsed = new Set(run.history.filter((h) => h.generation > 0 && h.task === task).map((h) => JSON.stringify([h.proposal.hyperparameters.learningRate, h.proposal.hyperparameters.initScale, h.proposal.hyperparameters.clip, h.proposal.hyperparameters.layers])));
    assert.ok(pointsUsed.size <= 3, `${task}: ${pointsUsed.size} points`);
    // A candidate's settings within one stage are distinct points while k <= pool.
    const refs = run.history.filter((h) => h.task === task && isRef(h.proposal));
    assert.ok(refs.length <= 3 * RUNGS.length, `${task}: ${refs.length} references`);
    for (const h of refs) if (stepsOf(h.proposal) > RUNGS[0]) assert.ok(h.proposal.continues !== undefined, `${h.key} continues its previous rung`);
  }
  // The GRU is not re-evaluated: its references are.
  assert.equal(run.history.filter((h) => h.architecture === GRU && h.generation > 0 && !isRef(h.proposal)).length, 0);
  assert.ok(jozefowiczFunnel(run.states.at(-1)!).repeats > 0);
});
