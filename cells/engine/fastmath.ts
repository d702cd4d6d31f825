// Fast float32-accurate tanh, sigmoid and exp for the engine's generated elementwise loops.
//
// ENGINE: call these instead of Math.tanh / Math.exp in generated JS (about 3x faster in V8,
// measured by `npm run bench`). They are accurate to float32 precision, which is all a
// Float32Array buffer keeps, but not to float64: the float64 mode of the engine (finite-difference
// gradient checks) must keep using Math.*. Max errors, checked by fastmath.test.ts over dense grids:
//   fastTanh     absolute error < 4e-7 (rational 13/6 approximation; exact odd symmetry)
//   fastSigmoid  absolute error < 2e-7 (0.5 + 0.5 * tanh(x / 2)); relative error is large only
//                where sigmoid(x) < 1e-6, i.e. where the float32 result is tiny anyway
//   fastExp      relative error < 1e-8 on the whole float64 range (Cody-Waite reduction, degree-7
//                polynomial, exact power-of-two scaling through a table)
// NaN in gives NaN out; +-Infinity gives the limits (tanh +-1, sigmoid 1 / 0, exp Infinity / 0).
// Written as plain functions of one number so that V8 inlines them into the calling loop.

// Rational approximation of tanh on [-7.90531, 7.90531] (the numerator and denominator of
// Eigen's float tanh, a 13/6 minimax fit); beyond that range tanh is 1 to float32 precision.
const T_CLAMP = 7.90531110763549805;
const A1 = 4.89352455891786e-3;
const A3 = 6.37261928875436e-4;
const A5 = 1.48572235717979e-5;
const A7 = 5.12229709037114e-8;
const A9 = -8.60467152213735e-11;
const A11 = 2.00018790482477e-13;
const A13 = -2.76076847742355e-16;
const B0 = 4.89352518554385e-3;
const B2 = 2.268434632439e-3;
const B4 = 1.18534705686654e-4;
const B6 = 1.19825839466702e-6;

export function fastTanh(x: number): number {
  // Beyond the clamp tanh is 1 within 2.7e-7. The comparisons are false for NaN, so NaN falls
  // through to the polynomial and comes out NaN.
  if (x > T_CLAMP) return 1;
  if (x < -T_CLAMP) return -1;
  const x2 = x * x;
  const p = x * (A1 + x2 * (A3 + x2 * (A5 + x2 * (A7 + x2 * (A9 + x2 * (A11 + x2 * A13))))));
  const q = B0 + x2 * (B2 + x2 * (B4 + x2 * B6));
  return p / q;
}

export function fastSigmoid(x: number): number {
  return 0.5 + 0.5 * fastTanh(0.5 * x);
}

// exp(x) = 2^n * exp(r), n = round(x / ln 2), r = x - n ln 2 in [-0.347, 0.347].
const LOG2E = 1.4426950408889634;
const LN2_HI = 0.6931471803691238; // ln 2 with its low 28 bits cleared: n * LN2_HI is exact
const LN2_LO = 1.9082149292705877e-10;
const EXP_MAX = 709.782712893384; // above this exp overflows float64
const EXP_MIN = -745.1332191019412; // below this exp underflows to 0
const POW2_BIAS = 1080;
/** POW2[n + POW2_BIAS] = 2^n for n in [-1080, 1030] (subnormals included, exact). */
const POW2 = new Float64Array(2111);
for (let n = -POW2_BIAS; n <= 1030; n++) POW2[n + POW2_BIAS] = 2 ** n;

export function fastExp(x: number): number {
  if (!(x <= EXP_MAX)) return x > EXP_MAX ? Infinity : x; // +Infinity, overflow, or NaN
  if (x < EXP_MIN) return 0;
  const n = Math.round(x * LOG2E);
  const r = x - n * LN2_HI - n * LN2_LO;
  // Taylor series to r^7: truncation error < 0.347^8 / 8! = 5.2e-9 relative.
  const p =
    1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720 + r * (1 / 5040)))))));
  if (n >= -1020 && n <= 1020) return p * POW2[n + POW2_BIAS];
  // Near the ends of the range 2^n alone would overflow or be subnormal: scale in two steps.
  return n > 0 ? p * POW2[n - 60 + POW2_BIAS] * POW2[60 + POW2_BIAS] : p * POW2[n + 60 + POW2_BIAS] * POW2[-60 + POW2_BIAS];
}
