// Entry point of every pool thread. Worker threads do not inherit the tsx loader that the CLI
// registered in the main thread, so this plain-JS file registers it, then loads the TypeScript
// worker module named in workerData.handler and hands its default export to piscina.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
const mod = await import(workerData.handler);
if (typeof mod.default !== 'function') throw new Error(`${workerData.handler} has no default export function`);
export default mod.default;
