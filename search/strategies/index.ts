// The search strategies by name, for `cellsearch search --strategy`.
import { agingStrategy } from './aging.ts';
import type { Strategy } from '../contract.ts';
import { SearchConfigSchema, type SearchConfig } from './common.ts';
import { jozefowiczStrategy } from './jozefowicz.ts';
import { randomStrategy } from './random.ts';

export const STRATEGY_NAMES = ['jozefowicz', 'aging', 'random'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export function createStrategy(name: StrategyName, config: SearchConfig): Strategy {
  const c = SearchConfigSchema.parse(config);
  switch (name) {
    case 'jozefowicz':
      return jozefowiczStrategy({ config: c });
    case 'aging':
      return agingStrategy({ config: c });
    case 'random':
      return randomStrategy({ config: c });
  }
}

export * from './common.ts';
export { JozefowiczStateSchema, jozefowiczFunnel, jozefowiczList, type Funnel } from './jozefowicz.ts';
export { AgingStateSchema, agingPopulation } from './aging.ts';
