"""The atomic writer: whole files or none, every format through one path."""

import json

import pytest

from rnn_ntk.experiments import save_figure, write_csv, write_json, write_text


def test_formats_round_trip(tmp_path):
    p = write_json(tmp_path / "a" / "b.json", {"y": [1, 2], "x": 0.5})
    assert json.loads(p.read_text()) == {"x": 0.5, "y": [1, 2]}
    assert p.read_text().endswith("\n")
    assert "\n" not in write_json(tmp_path / "one.json", {"a": 1}, indent=None).read_text()[:-1]
    c = write_csv(tmp_path / "t.csv", [{"m": 8, "err": 0.25}, {"m": 16, "err": 0.125}])
    assert c.read_text().splitlines() == ["m,err", "8,0.25", "16,0.125"]
    assert write_text(tmp_path / "t.txt", "hello").read_text() == "hello"
    with pytest.raises(ValueError, match="at least one row"):
        write_csv(tmp_path / "empty.csv", [])


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = write_json(tmp_path / "r.json", {"ok": True})
    with pytest.raises(TypeError):
        write_json(path, {"bad": object()})  # not JSON-serialisable
    assert json.loads(path.read_text()) == {"ok": True}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_save_figure_writes_png_without_pyplot(tmp_path):
    from matplotlib.figure import Figure

    fig = Figure()
    fig.subplots().plot([0, 1], [1, 0])
    p = save_figure(fig, tmp_path / "f.png")
    assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(q.name for q in tmp_path.iterdir()) == ["f.png"]
