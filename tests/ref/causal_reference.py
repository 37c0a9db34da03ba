#!/usr/bin/python3
"""Reference values for tests/unit/test_causal_estimators.cpp, computed with
statsmodels on the deterministic data set that the unit test builds too:
row i = 0..n-1, x1 = 2 sin(0.37 i), x2 = cos(0.11 i) + (i % 7) / 3,
z = (i*7919) % 13 < 6, t = z or (i*31) % 11 < 3 + 3*(x1 > 0) (so t depends on x1),
d = 0.5 z + 0.3 x1 + sin(1.7 i) (continuous), y = 1 + 2 t + x1 - 0.5 x2 + 1.5 sin(1.3 i)."""
import numpy as np
import statsmodels.api as sm
from statsmodels.sandbox.regression.gmm import IV2SLS
from statsmodels.stats.power import TTestIndPower, NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize
from statsmodels.tools.numdiff import approx_fprime

n = 200
i = np.arange(n)
x1 = 2 * np.sin(0.37 * i)
x2 = np.cos(0.11 * i) + (i % 7) / 3.0
z = ((i * 7919) % 13 < 6).astype(float)
t = ((z > 0) | ((i * 31) % 11 < 3 + 3 * (x1 > 0))).astype(float)
d = 0.5 * z + 0.3 * x1 + np.sin(1.7 * i)
y = 1 + 2 * t + x1 - 0.5 * x2 + 1.5 * np.sin(1.3 * i)
X = np.column_stack([x1, x2])
p = lambda name, v: print(f"{name} = {v:.15g}")

# difference in means (Welch)
a, b = y[t == 1], y[t == 0]
se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
p("diff_est", a.mean() - b.mean()); p("diff_se", se)
# regression adjustment: statsmodels OLS, classical SE
r = sm.OLS(y, sm.add_constant(np.column_stack([t, X]))).fit()
p("reg_est", r.params[1]); p("reg_se", r.bse[1]); p("reg_lo", r.conf_int()[1][0]); p("reg_p", r.pvalues[1])
# IV: y on d (endogenous) with instrument z, controls x1, x2
exog = sm.add_constant(np.column_stack([d, X])); inst = sm.add_constant(np.column_stack([z, X]))
iv = IV2SLS(y, exog, inst).fit()
p("iv_est", iv.params[1]); p("iv_se", iv.bse[1])
fs = sm.OLS(d, inst).fit(); fr = sm.OLS(d, sm.add_constant(X)).fit()
p("iv_f", ((fr.ssr - fs.ssr) / 1) / (fs.ssr / fs.df_resid))
iv0 = IV2SLS(y, sm.add_constant(d), sm.add_constant(z)).fit()
p("wald_est", iv0.params[1]); p("wald_se", iv0.bse[1])
# propensity
Z = sm.add_constant(X)
lg = sm.Logit(t, Z).fit(method="newton", tol=1e-14, maxiter=200, disp=0)
e = lg.predict(Z)
def ipw_moments(theta, att):
    beta, m1, m0 = theta[:3], theta[3], theta[4]
    ee = 1 / (1 + np.exp(-Z @ beta))
    g = [(t - ee)[:, None] * Z]
    if att:
        g += [(t * (y - m1))[:, None], ((1 - t) * ee / (1 - ee) * (y - m0))[:, None]]
    else:
        g += [(t * (y - m1) / ee)[:, None], ((1 - t) * (y - m0) / (1 - ee))[:, None]]
    return np.hstack(g)
for att in (False, True):
    if att:
        w0 = (1 - t) * e / (1 - e); m1 = y[t == 1].mean(); m0 = (w0 * y).sum() / w0.sum()
    else:
        m1 = (t * y / e).sum() / (t / e).sum(); m0 = ((1 - t) * y / (1 - e)).sum() / ((1 - t) / (1 - e)).sum()
    theta = np.r_[lg.params, m1, m0]
    G = ipw_moments(theta, att)
    J = approx_fprime(theta, lambda th: ipw_moments(th, att).mean(0), centered=True)
    B = G.T @ G / n
    Ji = np.linalg.inv(J); V = Ji @ B @ Ji.T / n
    tag = "att_ipw" if att else "ipw"
    p(tag + "_est", m1 - m0); p(tag + "_se", np.sqrt(V[3, 3] + V[4, 4] - 2 * V[3, 4]))
# AIPW with per-arm OLS outcome models
f1 = sm.OLS(y[t == 1], Z[t == 1]).fit(); f0 = sm.OLS(y[t == 0], Z[t == 0]).fit()
mu1, mu0 = Z @ f1.params, Z @ f0.params
psi = mu1 - mu0 + t * (y - mu1) / e - (1 - t) * (y - mu0) / (1 - e)
p("aipw_est", psi.mean()); p("aipw_se", np.sqrt(((psi - psi.mean()) ** 2).mean() / n))
res = y - mu0; num = t * res - (1 - t) * e / (1 - e) * res
att = num.sum() / t.sum(); inf = (num - t * att) / t.mean()
p("att_aipw_est", att); p("att_aipw_se", np.sqrt((inf ** 2).mean() / n))
# power (statsmodels solve_power: nobs1 is the control group here)
p("n_mean", TTestIndPower().solve_power(effect_size=0.5 / 2.0, alpha=0.05, power=0.8, ratio=1.0))
p("n_mean_r2", TTestIndPower().solve_power(effect_size=0.3, alpha=0.01, power=0.9, ratio=2.0))
h = proportion_effectsize(0.12, 0.10)
p("n_prop", NormalIndPower().solve_power(effect_size=h, alpha=0.05, power=0.8, ratio=1.0))
p("pow_mean", TTestIndPower().power(effect_size=0.25, nobs1=200, alpha=0.05, ratio=1.5))
p("pow_prop", NormalIndPower().power(effect_size=h, nobs1=3000, alpha=0.05, ratio=1.0))
p("mde_mean_es", TTestIndPower().solve_power(nobs1=300, alpha=0.05, power=0.8, ratio=1.0))
p("mde_prop_h", NormalIndPower().solve_power(nobs1=3000, alpha=0.05, power=0.8, ratio=1.0))
