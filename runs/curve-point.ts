// One point of a learning curve, as a worker reports it and every backend stores it. Apart from
// runs/storage.ts (which re-exports it) so that a worker thread, which sends curve points but
// never opens a database, does not build the schemas of every stored row (issue 17's start-up).
import { z } from 'zod';

/** One point of a learning curve: the step and any named values (loss, valid metric, lr...). */
export const CurvePointSchema = z.record(z.string(), z.number().nullable()).and(z.object({ step: z.number().int().nonnegative() }));
export type CurvePoint = z.infer<typeof CurvePointSchema>;
