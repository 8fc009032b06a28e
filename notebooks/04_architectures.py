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
# # Architectures: depth, activation, readout and direction
#
# The kernels of SPEC §7 beyond the paper's single-layer ReLU RNN read at its last step:
# stacked layers, tanh, the mean over steps, a second RNN on the reversed sequence. Three
# questions: how the architecture changes the degeneracy $\rho \to 1$ (Remark 4.2 of the
# paper), how it changes the decay of $F^l$ (how far back the NTK looks), and what that
# does to accuracy, on synthetic concepts of `rnn_ntk.theory` and on two UCR/UEA sets
# (`benchmarks/bench_ucr.py`). Figures are `matplotlib.figure.Figure` objects (the
# library's plotting convention: no pyplot state), shown inline.
#
# Variances (as in the UCR architecture search, `rnn_ntk.experiments._ucr_arch`): ReLU
# $\sigma_w^2 = 2$, layer 1 $\sigma_a^2 = 2/L^3$ (the paper's), layer 2 $\sigma_a^2 =
# 1/64$; tanh $\sigma_w^2 = 1$ (its edge of chaos), layer 1 $\sigma_a^2 = 1/\overline{|X|^2}$
# per step, layer 2 $\sigma_a^2 = 1$, which keeps every pre-activation variance near or
# below 2, where the Hermite series of the tanh dual is accurate to about $10^{-10}$.

# %%
# %matplotlib inline
import json
import pathlib
import time

import jax
jax.config.update("jax_enable_x64", True)  # float64 kernels (the library never sets this)
import numpy as np
from matplotlib.figure import Figure

import rnn_ntk
from rnn_ntk import RNNConfig, Sequences, theory
from rnn_ntk.learn import kernel_scale

T0 = time.perf_counter()


def finish(ax, xlabel, ylabel, title):
    """Labels, title, grid and legend of one panel."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)


def pair_median(a, j, size):
    """Median over the distinct pairs of block j (sequences j*size .. (j+1)*size - 1)."""
    blk = a[j * size:(j + 1) * size, j * size:(j + 1) * size]
    return float(np.median(blk[~np.eye(size, dtype=bool)]))


# %% [markdown]
# ## One computation for every length: prefixes as ragged sequences
#
# Four random sequences ($1 \le \|X_l\| \le 2$, `theory.sample_sequences`) are cut to their
# first $L$ steps for $L = 8, \dots, 128$ and stacked into one ragged batch
# (`rnn_ntk.Sequences`), so that one kernel call per architecture gives every $L$ (pairs
# of equal length are the network on length-$L$ sequences; SPEC §6 aligns them at their
# last step). The paper's $\sigma_a^2 = 2/L^3$ changes with $L$; since layer 1 sees the
# inputs only through $\sigma_a^2 \langle X_t, X'_s\rangle$, the length-$L$ prefixes are
# scaled by $(128/L)^{3/2}$ and the network is fixed at $\sigma_a^2 = 2/128^3$: each block
# is then exactly the paper's network at that $L$ (checked below against a direct call).

# %%
LMAX, N_BASE = 128, 4
LS = np.array([8, 16, 32, 64, 128])
base = theory.sample_sequences(N_BASE, LMAX, 2, seed=0)
m2 = float(np.mean(np.sum(base**2, axis=-1)))  # mean |X_l|^2 (tanh's input scale)
scale = (LMAX / LS) ** 1.5  # sqrt(sa2(L) / sa2(LMAX)) for sa2 = 2/L^3
ragged = Sequences(np.concatenate([base * s for s in scale]), np.repeat(LS, N_BASE))

DIAG = {  # readout "last", one direction: kernels() has the per-layer diagnostics
    "d1 relu (paper)": RNNConfig(sa2=2.0 / LMAX**3),
    "d2 relu": RNNConfig(depth=2, sa2=(2.0 / LMAX**3, 1.0 / 64)),
    "d1 tanh": RNNConfig(activation="tanh", sw2=1.0, sa2=1.0 / m2),
    "d2 tanh": RNNConfig(depth=2, activation="tanh", sw2=1.0, sa2=(1.0 / m2, 1.0)),
}
diag = {}
for name, cfg in DIAG.items():
    k = rnn_ntk.kernels(ragged, cfg=cfg)
    omr, F = np.asarray(k.one_minus_rho), np.asarray(k.F)
    if omr.ndim == 3:  # depth 1: no layer axis
        omr, F = omr[None], F[None]
    diag[name] = (omr, F)
    print(f"{name}: one_minus_rho {omr.shape} (layers, steps, n, n), F {F.shape}")

# each block is the paper's network at its own L (sa2 = 2/L^3), to rounding
direct = np.asarray(rnn_ntk.kernels(base[:, :32], cfg=RNNConfig()).one_minus_rho)[-1]
block = slice(int(np.flatnonzero(LS == 32)[0]) * N_BASE, None)
np.testing.assert_allclose(diag["d1 relu (paper)"][0][0, -1, block, block][:N_BASE, :N_BASE],
                           direct, rtol=1e-9, atol=1e-15)

# %% [markdown]
# ## Degeneracy: $1 - \rho^k_L$ per layer
#
# $\rho^k_L$ is the correlation of the last hidden states $h^k_L(x), h^k_L(x')$ of layer $k$
# (median over the distinct pairs). ReLU in the paper's regime degenerates like $L^{-2}$
# (the inputs add $O(1/L^2)$ to a state dominated by $h_0$), and the second layer, fed by
# the first layer's nearly identical states, is more degenerate still. tanh does not
# degenerate: at $\sigma_w^2 = 1$ its state forgets $h_0$ and old inputs and is driven by
# the last few steps, whose inputs are unrelated across sequences, so $\rho$ stays far from
# 1 (here of order 0) at every $L$. (Layer 1 of the ReLU stack is the paper's network: the
# two curves coincide.)

# %%
rho_L = {}
for name, (omr, _) in diag.items():
    for layer in range(omr.shape[0]):
        rho_L[f"{name}, layer {layer + 1}"] = np.array(
            [pair_median(omr[layer, -1], j, N_BASE) for j in range(len(LS))])
sci = {"float_kind": lambda u: f"{u:.2e}"}
for key, v in rho_L.items():
    print(f"{key:26s} 1 - rho_L at L = {LS.tolist()}: {np.array2string(v, formatter=sci)}")
slope = np.polyfit(np.log(LS), np.log(rho_L["d1 relu (paper), layer 1"]), 1)[0]
print(f"log-log slope of 1 - rho_L, paper's network: {slope:.2f}")
assert -2.3 < slope < -1.7  # ~ L^-2
assert np.all(rho_L["d2 relu, layer 2"] < rho_L["d2 relu, layer 1"])  # deeper: more degenerate
assert np.all(rho_L["d1 tanh, layer 1"] > 0.3)  # tanh: no degeneracy

fig = Figure(figsize=(6.4, 4.2), layout="tight")
ax = fig.subplots()
for key, v in rho_L.items():
    ax.loglog(LS, v, "o-" if "relu" in key else "s--", label=key)
ax.loglog(LS, 0.5 * rho_L["d1 relu (paper), layer 1"][0] * (LS / LS[0]) ** -2.0, "k:", lw=1,
          label=r"$\propto L^{-2}$")
ax.set_xscale("log", base=2)
finish(ax, "sequence length L", r"$1 - \rho^k_L$ (median over pairs)",
       "degeneracy of the last hidden state, per layer")
fig

# %% [markdown]
# ## How far back the NTK looks: $F^l$ per layer
#
# $F^l = P_{l,l}$ is the backward correlation of step $l$: the weight with which step $l$'s
# $K^{l-1}$ enters $H = \sum_l F^l K^{l-1}$ (per layer for a stack; SPEC §7). At $L = 128$:
# the paper's ReLU network keeps $F^l / F^L$ of order 1 over all 128 steps (polynomial
# decay, Remark 4.2); tanh's $F^l$ falls exponentially, by $\sigma_w^2\,E[\tanh'(u)^2] < 1$
# per step, so the NTK of a tanh RNN read at its last step hardly sees steps more than a
# few dozen back. In the ReLU stack, layer 1's $F^l$ *grows* backwards: layer 1's
# recurrent weights are reached through layer 2 at every later step.

# %%
j128 = len(LS) - 1
back = np.arange(1, LMAX + 1)  # L - l + 1: steps back from the output
F_decay = {}
for name, (_, F) in diag.items():
    for layer in range(F.shape[0]):
        f = np.array([pair_median(F[layer, i], j128, N_BASE) for i in range(LMAX)])
        F_decay[f"{name}, layer {layer + 1}"] = f[::-1] / f[-1]  # index 0: the last step
for key, f in F_decay.items():
    print(f"{key:26s} F^l / F^L at L - l + 1 = 1, 8, 32, 128: "
          f"{np.array2string(f[[0, 7, 31, 127]], formatter=sci)}")
assert F_decay["d1 relu (paper), layer 1"][-1] > 0.3  # polynomial: order 1 after 128 steps
assert F_decay["d1 tanh, layer 1"][31] < 1e-6  # exponential
assert F_decay["d2 relu, layer 1"][-1] > 1  # reached through layer 2 at every step

fig = Figure(figsize=(6.4, 4.2), layout="tight")
ax = fig.subplots()
for key, f in F_decay.items():
    ax.loglog(back, np.where(f > 1e-16, f, np.nan), "-" if "relu" in key else "--", label=key)
ax.loglog(back, 2.0 ** -(back - 1.0), "k:", lw=1, label=r"$2^{-(L-l)}$")
ax.set_ylim(1e-16, 1e3)
finish(ax, "L - l + 1 (steps back from the output), L = 128",
       r"$F^l / F^L$ (median over pairs)", "backward correlation per layer")
fig

# %% [markdown]
# ## Readout and direction: the NTK itself
#
# `kernels()` is the per-step diagnostics of one RNN read at its last step; readout
# "mean" and the bidirectional sum have no $\rho_L$ of their own (their hidden states are
# those of the same RNN). Their effect shows in the NTK: the cosine
# $H(x, x') / \sqrt{H(x,x) H(x',x')}$ between different sequences, here as $1 - \cos$
# (median over pairs), from `ntk()` on the same ragged prefixes (scaled as above, so each
# block is the paper's regime at its $L$; $L \le 64$ keeps readout "mean", $O(L^2)$ per
# pair, cheap).
#
# Read at the last step, the paper's $H^\infty$ is *not* degenerate although its hidden
# states are: $1 - \cos H$ stays near 0.2 at every $L$, because the derivative
# correlation $\tfrac12 + \arcsin(\rho)/\pi$ in $F^l$ loses $\sqrt{1-\rho} \sim 1/L$ per
# step, and $L$ steps of $1/L$ add up to order 1. The mean readout averages the kernels of
# all step pairs, dominated by the early, fully degenerate steps: its NTK degenerates
# like $1/L$. The second direction changes little for ReLU (its last step is the
# sequence's first, equally dominated by $h_0$); tanh's NTK stays far from degenerate.
# %%
LS_B = LS[LS <= 64]
ragged_b = Sequences(
    np.concatenate([base[:, :64] * (64 / l) ** 1.5 for l in LS_B]), np.repeat(LS_B, N_BASE))
relu64 = dict(sa2=2.0 / 64**3)
tanh64 = dict(activation="tanh", sw2=1.0, sa2=1.0 / m2)
NTK_ARCHS = {
    "d1 relu last (paper)": RNNConfig(**relu64),
    "d1 relu mean": RNNConfig(**relu64, readout="mean"),
    "d1 relu last bi": RNNConfig(**relu64, bidirectional=True),
    "d2 relu mean bi": RNNConfig(depth=2, sa2=(2.0 / 64**3, 1.0 / 64), readout="mean",
                                 bidirectional=True),
    "d1 tanh last": RNNConfig(**tanh64),
    "d1 tanh mean": RNNConfig(**tanh64, readout="mean"),
}
cos_gap = {}
for name, cfg in NTK_ARCHS.items():
    t = time.perf_counter()
    H = np.asarray(rnn_ntk.ntk(ragged_b, cfg=cfg))
    d = np.sqrt(np.diag(H))
    C = H / d[:, None] / d[None, :]
    cos_gap[name] = np.array([pair_median(1.0 - C, j, N_BASE) for j in range(len(LS_B))])
    print(f"{name:22s} 1 - cos H at L = {LS_B.tolist()}: "
          f"{np.array2string(cos_gap[name], precision=3)}  ({time.perf_counter() - t:.1f} s)")
slope_mean = np.polyfit(np.log(LS_B), np.log(cos_gap["d1 relu mean"]), 1)[0]
print(f"log-log slope of 1 - cos H, readout mean: {slope_mean:.2f}")
assert -1.2 < slope_mean < -0.7  # ~ 1/L
assert np.all(cos_gap["d1 relu last (paper)"] > 0.15)  # last step: no degeneracy of H
assert np.all(cos_gap["d1 tanh last"] > 2 * cos_gap["d1 relu last (paper)"])

fig = Figure(figsize=(6.4, 4.2), layout="tight")
ax = fig.subplots()
for name, v in cos_gap.items():
    ax.loglog(LS_B, v, "o-" if "relu" in name else "s--", label=name)
ax.set_xscale("log", base=2)
finish(ax, "sequence length L", r"$1 - \cos H$ (median over pairs)",
       "degeneracy of the NTK, by readout and direction")
fig

# %% [markdown]
# ## Accuracy: where the concept lives
#
# Two N-variable concepts (eq. 11; $\psi = \arctan(z/2)$, random unit $\beta$) on the same
# 160 random sequences of $L = 24$ steps: one reads steps 1 and 2 ("early"), one steps
# $L-1$ and $L$ ("late"); labels $y = \mathrm{sign}\,F^*$. Kernel regression
# (`theory.kernel_regression`, ridge $10^{-2}$ on the scaled Gram) on 96 sequences, test
# accuracy on 64 (one test sequence is 0.016; the binomial standard error at 80% is about
# 0.05, so only differences of 0.1 or more mean much). The kernel is $H^\infty$ (the $W$
# blocks) of each architecture, in the same variance regime.
#
# The paper's $H^\infty$ weights *early* steps: $X_L$ enters $\sum_l F^l K^{l-1}$ only
# through the backward factors, so the late concept is the hard one for it, and averaging
# over steps (readout "mean") does not help. tanh is the opposite: it forgets, so it learns
# the late concept and is at chance on the early one. The bidirectional network reads
# both ends and learns both.

# %%
LC, N_TR, N_TE = 24, 96, 64
xc = theory.sample_sequences(N_TR + N_TE, LC, 2, seed=2)
m2c = float(np.mean(np.sum(xc**2, axis=-1)))
psi = theory.arctan_half()
CONCEPTS = {"early (steps 1, 2)": (1, 2), "late (steps L-1, L)": (LC - 1, LC)}
labels = {k: theory.label(theory.random_n_variable(LC, 2, pos, psi, seed=3), xc).y
          for k, pos in CONCEPTS.items()}
relu24 = dict(sa2=2.0 / LC**3)
tanh24 = dict(activation="tanh", sw2=1.0, sa2=1.0 / m2c)
ACC_ARCHS = {
    "d1 relu last (paper)": RNNConfig(**relu24),
    "d2 relu last": RNNConfig(depth=2, sa2=(2.0 / LC**3, 1.0 / LC)),
    "d1 relu mean": RNNConfig(**relu24, readout="mean"),
    "d1 relu last bi": RNNConfig(**relu24, bidirectional=True),
    "d1 tanh last": RNNConfig(**tanh24),
    "d1 tanh last bi": RNNConfig(**tanh24, bidirectional=True),
}
acc = {}
for name, cfg in ACC_ARCHS.items():
    H = np.asarray(rnn_ntk.ntk(xc, cfg=cfg))  # every sequence once; train/test are blocks
    s = kernel_scale(H[:N_TR, :N_TR])
    acc[name] = []
    for y in labels.values():
        f = theory.kernel_regression(H[:N_TR, :N_TR] / s, y[:N_TR], H[N_TR:, :N_TR] / s,
                                     ridge=1e-2)
        acc[name].append(float(np.mean(np.sign(np.asarray(f)) == y[N_TR:])))
    print(f"{name:22s} test accuracy early / late: {acc[name][0]:.3f} / {acc[name][1]:.3f}")
assert acc["d1 relu last bi"][1] > acc["d1 relu last (paper)"][1] + 0.1  # bi reads the end
assert acc["d1 tanh last"][0] < 0.65 < acc["d1 tanh last"][1]  # tanh forgets step 1

fig = Figure(figsize=(9.0, 3.8), layout="tight")
ax = fig.subplots()
width = 0.38
pos = np.arange(len(acc))
for i, concept in enumerate(CONCEPTS):
    ax.bar(pos + (i - 0.5) * width, [a[i] for a in acc.values()], width, label=concept)
ax.axhline(0.5, color="grey", lw=0.8, ls=":")
ax.set_xticks(pos, list(acc), fontsize=8, rotation=15)
ax.set_ylim(0.3, 1.0)
ax.set_ylabel("test accuracy (64 sequences)")
ax.set_title("kernel regression with each architecture's NTK, L = 24", fontsize=10)
ax.legend(fontsize=8)
fig

# %% [markdown]
# ## UCR: the architecture chosen by cross-validation
#
# The `rnn_arch` column of the UCR table (`python -m benchmarks.bench_ucr`; read here from
# its committed results, nothing is recomputed): for GunPoint and JapaneseVowels the
# stratified 5-fold CV accuracy of every architecture of the search (each with its best
# variance setting and C, training split only), and the test accuracy of the chosen one
# next to the paper's kernel and the RBF SVM.

# %%
results = pathlib.Path("..") / "benchmarks" / "results" / "bench_ucr.json"
rows = [r for r in json.loads(results.read_text())["rows"] if r.get("arch")]
fig = Figure(figsize=(10.0, 4.6), layout="tight")
axes = fig.subplots(1, max(len(rows), 1), squeeze=False)[0]
for ax, row in zip(axes, rows, strict=False):
    rec = row["arch"]["float64"]
    names, cv = list(rec["cv_by_arch"]), np.array(list(rec["cv_by_arch"].values()))
    colors = ["tab:red" if n == rec["label"] else "tab:blue" for n in names]
    ax.barh(np.arange(len(names)), cv, color=colors)
    ax.set_yticks(np.arange(len(names)), names, fontsize=6)
    ax.invert_yaxis()
    ax.set_xlim(max(0.0, cv.min() - 0.05), 1.0)
    a = row["accuracy"]
    ax.set_title(f"{row['name']}: CV accuracy by architecture (chosen in red)\n"
                 f"test: paper {a['rnn_paper']['float64']:.3f}, chosen "
                 f"{a['rnn_arch']['float64']:.3f}, RBF {a['rbf_cv']:.3f} "
                 f"(n_test = {row['n_test']})", fontsize=8)
    ax.set_xlabel("mean CV accuracy (training split)")
    m = row["arch"]["mcnemar"]
    print(f"{row['name']}: chosen {rec['label']}; McNemar vs paper "
          f"{m['vs rnn_paper']['a_only']}/{m['vs rnn_paper']['b_only']} "
          f"(p = {m['vs rnn_paper']['p']:.2g}), vs RBF {m['vs rbf_cv']['a_only']}/"
          f"{m['vs rbf_cv']['b_only']} (p = {m['vs rbf_cv']['p']:.2g})")
fig

# %%
print(f"notebook ran in {time.perf_counter() - T0:.1f} s")
