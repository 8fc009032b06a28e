"""Complexities of eqs. 6, 7, 10, 12 against closed forms and brute-force multinomials."""

import itertools
import math
from fractions import Fraction

import jax.numpy as jnp
import numpy as np
import pytest

import rnn_ntk
from rnn_ntk import theory


def brute_largest_multinomial(i: int, N: int) -> int:
    """max i!/(n_1!..n_N!) by enumerating every composition (parts > 0; >= 0 if i < N)."""
    low = 1 if i >= N else 0
    best = 0
    for parts in itertools.product(range(low, i + 1), repeat=N):
        if sum(parts) == i:
            v = math.factorial(i)
            for p in parts:
                v //= math.factorial(p)
            best = max(best, v)
    return best


@pytest.mark.parametrize("N", [1, 2, 3, 4])
def test_largest_multinomial_matches_enumeration(N):
    for i in range(0, 11):
        want = brute_largest_multinomial(i, N)
        assert theory.largest_multinomial(i, N) == want, (i, N)
        np.testing.assert_allclose(
            theory.log_largest_multinomial(i, N), math.log(want), rtol=1e-13, atol=1e-13
        )


def test_log_largest_multinomial_is_exact_for_huge_degrees():
    # i = 3000: i! has ~9000 digits; the exact integer's log is the reference.
    for N in (2, 3, 7):
        i = np.array([1000, 2999, 3000])
        got = theory.log_largest_multinomial(i, N)
        want = [math.log(theory.largest_multinomial(int(k), N)) for k in i]
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_example_2_1_arctan_closed_form():
    # arctan(z/2) = sum_j (-1)^{j-1} 2^{1-2j} z^{2j-1}/(2j-1), so with k = 2j-1,
    # k |c_k| R^k = (R/2)^{2j-1} and C(psi, R) = 1 + (R/2)/(1 - (R/2)^2) = 1 + 2R/(4-R^2).
    psi = theory.arctan_half(n_terms=201)
    for R in (0.25, 1.0, 1.5):
        want = 1 + 2 * R / (4 - R * R)
        assert rnn_ntk.complexity(psi.coeffs, R, radius=psi.radius) == pytest.approx(
            want, rel=1e-13
        )
    # paper: C(psi, 1) = 1 + sum_i 2^{1-2i} = 1 + 2/3
    assert psi.complexity(1.0) == pytest.approx(5 / 3, rel=1e-13)
    # radius of convergence 2: the series of eq. 6 diverges at and beyond it
    assert psi.complexity(2.0) == math.inf
    assert psi.complexity(3.0) == math.inf
    assert psi.complexity_n(1.5, N=2, L=4) == math.inf  # sqrt(2) * 1.5 > 2
    assert math.isfinite(psi.complexity_n(1.3, N=2, L=4))  # sqrt(2) * 1.3 < 2


def test_example_2_2_exp_closed_forms():
    psi = theory.exp_series(n_terms=80)
    L, C1 = 5, 100.0
    for R in (0.5, 1.0, 3.0):
        # eq. 6: sum_i i R^i / i! = R e^R
        assert psi.complexity(R) == pytest.approx(1 + R * math.exp(R), rel=1e-13)
        # eq. 7 with N = 1: C_{1,i} = 1 and (i/1)^1 = i, so C_1 = 1 + L C1 R e^R
        assert rnn_ntk.complexity_n(psi.coeffs, R, N=1, L=L, C1=C1) == pytest.approx(
            1 + L * C1 * R * math.exp(R), rel=1e-12
        )


def test_complexity_n_against_exact_rational_sum():
    # eq. 7 term by term with exact integers (brute-force multinomials) for exp at R = 1/2.
    psi = theory.exp_series(n_terms=60)
    L, C1, N = 3, 100.0, 3
    R = Fraction(1, 2)
    total = 0.0
    for i in range(1, 60):
        term = Fraction(L**N) * Fraction(int(C1)) ** N * Fraction(i, N) ** N
        term *= R**i / math.factorial(i)
        total += float(term) * math.sqrt(brute_largest_multinomial(i, N)) if i <= 10 else (
            float(term) * math.sqrt(theory.largest_multinomial(i, N))
        )
    got = rnn_ntk.complexity_n(psi.coeffs, 0.5, N=N, L=L, C1=C1)
    assert got == pytest.approx(1 + total, rel=1e-12)


def test_example_2_2_bound_with_N_2():
    # C_{2,i} <= 2^i (the sum of all binomials), so with x = sqrt(2) R
    # C_2(exp, R) <= 1 + L^2 C1^2 / 4 * sum_i i^2 x^i / i! = 1 + L^2 C1^2 (x^2 + x) e^x / 4,
    # and C_{2,i} >= 2^i / (i + 1) (the largest of i + 1 binomials) gives a lower bound
    # 1 + L^2 C1^2 / 4 * sum_i i^2 x^i / (i! sqrt(i + 1)), summed numerically below.
    psi = theory.exp_series(n_terms=80)
    L, C1, R = 4, 100.0, 1.0
    x = math.sqrt(2) * R
    got = psi.complexity_n(R, N=2, L=L, C1=C1)
    upper = 1 + L**2 * C1**2 * (x * x + x) * math.exp(x) / 4
    lower = 1 + L**2 * C1**2 / 4 * sum(
        i * i * x**i / (math.factorial(i) * math.sqrt(i + 1)) for i in range(1, 80)
    )
    assert lower < got < upper
    assert math.isfinite(got)  # the paper: C_2(exp, 1) = O(1)


def test_log_space_sum_does_not_overflow():
    # R = 90 with 171 stored coefficients (1/170! is the smallest normal float64 one):
    # R^i overflows float64 for i > 157, the terms i R^i / i! do not; the truncation error
    # is below 90^170/170! / (90 e^90) ~ e^-31.
    c = np.exp(-np.array([math.lgamma(i + 1.0) for i in range(171)]))
    assert rnn_ntk.complexity(c, 90.0) == pytest.approx(1 + 90 * math.exp(90), rel=1e-12)
    # beyond float64: reported as inf, not nan
    assert rnn_ntk.complexity(np.r_[np.zeros(400), 1.0], 10.0) == math.inf
    assert rnn_ntk.complexity_n([0.0, 1.0], 1e300, N=2, L=10**6, C1=1e3) == math.inf


def test_full_series_beyond_stored_coefficients():
    # The built-in psi carry log|c_i| for every i, so eq. 6 sums the whole series: at
    # R = 300 the terms peak near i = 300, far beyond what float64 coefficients can store.
    psi = theory.exp_series(n_terms=14)
    assert psi.complexity(300.0) == pytest.approx(1 + 300 * math.exp(300), rel=1e-10)
    assert theory.exp_series(2.0).complexity(3.0) == pytest.approx(1 + 6 * math.exp(6))
    at = theory.arctan_half(n_terms=30)
    assert at.complexity(1.9) == pytest.approx(1 + 2 * 1.9 / (4 - 1.9**2), rel=1e-12)
    # a truncated series without its tail refuses to return a partial sum
    short = theory.AnalyticFunction(psi.coeffs, psi.fn, math.inf, "exp, 14 terms")
    assert short.complexity(0.1) == pytest.approx(1 + 0.1 * math.exp(0.1), rel=1e-12)
    with pytest.raises(ValueError, match="too few"):
        short.complexity(5.0)
    with pytest.raises(ValueError, match="too few"):
        rnn_ntk.complexity(theory.arctan_half(n_terms=30).coeffs, 1.9, radius=2.0)


def test_edge_cases():
    assert rnn_ntk.complexity([3.0], 10.0) == 1.0  # constant psi
    assert rnn_ntk.complexity([0.0, 2.0, -1.0], 0.0) == 1.0  # R = 0
    # polynomial: 1 + 1*2*R + 2*1*R^2
    assert rnn_ntk.complexity([5.0, 2.0, -1.0], 3.0) == pytest.approx(1 + 6 + 18)
    # scaling psi by s scales C - 1 by |s|
    psi = theory.arctan_half()
    assert psi.scaled(-3.0).complexity(1.0) == pytest.approx(1 + 3 * (psi.complexity(1.0) - 1))
    assert psi.shifted(7.0).complexity(1.0) == pytest.approx(psi.complexity(1.0))


def test_additive_complexity_eq_10():
    psi = theory.exp_series()
    L, C0 = 6, 2.0
    concept = theory.random_additive(L, 3, psi, positions=(1, 3, 3, 6), seed=0)
    R = C0 * math.sqrt(L)
    want = L**3 * 4 * (1 + R * math.exp(R))  # four terms, each C(exp, R) = 1 + R e^R
    assert concept.complexity(C0) == pytest.approx(want, rel=1e-12)
    # arctan(z/2) at R = C0 sqrt(L) > 2 diverges: eq. 10 is infinite
    assert theory.random_additive(L, 3, theory.arctan_half()).complexity(C0) == math.inf


def test_n_variable_complexity_eq_12_branches():
    psi = theory.exp_series()
    L, C0, C1 = 9, 1.5, 100.0
    R = C0 * math.sqrt(L)
    # N = 1 (l0 = 0): kernel branch L^2 (1 + L C1 R e^R), shift branch L^3 (1 + R e^R)
    c = theory.random_n_variable(L, 2, (4,), psi).complexity(C0, C1=C1)
    assert c.kernel_branch == pytest.approx(L**2 * (1 + L * C1 * R * math.exp(R)), rel=1e-12)
    assert c.shift_branch == pytest.approx(L**3 * (1 + R * math.exp(R)), rel=1e-12)
    assert c.value == min(c.kernel_branch, c.shift_branch) and c.attained == "l0"
    # N = 2, l0 = 6: shift branch at 2^6 R explodes, the N branch wins
    c = theory.random_n_variable(L, 2, (1, 7), psi).complexity(C0, C1=C1)
    Rs = 2**6 * R
    assert c.shift_branch == pytest.approx(L**3 * (1 + Rs * math.exp(Rs)), rel=1e-10)
    assert c.kernel_branch == pytest.approx(
        L**2 * rnn_ntk.complexity_n(psi.coeffs, R, N=2, L=L, C1=C1), rel=1e-12
    )
    assert c.attained == "N" and c.value == c.kernel_branch
    # 2^{l0} beyond float64 is handled in log space
    big = theory.n_variable_complexity(psi, N=2, l0=1500, L=2000, C0=1.0)
    assert big.shift_branch == math.inf and math.isfinite(big.kernel_branch)


def test_bad_coefficients():
    with pytest.raises(ValueError, match="coeffs.*non-finite"):
        rnn_ntk.complexity([1.0, np.nan, 2.0], 1.0)
    with pytest.raises(ValueError, match="coeffs.*non-finite"):
        rnn_ntk.complexity_n([1.0, np.inf], 1.0, N=2, L=3)
    with pytest.raises(TypeError, match="coeffs"):
        rnn_ntk.complexity(np.array([1 + 1j, 2.0]), 1.0)
    with pytest.raises(ValueError, match="coeffs"):
        rnn_ntk.complexity(np.ones((2, 2)), 1.0)
    with pytest.raises(ValueError, match="R must be"):
        rnn_ntk.complexity([1.0, 1.0], -1.0)
    with pytest.raises(ValueError, match="N must be"):
        rnn_ntk.complexity_n([1.0, 1.0], 1.0, N=0, L=3)
    with pytest.raises(ValueError, match="l0"):
        theory.n_variable_complexity([0.0, 1.0], N=2, l0=5, L=4, C0=1.0)
    with pytest.raises(ValueError, match="C0"):
        theory.additive_complexity([0.0, 1.0], L=4, C0=0.5)


def test_coefficients_and_degrees_are_real_numbers_not_bools():
    with pytest.raises(TypeError, match=r"coeffs must hold real Taylor coefficients.*bool"):
        rnn_ntk.complexity(np.array([True, False]), 1.0)
    for bad in (None, "abc"):
        with pytest.raises(TypeError, match="coeffs must be a 1-D array"):
            rnn_ntk.complexity(bad, 1.0)
    for bad in (None, 5, "abc"):
        with pytest.raises(TypeError, match="psis must be an AnalyticFunction"):
            theory.additive_complexity(bad, L=3, C0=1.5)
    with pytest.raises(TypeError, match="i must be integer degrees"):
        theory.log_largest_multinomial(np.array([1.5]), 2)
    with pytest.raises(TypeError, match="i must be integer degrees"):
        theory.log_largest_multinomial(np.array([True]), 2)
    with pytest.raises(ValueError, match="i must be degrees >= 0"):
        theory.log_largest_multinomial([-1], 2)
    np.testing.assert_allclose(theory.log_largest_multinomial(np.int64(4), np.int64(2)),
                               math.log(6))
    assert rnn_ntk.complexity(jnp.asarray([0.0, 1.0], jnp.bfloat16), np.float32(2)) == 3.0
    for bad in (None, "inf", True):
        with pytest.raises(TypeError, match="radius must be a real number"):
            rnn_ntk.complexity([0.0, 1.0], 1.0, radius=bad)


def test_analytic_function_fields_are_checked():
    c = np.array([0.0, 1.0])
    with pytest.raises(ValueError, match="check_tol must be a finite number >= 0"):
        theory.AnalyticFunction(c, check_tol=-1.0)
    with pytest.raises(TypeError, match="check_tol must be a real number"):
        theory.AnalyticFunction(c, check_tol=True)
    with pytest.raises(TypeError, match="name must be a str"):
        theory.AnalyticFunction(c, name=3)
    with pytest.raises(TypeError, match="log_abs_coeff must be a callable"):
        theory.AnalyticFunction(c, log_abs_coeff=3)
    with pytest.raises(ValueError, match=r"n_terms = 1 stores too few.*larger n_terms"):
        theory.exp_series(n_terms=1)
    with pytest.raises(ValueError, match=r"n_terms = 2 stores too few"):
        theory.arctan_half(n_terms=2)
    assert theory.exp_series(np.float32(1.0), n_terms=np.int64(40)).degree == 39
