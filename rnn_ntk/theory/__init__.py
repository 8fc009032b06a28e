"""Learning theory of Sections 2-3 (SPEC §4): concepts, complexities, bounds, predictors.

Floors, bottom up: ``complexity`` (eqs. 6, 7, 10, 12 on coefficient arrays) ->
``concepts`` (the classes of eqs. 9 and 11, inputs, margin labels) and ``bounds``
(sqrt(y^T H^-1 y), eq. 17/19) -> ``predictors`` (kernel regression, gradient flow).
"""

from rnn_ntk.theory.bounds import GeneralizationBound as GeneralizationBound
from rnn_ntk.theory.bounds import NormBound as NormBound
from rnn_ntk.theory.bounds import generalization_bound as generalization_bound
from rnn_ntk.theory.bounds import norm_bound as norm_bound
from rnn_ntk.theory.bounds import psd_lower_constant as psd_lower_constant
from rnn_ntk.theory.complexity import NVariableComplexity as NVariableComplexity
from rnn_ntk.theory.complexity import additive_complexity as additive_complexity
from rnn_ntk.theory.complexity import complexity as complexity
from rnn_ntk.theory.complexity import complexity_n as complexity_n
from rnn_ntk.theory.complexity import largest_multinomial as largest_multinomial
from rnn_ntk.theory.complexity import log_largest_multinomial as log_largest_multinomial
from rnn_ntk.theory.complexity import n_variable_complexity as n_variable_complexity
from rnn_ntk.theory.concepts import AdditiveConcept as AdditiveConcept
from rnn_ntk.theory.concepts import AnalyticFunction as AnalyticFunction
from rnn_ntk.theory.concepts import LabelledData as LabelledData
from rnn_ntk.theory.concepts import Labels as Labels
from rnn_ntk.theory.concepts import NVariableConcept as NVariableConcept
from rnn_ntk.theory.concepts import arctan_half as arctan_half
from rnn_ntk.theory.concepts import as_labels as as_labels
from rnn_ntk.theory.concepts import exp_series as exp_series
from rnn_ntk.theory.concepts import label as label
from rnn_ntk.theory.concepts import margin_quantile as margin_quantile
from rnn_ntk.theory.concepts import polynomial as polynomial
from rnn_ntk.theory.concepts import random_additive as random_additive
from rnn_ntk.theory.concepts import random_n_variable as random_n_variable
from rnn_ntk.theory.concepts import sample_labelled as sample_labelled
from rnn_ntk.theory.concepts import sample_sequences as sample_sequences
from rnn_ntk.theory.predictors import GradientFlow as GradientFlow
from rnn_ntk.theory.predictors import gradient_flow as gradient_flow
from rnn_ntk.theory.predictors import kernel_regression as kernel_regression
