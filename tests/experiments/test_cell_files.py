"""A sweep cell's file: fingerprinted, checksummed, trusted only when both match."""

import json

import numpy as np
import pytest

import rnn_ntk
from rnn_ntk.experiments import sweep_manifest
from rnn_ntk.experiments._cell_files import cell_fingerprint, digest, read_cell, write_cell

X, _ = rnn_ntk.toy_sequences(3, 3, 2, seed=0)
MANIFEST = sweep_manifest(X, cfg=rnn_ntk.RNNConfig(), data={"source": "t"}, dtype="float32")


@pytest.fixture(scope="module")
def cell():
    return rnn_ntk.finite.convergence_cell(X, m=8, seed=1, dtype="float32")


def test_round_trip_and_what_the_fingerprint_covers(tmp_path, cell):
    fp = cell_fingerprint(MANIFEST, 8, 1)
    path = write_cell(tmp_path / "c.json", cell, fp)
    back = read_cell(path, fp, 8, 1)
    np.testing.assert_array_equal(back.theta, cell.theta)
    assert back.theta_err == cell.theta_err
    record = json.loads(path.read_text())
    assert record["checksum"] == digest(record["cell"]) == digest(cell.to_dict())
    other = [cell_fingerprint(MANIFEST, 16, 1), cell_fingerprint(MANIFEST, 8, 2)]
    for change in ({"config": {**MANIFEST["config"], "h0": "zero"}}, {"dtype": "float64"},
                   {"data": {**MANIFEST["data"], "sha256": "0" * 64}}):
        other.append(cell_fingerprint({**MANIFEST, **change}, 8, 1))
    assert fp not in other and len(set(other)) == len(other)
    # the data's description is not part of what determines the values
    assert cell_fingerprint({**MANIFEST, "data": {**MANIFEST["data"], "source": "u"}},
                            8, 1) == fp
    assert read_cell(tmp_path / "absent.json", fp, 8, 1) is None


@pytest.mark.parametrize("edit", ["theta_err=123", "theta_err=nan", "theta", "truncate",
                                  "not json", "old format", "wrong cell"])
def test_damaged_cells_are_recomputed_with_a_warning(tmp_path, cell, edit):
    fp = cell_fingerprint(MANIFEST, 8, 1)
    path = write_cell(tmp_path / "c.json", cell, fp)
    record = json.loads(path.read_text())
    text = path.read_text()
    if edit.startswith("theta_err="):
        record["cell"]["theta_err"] = float(edit.split("=")[1])
        text = json.dumps(record)
    elif edit == "theta":
        record["cell"]["theta"][0][0] *= 1.0 + 1e-9
        text = json.dumps(record)
    elif edit == "truncate":
        text = text[: len(text) // 2]
    elif edit == "not json":
        text = "{not json"
    elif edit == "old format":
        text = json.dumps(record["cell"])
    elif edit == "wrong cell":
        record["cell"]["seed"] = 2
        record["checksum"] = digest(record["cell"])
        text = json.dumps(record)
    path.write_text(text)
    with pytest.warns(UserWarning, match="recomputing damaged cell") as w:
        assert read_cell(path, fp, 8, 1) is None
    assert len(str(w[0].message).splitlines()) == 1


def test_foreign_cells_and_folders_are_refused(tmp_path, cell):
    fp = cell_fingerprint(MANIFEST, 8, 1)
    path = write_cell(tmp_path / "c.json", cell, cell_fingerprint(MANIFEST, 8, 2))
    with pytest.raises(ValueError, match="belongs to another sweep"):
        read_cell(path, fp, 8, 1)
    (tmp_path / "d.json").mkdir()
    with pytest.raises(ValueError, match="is not a cell file"):
        read_cell(tmp_path / "d.json", fp, 8, 1)
