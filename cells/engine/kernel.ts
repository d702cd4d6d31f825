// The one place where the engine picks its matrix product. Switching to the native kernel is a
// change of this import; a caller can also pass its own through compileModel(..., { gemm }).
import { gemmJs, type Gemm } from './gemm.ts';

export const defaultGemm: Gemm = gemmJs;
