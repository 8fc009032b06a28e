"""rnn_ntk: exact infinite-width kernels of ReLU Elman RNNs (Wang, Shen, Hu & Cao, 2021)."""

from rnn_ntk.config import BLOCKS as BLOCKS
from rnn_ntk.config import RNNConfig as RNNConfig
from rnn_ntk.kernels import Kernels as Kernels
from rnn_ntk.kernels import kernels as kernels
from rnn_ntk.kernels import nngp as nngp
from rnn_ntk.kernels import ntk as ntk
from rnn_ntk.linalg import QuadForm as QuadForm
from rnn_ntk.linalg import inverse_quadratic_form as inverse_quadratic_form
from rnn_ntk.toy import toy_sequences as toy_sequences

__version__ = "0.1.0"
