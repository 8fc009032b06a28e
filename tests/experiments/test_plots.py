"""Plots are Figures: no pyplot, no backend switch, nothing global touched."""

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import sys
    import matplotlib

    def use(*args, **kwargs):
        raise AssertionError("a plot switched the backend")

    matplotlib.use = use
    from matplotlib.figure import Figure
    from rnn_ntk import experiments as ex

    add = ex.Table("additive", ["L"], [
        {"L": L, "quad_over_n": 1.0 / L, "quad_std": 0.1, "labels_quad_over_n": 2.0 / L,
         "labels_std": 0.1, "C_eq10": float("inf") if L > 4 else 3.0 * L} for L in (2, 4, 8)],
        notes={"loglog_slope_quad_over_n": -1.0, "loglog_slope_labels": -1.0})
    nv = ex.Table("n-variable", ["sweep"], [
        {"sweep": s, "l0": k, "N": k + 1, "kernel_branch": 10.0 * k, "shift_branch": 5.0 + k,
         "C_eq12": 5.0 + k, "quad_over_n": 0.5} for s in ("l0", "N") for k in (1, 2)])
    sgd = ex.Table("sgd", ["n"], [
        {"n": n, "sgd_avg_iterate_err": 0.3, "sgd_avg_err_std": 0.05, "sgd_final_err": 0.2,
         "kernel_reg_err": 0.1, "grad_flow_err": 0.15, "bound_eq19": 3.0} for n in (8, 16)])
    curves = {8: {"steps": [4, 8], "running_error": [0.5, 0.4]}}
    figs = [ex.plot_additive(add), ex.plot_n_variable(nv), ex.plot_sgd(sgd, curves)]
    assert all(isinstance(f, Figure) for f in figs)
    for i, f in enumerate(figs):
        ex.save_figure(f, sys.argv[1] + f"/{i}.png")
    assert "matplotlib.pyplot" not in sys.modules, "a plot imported pyplot"
    """
)


def test_plots_draw_on_figures_only(tmp_path):
    subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], check=True)
    for i in range(3):
        assert (tmp_path / f"{i}.png").stat().st_size > 1000
