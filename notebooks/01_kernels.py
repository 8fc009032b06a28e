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
# # Infinite-width kernels of a ReLU RNN
#
# The forward correlation $K^l$, the backward correlation $F^l$ and the NTK
# $H^\infty = \sum_l F^l K^{l-1}$ of Wang, Shen, Hu & Cao (2021), on the built-in toy
# dataset, with the paper's configuration ($\sigma_w^2 = 2$, $\sigma_a^2 = 2/L^3$, random
# $h_0$).

# %%
import jax
jax.config.update("jax_enable_x64", True)  # float64 reference (the library never sets this)
import matplotlib.pyplot as plt
import numpy as np
import rnn_ntk

# %%
L = 32
x, y = rnn_ntk.toy_sequences(n=12, L=L, d=2, seed=0)
cfg = rnn_ntk.RNNConfig()
k = rnn_ntk.kernels(x, cfg=cfg)
H = np.asarray(k.H)
print('K', k.K.shape, 'F', k.F.shape, 'H', H.shape)
print('H symmetric:', np.allclose(H, H.T), ' min eigenvalue:', np.linalg.eigvalsh(H)[0])

# %% [markdown]
# ## Degeneracy: hidden states of different inputs become correlated
#
# The paper's proof rests on the correlation of $h_l(x)$ and $h_l(x')$ degenerating to 1
# (Remark 4.2). Left: two inputs seen only at step 1 ($h_0 = 0$); the ReLU recursion alone
# drives $1-\rho_l \to 0$ polynomially. Right: with the paper's $\sigma_a^2 = 2/L^3$ the
# whole sequence lives in this regime: $\max_l (1-\rho_l)$ shrinks as $L$ grows.
# `one_minus_rho` is computed without cancellation, so it is meaningful far below
# float32's resolution of $\rho$.

# %%
x1 = np.zeros((2, 200, 2)); x1[0, 0] = [1.0, 0.0]; x1[1, 0] = [0.0, 1.0]
omr1 = np.asarray(rnn_ntk.kernels(x1, cfg=rnn_ntk.RNNConfig(sa2=1.0, h0='zero')).one_minus_rho)[:, 0, 1]
Ls = [8, 16, 32, 64, 128]
worst = []
for L_ in Ls:
    xl, _ = rnn_ntk.toy_sequences(n=8, L=L_, d=2, seed=0)
    worst.append(float(np.asarray(rnn_ntk.kernels(xl, cfg=cfg).one_minus_rho).max()))
fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
axes[0].loglog(np.arange(1, 201), omr1)
axes[0].set_xlabel('step l'); axes[0].set_ylabel(r'$1-\rho_l$'); axes[0].set_title('inputs at step 1 only')
axes[1].loglog(Ls, worst, 'o-')
axes[1].set_xlabel('L'); axes[1].set_ylabel(r'$\max_l\,(1-\rho_l)$'); axes[1].set_title('paper config, toy data')
assert np.all(np.diff(omr1[1:]) < 0) and np.all(np.diff(worst) < 0)
print('slope of 1-rho_l in l:', np.polyfit(np.log(np.arange(20, 201)), np.log(omr1[19:]), 1)[0])

# %% [markdown]
# ## $F^l$ decays polynomially, not exponentially (Remark 4.2)
#
# $F^l = \tfrac{1}{2}\prod_{k=l}^{L}\Sigma(\rho_k)$ with
# $\Sigma(\rho) = \tfrac12 + \arcsin(\rho)/\pi$. A naive bound gives $2^{-L}$; because
# $\rho_k\to 1$ makes $\Sigma(\rho_k)\to 1$, the product decays only polynomially. Compare
# with $h_0 = 0$ and large input variance, where the correlations stay away from 1.

# %%
L2 = 128
x2, _ = rnn_ntk.toy_sequences(n=6, L=L2, d=2, seed=1)
F_paper = np.asarray(rnn_ntk.kernels(x2, cfg=cfg).F)[:, 0, 1]
F_wide = np.asarray(rnn_ntk.kernels(x2, cfg=rnn_ntk.RNNConfig(sa2=4.0, sw2=1.0, h0='zero')).F)[:, 0, 1]
dist = L2 - np.arange(1, L2 + 1) + 1  # steps back from the output
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.loglog(dist, F_paper / F_paper[-1], label='paper config')
ax.loglog(dist, F_wide / F_wide[-1], label='sw2=1, sa2=4, h0=0')
ax.loglog(dist, 2.0 ** -(dist - 1.0), 'k:', label='$2^{-(L-l)}$')
ax.set_xlabel('L - l + 1'); ax.set_ylabel('$F^l / F^L$'); ax.legend()
slope = np.polyfit(np.log(dist[dist > 8]), np.log(F_paper[dist > 8]), 1)[0]
print(f'log-log slope of F^l (paper config): {slope:.2f}')

# %% [markdown]
# ## $H^\infty$ and the sequence-labelling kernels $H^{(l)}$
#
# `steps=True` returns the NTK of the output read at every step (Remark 3.2) from the same
# single pass.

# %%
Hs = np.asarray(rnn_ntk.ntk(x, cfg=cfg, steps=True))
off = ~np.eye(len(x), dtype=bool)
assert np.allclose(Hs[-1], H)
fig, axes = plt.subplots(1, 2, figsize=(8, 3.5))
im = axes[0].imshow(H); axes[0].set_title('$H^\\infty$'); fig.colorbar(im, ax=axes[0])
axes[1].plot(np.arange(1, L + 1), np.einsum('lii->l', Hs) / len(x), label='mean diagonal')
axes[1].plot(np.arange(1, L + 1), Hs[:, off].mean(1), label='mean off-diagonal')
axes[1].set_xlabel('l'); axes[1].set_title('$H^{(l)}$'); axes[1].legend()
q = rnn_ntk.inverse_quadratic_form(H, y)
print(f'y^T H^-1 y = {q.quad:.3f} (cond {q.cond:.3g})')
