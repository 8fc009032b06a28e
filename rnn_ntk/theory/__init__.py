"""Learning theory of Sections 2-3 (SPEC §4): complexities, concepts, bounds, Algorithm 1.

Modules, bottom up: ``_series`` (log-space power series) -> ``_complexity`` (eqs. 6, 7,
10, 12) -> ``_analytic`` (the psi of the concept classes) -> ``_concepts`` (eqs. 9 and
11) and ``_sampling`` (inputs, margin labels); ``_bounds`` (y^T H^-1 y, eqs. 17/19,
Proposition 2.4); ``_predictors`` (kernel regression, gradient flow); Algorithm 1 in
``_sgd_step`` (one sample's gradient) -> ``_sgd_program`` (the jitted programs) ->
``_sgd_inputs`` (argument checks) -> ``_sgd`` (``train``).
"""

from rnn_ntk.theory._analytic import AnalyticFunction as AnalyticFunction
from rnn_ntk.theory._analytic import arctan_half as arctan_half
from rnn_ntk.theory._analytic import exp_series as exp_series
from rnn_ntk.theory._analytic import polynomial as polynomial
from rnn_ntk.theory._bounds import GeneralizationBound as GeneralizationBound
from rnn_ntk.theory._bounds import QuadForm as QuadForm
from rnn_ntk.theory._bounds import generalization_bound as generalization_bound
from rnn_ntk.theory._bounds import inverse_quadratic_form as inverse_quadratic_form
from rnn_ntk.theory._bounds import norm_bound as norm_bound
from rnn_ntk.theory._bounds import psd_lower_constant as psd_lower_constant
from rnn_ntk.theory._complexity import NVariableComplexity as NVariableComplexity
from rnn_ntk.theory._complexity import additive_complexity as additive_complexity
from rnn_ntk.theory._complexity import complexity as complexity
from rnn_ntk.theory._complexity import complexity_n as complexity_n
from rnn_ntk.theory._complexity import largest_multinomial as largest_multinomial
from rnn_ntk.theory._complexity import log_largest_multinomial as log_largest_multinomial
from rnn_ntk.theory._complexity import n_variable_complexity as n_variable_complexity
from rnn_ntk.theory._concepts import AdditiveConcept as AdditiveConcept
from rnn_ntk.theory._concepts import NVariableConcept as NVariableConcept
from rnn_ntk.theory._concepts import random_additive as random_additive
from rnn_ntk.theory._concepts import random_n_variable as random_n_variable
from rnn_ntk.theory._predictors import GradientFlow as GradientFlow
from rnn_ntk.theory._predictors import gradient_flow as gradient_flow
from rnn_ntk.theory._predictors import kernel_regression as kernel_regression
from rnn_ntk.theory._sampling import LabelledData as LabelledData
from rnn_ntk.theory._sampling import Labels as Labels
from rnn_ntk.theory._sampling import as_labels as as_labels
from rnn_ntk.theory._sampling import label as label
from rnn_ntk.theory._sampling import margin_quantile as margin_quantile
from rnn_ntk.theory._sampling import sample_labelled as sample_labelled
from rnn_ntk.theory._sampling import sample_sequences as sample_sequences
from rnn_ntk.theory._sgd import TrainResult as TrainResult
from rnn_ntk.theory._sgd import initial_params as initial_params
from rnn_ntk.theory._sgd import sample_order as sample_order
from rnn_ntk.theory._sgd import train as train
from rnn_ntk.theory._sgd_step import logistic_loss as logistic_loss
from rnn_ntk.theory._sgd_step import sample_gradient as sample_gradient

__all__ = [
    "AdditiveConcept",
    "AnalyticFunction",
    "GeneralizationBound",
    "GradientFlow",
    "LabelledData",
    "Labels",
    "NVariableComplexity",
    "NVariableConcept",
    "QuadForm",
    "TrainResult",
    "additive_complexity",
    "arctan_half",
    "as_labels",
    "complexity",
    "complexity_n",
    "exp_series",
    "generalization_bound",
    "gradient_flow",
    "initial_params",
    "inverse_quadratic_form",
    "kernel_regression",
    "label",
    "largest_multinomial",
    "log_largest_multinomial",
    "logistic_loss",
    "margin_quantile",
    "n_variable_complexity",
    "norm_bound",
    "polynomial",
    "psd_lower_constant",
    "random_additive",
    "random_n_variable",
    "sample_gradient",
    "sample_labelled",
    "sample_order",
    "sample_sequences",
    "train",
]
