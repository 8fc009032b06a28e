"""The one text-table printer and the Table result type."""

import json
import math

import numpy as np

from rnn_ntk.experiments import Table, format_pairs, format_table, format_value


def test_values_and_alignment():
    assert format_value(np.float64(1234.5678)) == "1235"
    assert format_value(math.inf) == "inf" and format_value(None) == ""
    assert format_value(0.000123456, digits=3) == "0.000123"
    text = format_table([{"m": 8, "err": 0.25}, {"m": 1024, "err": 0.03125}], title="T",
                        notes={"slope": -0.5})
    lines = text.splitlines()
    assert lines[0] == "T" and lines[-1] == "  slope: -0.5"
    assert len({len(line) for line in lines[1:4]}) == 1  # right-aligned columns
    assert lines[1].split() == ["m", "err"] and lines[3].split() == ["1024", "0.03125"]
    pairs = format_pairs({"a": 1.0, "long_name": 2.5, "skipped": None}).splitlines()
    assert [p.split() for p in pairs] == [["a", "1"], ["long_name", "2.5"]]
    assert pairs[0].index("1") == pairs[1].index("2.5")


def test_table_json_and_text():
    t = Table("title", ["L", "C"], [{"L": 2, "C": np.float64(np.inf)}, {"L": np.int64(4),
                                                                         "C": 3.0}],
              notes={"slopes": (np.float64(0.5), math.nan)})
    d = json.loads(json.dumps(t.to_dict()))
    assert d["rows"] == [{"L": 2, "C": "inf"}, {"L": 4, "C": 3.0}]
    assert d["notes"]["slopes"] == [0.5, "nan"]
    np.testing.assert_array_equal(t.column("L"), [2, 4])
    assert t.format().splitlines()[0] == "title" and "inf" in t.format()
