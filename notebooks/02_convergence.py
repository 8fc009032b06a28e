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
# # At what width does the empirical NTK converge?
#
# A finite-width RNN (`jax.lax.scan`, no Flax) at width $m$ has an empirical NTK
# $\Theta_W$; Theorem 3 says it approaches $H^\infty$ as $m\to\infty$, and Theorems 5-6
# say the same of the per-step $\langle h_l, h'_l\rangle \to K^l$ and
# $\langle\delta_l,\delta'_l\rangle \to F^l$, while the cross-step terms ($l \ne l'$)
# vanish. The error falls like $m^{-1/2}$ (SPEC §5). Small sizes here; `rnn-ntk converge`
# runs the full sweep with resumable output.

# %%
import jax
jax.config.update("jax_enable_x64", True)  # float64 reference (the library never sets this)
import matplotlib.pyplot as plt
import numpy as np
import rnn_ntk

# %%
widths = (64, 128, 256, 512, 1024, 2048)
seeds = (0, 1, 2)
cfg = rnn_ntk.RNNConfig()
tables = {}
for L in (4, 8, 16):
    x, _ = rnn_ntk.toy_sequences(n=8, L=L, d=2, seed=0)
    tables[L] = rnn_ntk.convergence(x, cfg=cfg, widths=widths, seeds=seeds, tolerances=(0.3, 0.2))
    t = tables[L]
    print(f'L={L:>2}: slope {t.slope:+.2f} (seed-averaged {t.slope_avg:+.2f}); '
          f'smallest m with mean error <= 0.3 / 0.2: {t.smallest_m}')

# %% [markdown]
# ## The error of $\Theta_W$ against $H^\infty$, per $L$
#
# Mean over seeds with its range; the dotted line is $m^{-1/2}$. The averaged kernel (over
# seeds) has a smaller error: its bias is $O(1/m)$.

# %%
fig, ax = plt.subplots(figsize=(5.5, 4))
w = np.asarray(widths)
for L, t in tables.items():
    mean = t.theta_err.mean(1)
    ax.loglog(w, mean, 'o-', label=f'L={L}')
    ax.fill_between(w, t.theta_err.min(1), t.theta_err.max(1), alpha=0.2)
ref = tables[8].theta_err.mean(1)[0] * (w / w[0]) ** -0.5
ax.loglog(w, ref, 'k:', label='$m^{-1/2}$')
ax.set_xlabel('width m'); ax.set_ylabel(r'$\|\Theta_m - H^\infty\|_F / \|H^\infty\|_F$')
ax.legend()
for t in tables.values():
    assert -0.8 < t.slope < -0.25, t.slope  # about -1/2

# %% [markdown]
# ## Per-step forward and backward correlations, and the cross-step part
#
# The cross-step part of $\Theta_W$ (the terms $l \ne l'$ of paper eq. 23) has no limit
# contribution: its size relative to $\|H^\infty\|_F$ shrinks with $m$.

# %%
t = tables[8]
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
for name, lab in (('K_err_all', '$K^l$'), ('F_err_all', '$F^l$'), ('cross', 'cross-step')):
    axes[0].loglog(w, getattr(t, name).mean(1), 'o-', label=lab)
axes[0].set_xlabel('width m'); axes[0].set_title('L = 8: relative errors'); axes[0].legend()
steps = np.arange(1, 9)
for i in (0, 2, 5):
    axes[1].semilogy(steps, t.F_err[i].mean(0), 'o-', label=f'm={widths[i]}')
axes[1].set_xlabel('step l'); axes[1].set_title('error of $F^l$ per step'); axes[1].legend()
cross = t.cross.mean(1)
assert cross[-1] < cross[0] / 2
print('cross-step part:', np.round(cross, 3), ' slope', round(t.slope_cross, 2))
