import { test } from 'node:test';
import assert from 'node:assert/strict';
import { betaInc, gammaP, gammaQ, lgamma, normalCdf, normalQuantile, studentTCdf, studentTQuantile, studentTTwoSidedP, studentTPdf } from './special.ts';

// Reference values marked "SciPy" were computed with SciPy 1.17 (special.gammaln, special.betainc,
// special.gammainc, stats.t.ppf, stats.norm); the others are closed forms.
function close(got: number, want: number, rel: number, what: string) {
  const tol = rel * Math.max(1, Math.abs(want));
  assert.ok(Math.abs(got - want) <= tol, `${what}: got ${got}, want ${want} (tolerance ${tol})`);
}

test('lgamma matches exact values and SciPy', () => {
  close(lgamma(0.5), 0.5 * Math.log(Math.PI), 1e-14, 'lgamma(1/2) = log sqrt(pi)');
  close(lgamma(1), 0, 1e-14, 'lgamma(1)');
  close(lgamma(2), 0, 1e-14, 'lgamma(2)');
  close(lgamma(10), Math.log(362880), 1e-14, 'lgamma(10) = log 9!');
  close(lgamma(100), 359.1342053695754, 1e-14, 'lgamma(100)');
  close(lgamma(1e-5), 11.512919692895826, 1e-13, 'lgamma(1e-5)');
  close(lgamma(3.7), 1.428072326665388, 1e-13, 'lgamma(3.7)');
  assert.throws(() => lgamma(0), RangeError);
});

test('incomplete gamma and beta match SciPy and their symmetries', () => {
  close(gammaP(0.5, 2), 0.9544997361036415, 1e-13, 'P(0.5, 2)');
  close(gammaP(3, 1.5), 0.19115316946194183, 1e-13, 'P(3, 1.5)');
  close(gammaP(10, 20), 0.9950045876916924, 1e-13, 'P(10, 20)');
  close(gammaP(3, 1.5) + gammaQ(3, 1.5), 1, 1e-15, 'P + Q = 1');
  close(betaInc(2.5, 0.5, 0.3), 0.018927124071945658, 1e-12, 'I_0.3(2.5, 0.5)');
  close(betaInc(0.5, 7, 0.05), 0.5948684952530259, 1e-12, 'I_0.05(0.5, 7)');
  close(betaInc(30, 40, 0.45), 0.6447480085585666, 1e-12, 'I_0.45(30, 40)');
  close(betaInc(1, 1, 0.3), 0.3, 1e-14, 'I_x(1, 1) = x');
  close(betaInc(2, 3, 0.4) + betaInc(3, 2, 0.6), 1, 1e-14, 'I_x(a, b) + I_(1-x)(b, a) = 1');
  assert.equal(betaInc(2, 3, 0), 0);
  assert.equal(betaInc(2, 3, 1), 1);
});

test('normal CDF and quantile', () => {
  close(normalQuantile(0.975), 1.959963984540054, 1e-13, 'z_0.975');
  close(normalQuantile(0.025), -1.959963984540054, 1e-13, 'z_0.025');
  close(normalQuantile(1e-10), -6.361340902404056, 1e-12, 'z_1e-10');
  close(normalCdf(-8) / 6.22096057427174e-16, 1, 1e-12, 'Phi(-8), relative');
  assert.equal(normalCdf(0), 0.5);
  for (const p of [1e-6, 0.01, 0.3, 0.5, 0.77, 0.999]) close(normalCdf(normalQuantile(p)), p, 1e-13, `Phi(Phi^-1(${p}))`);
});

test('Student t CDF equals the closed forms for 1 and 2 degrees of freedom', () => {
  for (const t of [-50, -3.1, -1, -0.2, 0, 0.4, 1.7, 6, 300]) {
    close(studentTCdf(t, 1), 0.5 + Math.atan(t) / Math.PI, 1e-13, `Cauchy CDF at ${t}`);
    close(studentTCdf(t, 2), 0.5 + t / (2 * Math.sqrt(2 + t * t)), 1e-13, `t(2) CDF at ${t}`);
    close(studentTPdf(t, 1), 1 / (Math.PI * (1 + t * t)), 1e-13, `Cauchy pdf at ${t}`);
  }
});

test('Student t quantiles match the published table (SciPy digits), also for fractional df', () => {
  const cases: Array<[number, number, number]> = [
    [0.975, 10, 2.228138851986274],
    [0.975, 1, 12.706204736174694],
    [0.95, 5, 2.0150483733330233],
    [0.995, 30, 2.7499956535672254],
    [0.975, 17.776, 2.102821310380221],
    [0.999, 3, 10.214531852407383],
  ];
  for (const [p, df, t] of cases) {
    close(studentTQuantile(p, df), t, 1e-11, `t_${p},${df}`);
    close(studentTQuantile(1 - p, df), -t, 1e-11, `t_${1 - p},${df}`);
    close(studentTCdf(t, df), p, 1e-12, `F(${t}; ${df})`);
    close(studentTTwoSidedP(t, df), 2 * (1 - p), 1e-11, `two-sided p at t_${p},${df}`);
  }
  close(studentTCdf(1.96, Infinity), normalCdf(1.96), 1e-15, 'df = Infinity is the normal');
  close(studentTCdf(1.96, 1e7), normalCdf(1.96), 1e-6, 'large df approaches the normal');
  assert.throws(() => studentTCdf(1, 0), RangeError);
});
