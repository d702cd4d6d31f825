// The one place where the engine picks its matrix product: the native addon's when it is built,
// else the portable gemmJs (native.ts decides). A caller can also pass its own through
// compileModel(..., { gemm }).
import type { Gemm } from './gemm.ts';
import { gemm } from './native.ts';

export const defaultGemm: Gemm = gemm;
