"""Time-series data sets bundled with aeon, as (n, L, d) arrays (optional extra ``data``).

aeon's wheel ships a handful of UCR/UEA archive problems under ``aeon/datasets/data``. This
package reads them with aeon's own loader (``aeon.datasets.load_from_ts_file``) from that
folder only, so nothing is downloaded at run time, and converts aeon's layout
(n, channels, length) into the layout of the kernels, (n, L, d): ``x[i, l]`` is the input
X_l of sequence i (SPEC §1). Modules: ``_registry`` (what is bundled; needs no aeon) ->
``_load`` (reading and converting), ``_preprocess`` (z-normalisation, resampling),
``_files`` (``read_sequences``: a user's own .npy/.npz/.csv/.ts file; aeon only for .ts).

Bundled in aeon 1.6.0 (``bundled_datasets()``; n train/test, steps L, channels d):

    name                      task            n train/test  L        d   classes
    ACSF1                     classification  100/100       1460     1   10
    ArrowHead                 classification  36/175        251      1   3
    BasicMotions              classification  40/40         100      6   4   (UEA)
    Covid3Month_disc          classification  140/61        84       1   3   (not UCR)
    GunPoint                  classification  50/150        150      1   2
    ItalyPowerDemand          classification  67/1029       24       1   2
    JapaneseVowels            classification  270/370       7..29    12  9   (ragged)
    JapaneseVowels_eq         classification  270/370       25       12  9   (resampled)
    OSULeaf                   classification  200/242       427      1   6
    PickupGestureWiimoteZ     classification  50/50         29..361  1   10  (ragged)
    PickupGestureWiimoteZ_eq  classification  50/50         361      1   10  (end-padded)
    UnitTest                  classification  20/22         24       1   2   (Chinatown subset)
    Covid3Month               regression      140/61        84       1   -
    CardanoSentiment          regression      74/33         24       2   -

The UCR univariate sets are z-normalised per series by the archive; BasicMotions,
Covid3Month(_disc), CardanoSentiment, PickupGestureWiimoteZ and UnitTest are not (see
``znormalize``). Other archive problems can be downloaded with
``aeon.datasets.load_classification`` and converted with ``from_aeon``.

Sequences of different lengths (JapaneseVowels, PickupGestureWiimoteZ; SPEC §6) load as
end-padded arrays: each split is (n, L_max, d) with L_max its own longest sequence,
``x[i, lengths[i]:]`` is NaN, and ``Dataset.lengths_train``/``lengths_test`` hold the
lengths (None for equal-length sets). Pass them to the kernels as
``rnn_ntk.ntk(rnn_ntk.Sequences(x_test, lengths_test), rnn_ntk.Sequences(x_train,
lengths_train))``; the estimators of ``rnn_ntk.learn`` read the NaN padding themselves.
``lengths_from_nan`` recovers the lengths of any NaN-padded array (as
``rnn_ntk.Sequences.from_nan`` does), and refuses NaN inside a sequence (missing values).
"""

from rnn_ntk._sequences import lengths_from_nan as lengths_from_nan
from rnn_ntk.data._files import SEQUENCE_FORMATS as SEQUENCE_FORMATS
from rnn_ntk.data._files import read_sequences as read_sequences
from rnn_ntk.data._load import Dataset as Dataset
from rnn_ntk.data._load import from_aeon as from_aeon
from rnn_ntk.data._load import load_dataset as load_dataset
from rnn_ntk.data._preprocess import check_finite_sequences as check_finite_sequences
from rnn_ntk.data._preprocess import resample as resample
from rnn_ntk.data._preprocess import znormalize as znormalize
from rnn_ntk.data._registry import BUNDLED as BUNDLED
from rnn_ntk.data._registry import DatasetInfo as DatasetInfo
from rnn_ntk.data._registry import bundled_datasets as bundled_datasets
from rnn_ntk.data._registry import dataset_info as dataset_info

__all__ = [
    "BUNDLED",
    "SEQUENCE_FORMATS",
    "Dataset",
    "DatasetInfo",
    "bundled_datasets",
    "check_finite_sequences",
    "dataset_info",
    "from_aeon",
    "lengths_from_nan",
    "load_dataset",
    "read_sequences",
    "resample",
    "znormalize",
]
