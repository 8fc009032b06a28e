"""Cells of 01_kernels.ipynb (see _build.py)."""

from _setup import SETUP

CELLS = [
    (
        "md",
        "# Infinite-width kernels of a ReLU RNN\n\n"
        "The forward correlation $K^l$, the backward correlation $F^l$ and the NTK "
        "$H^\\infty = \\sum_l F^l K^{l-1}$ of Wang, Shen, Hu & Cao (2021), on the built-in "
        "toy dataset, with the paper's configuration ($\\sigma_w^2 = 2$, "
        "$\\sigma_a^2 = 2/L^3$, random $h_0$).",
    ),
    ("code", SETUP),
    (
        "code",
        "L = 32\n"
        "x, y = rnn_ntk.toy_sequences(n=12, L=L, d=2, seed=0)\n"
        "cfg = rnn_ntk.RNNConfig()\n"
        "k = rnn_ntk.kernels(x, cfg=cfg)\n"
        "H = np.asarray(k.H)\n"
        "print('K', k.K.shape, 'F', k.F.shape, 'H', H.shape)\n"
        "print('H symmetric:', np.allclose(H, H.T), ' min eigenvalue:', np.linalg.eigvalsh(H)[0])",
    ),
    (
        "md",
        "## Degeneracy: hidden states of different inputs become correlated\n\n"
        "The paper's proof rests on the correlation of $h_l(x)$ and $h_l(x')$ "
        "degenerating to 1 (Remark 4.2). Left: two inputs seen only at step 1 "
        "($h_0 = 0$); the ReLU recursion alone drives $1-\\rho_l \\to 0$ polynomially. "
        "Right: with the paper's $\\sigma_a^2 = 2/L^3$ the whole sequence lives in this "
        "regime: $\\max_l (1-\\rho_l)$ shrinks as $L$ grows. `one_minus_rho` is "
        "computed without cancellation, so it is meaningful far below float32's "
        "resolution of $\\rho$.",
    ),
    (
        "code",
        "x1 = np.zeros((2, 200, 2)); x1[0, 0] = [1.0, 0.0]; x1[1, 0] = [0.0, 1.0]\n"
        "omr1 = np.asarray(rnn_ntk.kernels(x1, cfg=rnn_ntk.RNNConfig(sa2=1.0, h0='zero')).one_minus_rho)[:, 0, 1]\n"
        "Ls = [8, 16, 32, 64, 128]\n"
        "worst = []\n"
        "for L_ in Ls:\n"
        "    xl, _ = rnn_ntk.toy_sequences(n=8, L=L_, d=2, seed=0)\n"
        "    worst.append(float(np.asarray(rnn_ntk.kernels(xl, cfg=cfg).one_minus_rho).max()))\n"
        "fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))\n"
        "axes[0].loglog(np.arange(1, 201), omr1)\n"
        "axes[0].set_xlabel('step l'); axes[0].set_ylabel(r'$1-\\rho_l$'); axes[0].set_title('inputs at step 1 only')\n"
        "axes[1].loglog(Ls, worst, 'o-')\n"
        "axes[1].set_xlabel('L'); axes[1].set_ylabel(r'$\\max_l\\,(1-\\rho_l)$'); axes[1].set_title('paper config, toy data')\n"
        "assert np.all(np.diff(omr1[1:]) < 0) and np.all(np.diff(worst) < 0)\n"
        "print('slope of 1-rho_l in l:', np.polyfit(np.log(np.arange(20, 201)), np.log(omr1[19:]), 1)[0])",
    ),
    (
        "md",
        "## $F^l$ decays polynomially, not exponentially (Remark 4.2)\n\n"
        "$F^l = \\tfrac{1}{2}\\prod_{k=l}^{L}\\Sigma(\\rho_k)$ with $\\Sigma(\\rho) = "
        "\\tfrac12 + \\arcsin(\\rho)/\\pi$. A naive bound gives $2^{-L}$; because $\\rho_k\\to 1$ "
        "makes $\\Sigma(\\rho_k)\\to 1$, the product decays only polynomially. Compare with "
        "$h_0 = 0$ and large input variance, where the correlations stay away from 1.",
    ),
    (
        "code",
        "L2 = 128\n"
        "x2, _ = rnn_ntk.toy_sequences(n=6, L=L2, d=2, seed=1)\n"
        "F_paper = np.asarray(rnn_ntk.kernels(x2, cfg=cfg).F)[:, 0, 1]\n"
        "F_wide = np.asarray(rnn_ntk.kernels(x2, cfg=rnn_ntk.RNNConfig(sa2=4.0, sw2=1.0, h0='zero')).F)[:, 0, 1]\n"
        "dist = L2 - np.arange(1, L2 + 1) + 1  # steps back from the output\n"
        "fig, ax = plt.subplots(figsize=(5, 3.5))\n"
        "ax.loglog(dist, F_paper / F_paper[-1], label='paper config')\n"
        "ax.loglog(dist, F_wide / F_wide[-1], label='sw2=1, sa2=4, h0=0')\n"
        "ax.loglog(dist, 2.0 ** -(dist - 1.0), 'k:', label='$2^{-(L-l)}$')\n"
        "ax.set_xlabel('L - l + 1'); ax.set_ylabel('$F^l / F^L$'); ax.legend()\n"
        "slope = np.polyfit(np.log(dist[dist > 8]), np.log(F_paper[dist > 8]), 1)[0]\n"
        "print(f'log-log slope of F^l (paper config): {slope:.2f}')",
    ),
    (
        "md",
        "## $H^\\infty$ and the sequence-labelling kernels $H^{(l)}$\n\n"
        "`steps=True` returns the NTK of the output read at every step (Remark 3.2) from "
        "the same single pass.",
    ),
    (
        "code",
        "Hs = np.asarray(rnn_ntk.ntk(x, cfg=cfg, steps=True))\n"
        "off = ~np.eye(len(x), dtype=bool)\n"
        "assert np.allclose(Hs[-1], H)\n"
        "fig, axes = plt.subplots(1, 2, figsize=(8, 3.5))\n"
        "im = axes[0].imshow(H); axes[0].set_title('$H^\\\\infty$'); fig.colorbar(im, ax=axes[0])\n"
        "axes[1].plot(np.arange(1, L + 1), np.einsum('lii->l', Hs) / len(x), label='mean diagonal')\n"
        "axes[1].plot(np.arange(1, L + 1), Hs[:, off].mean(1), label='mean off-diagonal')\n"
        "axes[1].set_xlabel('l'); axes[1].set_title('$H^{(l)}$'); axes[1].legend()\n"
        "q = rnn_ntk.inverse_quadratic_form(H, y)\n"
        "print(f'y^T H^-1 y = {q.value:.3f} (cond {q.cond:.3g})')",
    ),
]
