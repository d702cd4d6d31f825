// Special functions behind the tests in this folder: log-gamma, the regularized incomplete gamma
// and beta functions, and from them the normal and Student t distributions (CDF and quantile).
// Double precision throughout; accuracy is checked in special.test.ts against closed forms
// (Cauchy = t with 1 df, t with 2 df) and published quantiles.
//
// References: Press, Teukolsky, Vetterling & Flannery, "Numerical Recipes", 3rd ed. (2007),
// sections 6.1-6.4 (gser/gcf for the incomplete gamma, betacf by the modified Lentz method);
// Abramowitz & Stegun 26.2.23 for the starting point of the normal quantile.

const EPS = 1e-15;
const FPMIN = 1e-300;
const MAX_ITER = 10_000;

// Stirling series with Bernoulli terms up to x^-13, applied after shifting x to >= 15 through
// lgamma(x) = lgamma(x + k) - log(x (x+1) ... (x+k-1)); error below 1e-14 relative for x > 0.
export function lgamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`lgamma: argument must be positive, got ${x}`);
  if (x === Infinity) return Infinity;
  let prod = 1;
  while (x < 15) {
    prod *= x;
    x += 1;
  }
  const x2 = x * x;
  const series =
    (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - (1 / 1188 - (691 / 360360 - 1 / (156 * x2)) / x2) / x2) / x2) / x2) / x2) / x;
  const stirling = (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + series;
  return stirling - Math.log(prod);
}

// Regularized lower incomplete gamma P(a, x) and its complement Q(a, x) = 1 - P(a, x), each
// computed directly (series for x < a + 1, continued fraction otherwise) so that neither loses
// precision to a subtraction from 1.
export function gammaP(a: number, x: number): number {
  checkGammaArgs(a, x);
  if (x === 0) return 0;
  return x < a + 1 ? gammaSeries(a, x) : 1 - gammaContinuedFraction(a, x);
}

export function gammaQ(a: number, x: number): number {
  checkGammaArgs(a, x);
  if (x === 0) return 1;
  return x < a + 1 ? 1 - gammaSeries(a, x) : gammaContinuedFraction(a, x);
}

function checkGammaArgs(a: number, x: number) {
  if (!(a > 0) || !(x >= 0)) throw new RangeError(`incomplete gamma: need a > 0 and x >= 0, got a=${a}, x=${x}`);
}

function gammaSeries(a: number, x: number): number {
  let ap = a;
  let del = 1 / a;
  let sum = del;
  for (let n = 0; n < MAX_ITER; n++) {
    ap += 1;
    del *= x / ap;
    sum += del;
    if (Math.abs(del) < Math.abs(sum) * EPS) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - lgamma(a));
}

function gammaContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / FPMIN;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITER; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = b + an / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return Math.exp(-x + a * Math.log(x) - lgamma(a)) * h;
}

// Regularized incomplete beta I_x(a, b). `y` is 1 - x, passed separately when the caller can
// compute it without cancellation (the Student t CDF can: y = t^2 / (df + t^2)).
export function betaInc(a: number, b: number, x: number, y: number = 1 - x): number {
  if (!(a > 0) || !(b > 0)) throw new RangeError(`betaInc: need a > 0 and b > 0, got a=${a}, b=${b}`);
  if (!(x >= 0 && x <= 1)) throw new RangeError(`betaInc: need 0 <= x <= 1, got ${x}`);
  if (x === 0) return 0;
  if (y === 0) return 1;
  const logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * Math.log(x) + b * Math.log(y);
  // The continued fraction converges fast for x < (a + 1) / (a + b + 2); otherwise use the
  // symmetry I_x(a, b) = 1 - I_y(b, a).
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaContinuedFraction(a, b, x)) / a;
  return 1 - (Math.exp(logFront) * betaContinuedFraction(b, a, y)) / b;
}

// Numerical Recipes' betacf: the continued fraction for I_x(a, b), modified Lentz evaluation.
function betaContinuedFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < FPMIN) d = FPMIN;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < MAX_ITER; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) return h;
  }
  throw new Error(`betaInc: continued fraction did not converge for a=${a}, b=${b}, x=${x}`);
}

// Standard normal CDF, through erf(z) = P(1/2, z^2): Phi(z) = Q(1/2, z^2/2) / 2 for z < 0.
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z === -Infinity) return 0;
  if (z === Infinity) return 1;
  const q = 0.5 * gammaQ(0.5, (z * z) / 2);
  return z < 0 ? q : 1 - q;
}

export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}

// Inverse of normalCdf: Abramowitz & Stegun 26.2.23 (error < 4.5e-4) polished by Newton steps
// on the accurate CDF.
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`normalQuantile: need 0 <= p <= 1, got ${p}`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  // Solve in the lower tail, where normalCdf keeps its relative precision; 1 - p is exact for
  // p >= 0.5, so the upper half follows by symmetry.
  if (p > 0.5) return -normalQuantile(1 - p);
  const t = Math.sqrt(-2 * Math.log(p));
  let x = -(t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t));
  for (let i = 0; i < 10; i++) {
    const step = (normalCdf(x) - p) / normalPdf(x);
    x -= step;
    if (Math.abs(step) <= 1e-15 * Math.max(1, Math.abs(x))) break;
  }
  return x;
}

// Student t CDF with df > 0 degrees of freedom (df need not be an integer: Welch's test gives
// fractional df): for t < 0, F(t) = I_x(df/2, 1/2) / 2 with x = df / (df + t^2). df = Infinity
// gives the normal CDF.
export function studentTCdf(t: number, df: number): number {
  checkDf(df);
  if (Number.isNaN(t)) return NaN;
  if (df === Infinity) return normalCdf(t);
  if (t === -Infinity) return 0;
  if (t === Infinity) return 1;
  const tail = 0.5 * tailBeta(t, df);
  return t < 0 ? tail : 1 - tail;
}

// P(|T| >= |t|) for T ~ t(df): the two-sided p value, without a subtraction from 1.
export function studentTTwoSidedP(t: number, df: number): number {
  checkDf(df);
  if (Number.isNaN(t)) return NaN;
  if (df === Infinity) return 2 * normalCdf(-Math.abs(t));
  if (!Number.isFinite(t)) return 0;
  return Math.min(1, tailBeta(t, df));
}

function tailBeta(t: number, df: number): number {
  const t2 = t * t;
  return betaInc(df / 2, 0.5, df / (df + t2), t2 / (df + t2));
}

export function studentTPdf(t: number, df: number): number {
  checkDf(df);
  if (df === Infinity) return normalPdf(t);
  const logC = lgamma((df + 1) / 2) - lgamma(df / 2) - 0.5 * Math.log(df * Math.PI);
  return Math.exp(logC - ((df + 1) / 2) * Math.log1p((t * t) / df));
}

// Inverse of studentTCdf: bracket, then bisection to full double precision (about 60-1100 CDF
// evaluations; it is called once per confidence interval, not in inner loops).
export function studentTQuantile(p: number, df: number): number {
  checkDf(df);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`studentTQuantile: need 0 <= p <= 1, got ${p}`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  if (df === Infinity) return normalQuantile(p);
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  // Upper tail: find t > 0 with P(T > t) = 1 - p, computed without cancellation.
  const target = 1 - p;
  const upper = (t: number) => 0.5 * tailBeta(t, df);
  let lo = 0;
  let hi = 1;
  while (upper(hi) > target) {
    lo = hi;
    hi *= 2;
    if (hi > 1e300) return Infinity;
  }
  for (let i = 0; i < 2000; i++) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    if (upper(mid) > target) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

function checkDf(df: number) {
  if (!(df > 0)) throw new RangeError(`Student t: degrees of freedom must be positive, got ${df}`);
}
