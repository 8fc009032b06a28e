"""``rnn-ntk ucr``: one row of the UCR table; the protocol never looks at test labels."""

import importlib.util
import json

import numpy as np
import pytest

from rnn_ntk.cli import main

pytest.importorskip("sklearn")

requires_aeon = pytest.mark.skipif(
    importlib.util.find_spec("aeon") is None, reason="needs aeon (the data extra)"
)


@requires_aeon
def test_ucr_cli_row_and_protocol_never_looks_at_test_labels(monkeypatch, tmp_path, capsys):
    """`rnn-ntk ucr UnitTest` writes its row; permuting the test labels changes no choice."""
    from rnn_ntk import data, experiments

    out = tmp_path / "row.json"
    assert main(["ucr", "UnitTest", "--quick", "--dtype", "float64", "--json", str(out)]) == 0
    assert "1-NN" in capsys.readouterr().out
    a = json.loads(out.read_text())
    real = data.load_dataset

    def shuffled(name):
        ds = real(name)
        return ds._replace(y_test=np.random.default_rng(0).permutation(ds.y_test))

    monkeypatch.setattr(data, "load_dataset", shuffled)
    b = experiments.evaluate_ucr("UnitTest", dtypes=("float64",),
                                 grid=experiments.UCR_QUICK_GRID).to_dict()
    assert a["chosen"] == b["chosen"] and a["cv_accuracy"] == b["cv_accuracy"]
    assert a["n_train"] == 20 and a["n_test"] == 22 and not a["subsampled"]
    for acc in (a["accuracy"]["rnn_cv"]["float64"], a["accuracy"]["nn1"], a["accuracy"]["rbf_cv"]):
        assert 0.0 <= acc <= 1.0
    assert a["accuracy"]["rnn_paper"]["float64"] >= 0.8  # Chinatown subset: an easy set


@pytest.mark.parametrize(
    "args, message",
    [(["ucr", "Beef"], "unknown data set name 'Beef'"),
     (["ucr"], "give a data set NAME"),
     (["ucr", "Covid3Month"], "regression set"),
     (["ucr", "GunPoint", "--max-train", "1"], "argument --max-train: must be an int >= 2")],
)
def test_ucr_cli_errors(args, message, capsys):
    assert main(args) == 2
    assert message in capsys.readouterr().err


@requires_aeon
def test_ucr_cli_lists_the_bundled_sets(capsys):
    assert main(["ucr", "--list"]) == 0
    printed = capsys.readouterr().out
    assert "GunPoint" in printed and "JapaneseVowels" in printed
