# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Generalisation: complexities, $\tilde y^T (H^\infty)^{-1} \tilde y$ and SGD
#
# Sections 2-3 of Wang, Shen, Hu & Cao (2021). A concept $F^*$ is learnable by a wide ReLU
# RNN trained with online SGD (Algorithm 1) when its complexity is small: the paper's
# worst-case complexities $C(F^*)$ (eqs. 6, 7, 10, 12) and the data-dependent
# $\tilde y^T (H^\infty)^{-1} \tilde y$ that enters the bound of eq. 19 (average 0-1 error
# of the iterates $\lesssim \tilde y^T H^{-1} \tilde y / n + \log(1/\delta)/n$, with the
# $\tilde O$ constants set to 1). Sizes here are small so the notebook runs in about a
# minute; `rnn-ntk bound` and `rnn-ntk train` run the same experiments at full size.
# Inputs satisfy $1 \le \|X_l\| \le 2$ ($C_0 = 2$).

# %%
import math
import time

import jax
jax.config.update("jax_enable_x64", True)  # float64 kernels and solves (the library never sets this)
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np

import rnn_ntk
from rnn_ntk import experiments as ex
from rnn_ntk import theory

T0 = time.perf_counter()
C_MIN, C_MAX = 1.0, 2.0
C0 = C_MAX / C_MIN  # the input norm ratio of Section 2.2

# %% [markdown]
# ## Complexity of an analytic $\psi$ (eqs. 6 and 7)
#
# $C(\psi, R) = 1 + \sum_i i |c_i| R^i$. Example 2.1: $\psi = \arctan(z/2)$ gives
# $1 + 2R/(4 - R^2)$, finite only below the radius of convergence 2 (the library returns
# `inf` there, not a partial sum). Example 2.2: $\psi = \exp$ gives $1 + R e^R$, finite
# for every $R$. $C_N$ (eq. 7) adds the multinomial factor $\sqrt{C_{N,i}}$ and
# $L^N C_1^N$.

# %%
arctan, expo = theory.arctan_half(), theory.exp_series()
R = np.linspace(0.05, 3.0, 60)
c_arctan = np.array([rnn_ntk.complexity(arctan, r) for r in R])
c_exp = np.array([rnn_ntk.complexity(expo, r) for r in R])
# closed forms: Example 2.1 sum_j (R/2)^(2j-1) = 2R/(4-R^2) below R = 2; Example 2.2 R e^R
inside = R < 2
np.testing.assert_allclose(c_arctan[inside], 1 + 2 * R[inside] / (4 - R[inside] ** 2), rtol=1e-12)
np.testing.assert_allclose(c_exp, 1 + R * np.exp(R), rtol=1e-12)
assert np.all(np.isinf(c_arctan[~inside]))  # eq. 6 diverges at the radius of convergence 2
print(f"C(arctan(z/2), 1) = {rnn_ntk.complexity(arctan, 1.0):.6f}  (paper: 1 + 2/3)")

# eq. 7 for exp with N = 1, 2, 3 (L = 4, C1 = 100): finite for every R, growing like L^N C1^N
cn = {N: np.array([rnn_ntk.complexity_n(expo, r, N=N, L=4) for r in R]) for N in (1, 2, 3)}
np.testing.assert_allclose(cn[1], 1 + 4 * 100 * R * np.exp(R), rtol=1e-12)  # C_{1,i} = 1

fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
ax = axes[0]
ax.semilogy(R, np.where(inside, c_arctan, np.nan), label="arctan(z/2) (Ex. 2.1)")
ax.semilogy(R, c_exp, label="exp(z) (Ex. 2.2)")
ax.axvline(2.0, color="grey", ls=":", label="radius of arctan(z/2)")
ax.set_xlabel("R"); ax.set_ylabel(r"$C(\psi, R)$, eq. 6"); ax.legend(fontsize=8)
ax = axes[1]
for N, v in cn.items():
    ax.semilogy(R, v, label=f"N = {N}")
ax.set_xlabel("R"); ax.set_ylabel(r"$C_N(\exp, R)$, eq. 7 (L = 4)"); ax.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## Complexity of the concept classes (eqs. 10 and 12)
#
# The additive class evaluates every $\psi$ at $R = C_0\sqrt L$, so $C(F^*)$ grows like
# $L^4 e^{C_0\sqrt L}$ for $\exp$ at every step, and $\arctan(z/2)$ is only covered while
# $C_0 \sqrt L < 2$. For the N-variable class eq. 12 takes the smaller of a branch that
# grows with the number of positions $N$ and one that grows with their spread $l_0$
# (through $2^{l_0}$): close positions use the shift branch, distant ones the $N$ branch.

# %%
# eq. 10: one exp (or arctan) term at every step of an additive concept
Ls_c = np.arange(1, 65)
eq10_exp = np.array([theory.additive_complexity([expo] * L, L=int(L), C0=C0) for L in Ls_c])
eq10_atan = np.array([theory.additive_complexity([arctan] * L, L=int(L), C0=1.0) for L in Ls_c])
# closed form for exp: L^3 * L * (1 + R e^R) at R = C0 sqrt(L)
Rl = C0 * np.sqrt(Ls_c)
np.testing.assert_allclose(eq10_exp, Ls_c ** 4 * (1 + Rl * np.exp(Rl)), rtol=1e-12)
assert np.isfinite(eq10_atan[Ls_c < 4]).all() and np.isinf(eq10_atan[Ls_c >= 4]).all()  # sqrt(L) < 2

# eq. 12 for exp at N = 2, L = 16: the shift branch grows like exp(2^l0 C0 sqrt L), the
# N branch does not depend on l0, so the minimum switches branch as l0 grows
L12 = 16
l0s_c = np.arange(0, L12)
br = [theory.n_variable_complexity(expo, N=2, l0=int(l0), L=L12, C0=C0) for l0 in l0s_c]
kern = np.array([b.kernel_branch for b in br]); shift = np.array([b.shift_branch for b in br])
attained = [b.attained for b in br]
print("eq. 12 attained by:", "".join("N" if a == "N" else "s" for a in attained), "(s = shift/l0 branch)")
assert attained[0] == "l0" and attained[-1] == "N"
switch = attained.index("N")
assert all(a == "N" for a in attained[switch:])  # one switch: the shift branch only grows
assert np.all(np.diff(shift[np.isfinite(shift)]) > 0) and np.ptp(kern) == 0

fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
ax = axes[0]
ax.semilogy(Ls_c, eq10_exp, label=f"exp, C0 = {C0:g}")
ax.semilogy(Ls_c, np.where(np.isfinite(eq10_atan), eq10_atan, np.nan), "o-", label="arctan(z/2), C0 = 1")
ax.set_xlabel("L"); ax.set_ylabel(r"$C(F^*)$, eq. 10"); ax.legend(fontsize=8)
ax.set_title("eq. 10 grows like exp(C0 sqrt L); arctan: inf for sqrt L >= 2", fontsize=9)
ax = axes[1]
ax.semilogy(l0s_c, kern, "o-", label=r"$L^2 C_N(\psi, C_0\sqrt{L})$")
ax.semilogy(l0s_c, np.where(np.isfinite(shift), shift, np.nan), "s-", label=r"$L^3 C(\psi, 2^{l_0} C_0\sqrt{L})$")
ax.semilogy(l0s_c, np.minimum(kern, shift), "k:", lw=2, label="eq. 12 (min)")
ax.axvline(switch - 0.5, color="grey", ls="--")
ax.set_ylim(top=1e40)
ax.set_xlabel("l0 (N = 2, L = 16)"); ax.set_ylabel("complexity (inf not drawn)"); ax.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# ## Additive class: $\tilde y^T H^{-1} \tilde y / n$ versus $L$
#
# `experiments.additive_vs_L`: one $\exp$ term at every step, unit $\beta_l$ drawn at
# random, the concept centred and conditioned on a margin $|F^*| \ge \gamma$ so that
# $\tilde y = F^*/\gamma$ satisfies $y \tilde y \ge 1$. Unlike eq. 10, the data-dependent
# complexity stays polynomial (here roughly flat) in $L$.

# %%
add = ex.additive_vs_L((2, 4, 8, 16, 32), n=48, repeats=2, c_min=C_MIN, c_max=C_MAX, seed=0)
print(add.format())
L_a = add.column("L").astype(float)
q_a = add.column("quad_over_n")
slope = add.notes["loglog_slope_quad_over_n"]
assert np.all(np.isfinite(q_a) & (q_a > 0))
# polynomial, not exponential, in L: a bounded log-log slope, and no step-to-step
# acceleration (an exp(c sqrt L) growth like eq. 10's would fail both)
assert slope < 3, slope
assert np.all(q_a[1:] / q_a[:-1] < 2.0 ** 3), q_a
c10 = np.array([float(v) for v in add.column("C_eq10")])

fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
ax = axes[0]
ax.errorbar(L_a, q_a, yerr=add.column("quad_std"), fmt="o-", capsize=3, label=r"$\tilde y^T H^{-1}\tilde y / n$ (margin-rescaled $F^*$)")
ax.errorbar(L_a, add.column("labels_quad_over_n"), yerr=add.column("labels_std"), fmt="s--", capsize=3, label=r"$y^T H^{-1} y / n$ ($\pm 1$ labels)")
ax.set_xscale("log", base=2); ax.set_yscale("log"); ax.set_xlabel("L")
ax.set_title(f"data-dependent complexity (log-log slope {slope:.2f})", fontsize=9); ax.legend(fontsize=7)
ax = axes[1]
ax.semilogy(L_a, q_a, "o-", label=r"$\tilde y^T H^{-1}\tilde y / n$")
ax.semilogy(L_a, c10, "s-", color="tab:green", label=r"$C(F^*/\gamma)$, eq. 10")
ax.set_xscale("log", base=2); ax.set_xlabel("L"); ax.legend(fontsize=8)
ax.set_title("data-dependent vs worst-case complexity", fontsize=9)
fig.tight_layout()

# %% [markdown]
# ## N-variable class: the minimum of eq. 12 versus $l_0$ and $N$
#
# `experiments.n_variable_sweep` at $L = 12$: positions $(L - l_0, L)$ for the $l_0$ sweep
# at $N = 2$, and the last $N$ steps ($l_0 = N - 1$) for the $N$ sweep. The right axis
# shows the data-dependent $\tilde y^T H^{-1} \tilde y / n$, which stays of the same order
# across both sweeps while the worst-case branches span many decades.

# %%
nv = ex.n_variable_sweep(L=12, l0s=(1, 2, 4, 7, 11), Ns=(1, 2, 3, 4), n=48, repeats=2,
                         c_min=C_MIN, c_max=C_MAX, seed=0)
print(nv.format())
rows_l0 = [r for r in nv.rows if r["sweep"] == "l0"]
rows_N = [r for r in nv.rows if r["sweep"] == "N"]
att = [r["attained"] for r in rows_l0]
# the minimum of eq. 12 switches from the shift (l0) branch to the N branch as l0 grows
assert att[0] == "l0" and att[-1] == "N", att
# ... and along N (at l0 = N - 1) the kernel branch grows with N
kN = np.array([r["kernel_branch"] for r in rows_N])
assert np.all(np.diff(kN) > 0), kN
assert all(np.isfinite(r["quad_over_n"]) and r["quad_over_n"] > 0 for r in nv.rows)

fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
for ax, rows, key in ((axes[0], rows_l0, "l0"), (axes[1], rows_N, "N")):
    x_ = np.array([r[key] for r in rows], float)
    col = lambda name: np.array([r[name] if np.isfinite(r[name]) else np.nan for r in rows], float)
    ax.semilogy(x_, col("kernel_branch"), "o-", label="N branch")
    ax.semilogy(x_, col("shift_branch"), "s-", label="shift (l0) branch")
    ax.semilogy(x_, col("C_eq12"), "k:", lw=2, label="eq. 12 (min)")
    ax2 = ax.twinx()
    ax2.errorbar(x_, col("quad_over_n"), yerr=col("quad_std"), fmt="^--", color="tab:red", capsize=3)
    ax2.set_ylabel(r"$\tilde y^T H^{-1}\tilde y / n$", color="tab:red"); ax2.set_ylim(bottom=0)
    ax.set_xticks(x_); ax.set_xlabel(key + (" (N = 2)" if key == "l0" else " (l0 = N - 1)"))
    ax.set_ylabel("C(F*), inf not drawn"); ax.legend(fontsize=7, loc="upper left")
    ax.set_ylim(top=1e40)
fig.suptitle("N-variable class, L = 12", fontsize=9)
fig.tight_layout()

# %% [markdown]
# ## Algorithm 1: SGD test error versus $n$, the eq. 19 bound and kernel predictors
#
# `experiments.sgd_vs_n`: online SGD on $W$ only (logistic loss, one pass over $n$ fresh
# samples, $\eta = c/m$), 8 seeds and two learning rates vmapped in one jitted program at
# width $m = 64$, float32. The table keeps the learning rate with the lowest
# average-iterate error. Against it: kernel regression with $H^\infty$ and MSE gradient
# flow to the same time, and the bound of eq. 19 with its constants set to 1 -- vacuous
# (above 1) at these $n$, but decreasing with $n$.

# %%
sgd, curves = ex.sgd_vs_n((32, 64, 128, 256), m=64, lrs=(1.0, 4.0), seeds=8, n_test=200,
                          c_min=C_MIN, c_max=C_MAX, dtype=jnp.float32, seed=0)
print(sgd.format())
n_s = sgd.column("n").astype(float)
avg = sgd.column("sgd_avg_iterate_err")
bound = sgd.column("bound_eq19")
kr = sgd.column("kernel_reg_err")
init = np.array([r["init_err"] for r in sgd.rows])
# SGD learns: the average iterate beats the random initialisation and the last iterate
# of the longest run is clearly better than chance; the kernel predictor improves with n;
# the eq. 19 bound (constants 1) decreases with n (it is still vacuous, > 1, at these n)
assert avg[-1] < init[-1] - 0.05, (avg, init)
assert sgd.column("sgd_final_err")[-1] < 0.4
assert kr[-1] < kr[0] and kr[-1] < 0.25, kr
assert np.all(np.diff(bound) < 0), bound

fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
ax = axes[0]
ax.errorbar(n_s, avg, yerr=sgd.column("sgd_avg_err_std"), fmt="o-", capsize=3, label="SGD: average iterate (eq. 19 left)")
ax.plot(n_s, sgd.column("sgd_final_err"), "s-", label="SGD: last iterate")
ax.plot(n_s, kr, "^--", label=r"kernel regression with $H^\infty$")
ax.plot(n_s, sgd.column("grad_flow_err"), "v--", label="MSE gradient flow, t = cT")
ax.plot(n_s, np.minimum(bound, 1.0), "k:", label="eq. 19 bound, min(., 1)")
ax.axhline(0.5, color="grey", lw=0.5)
ax.set_xscale("log", base=2); ax.set_ylim(0, 1.05); ax.set_xlabel("n (= SGD steps)")
ax.set_ylabel("test 0-1 error"); ax.legend(fontsize=7, loc="upper right", bbox_to_anchor=(1, 0.93))
ax = axes[1]
for key, c in curves.items():
    ax.plot(c["steps"], c["running_error"], "o-", label=f"n = {key}")
ax.set_xlabel("step t"); ax.set_ylabel("running average of iterate errors"); ax.legend(fontsize=8)
fig.tight_layout()
print(f"eq. 19 bound: {np.round(bound, 2)} (vacuous at these n)")
print(f"||W_T - W_0||_F = {np.round(sgd.column('w_dist'), 2)}, relative NTK drift = "
      f"{np.round(sgd.column('ntk_drift'), 2)} (m = 64 is far from the lazy limit)")

# %%
print(f"notebook ran in {time.perf_counter() - T0:.1f} s")
