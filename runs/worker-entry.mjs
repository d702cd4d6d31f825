// Entry point of every pool thread: loads the worker module named in workerData.handler and hands
// its default export to piscina. From the compiled package (dist/) the handler is JavaScript and
// loads as it is. From the sources it is TypeScript, and worker threads do not inherit the tsx
// loader that bin/cellsearch.js registered in the main thread, so it is registered here, and only
// here: tsx is a development dependency, absent from an installed package.
import { workerData } from 'node:worker_threads';

if (/\.[cm]?ts$/.test(workerData.handler)) {
  const { register } = await import('tsx/esm/api');
  register();
}
const mod = await import(workerData.handler);
if (typeof mod.default !== 'function') throw new Error(`${workerData.handler} has no default export function`);
export default mod.default;
