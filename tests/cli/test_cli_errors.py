"""Bad arguments, unreadable inputs and unwritable outputs of every sub-command: one line
on stderr, exit status 2, no traceback, and no work started (issue 10, item 4)."""

import pytest

from rnn_ntk.cli import main

#: Per sub-command, what would start its work: each is replaced by a function that fails
#: the test, so a case passes only if its error comes before any work.
WORK = {
    "kernel": "rnn_ntk.cli._kernel.kernel_summary",
    "converge": "rnn_ntk.finite.convergence",
    "bound": "rnn_ntk.cli._bound.additive_vs_L",
    "train": "rnn_ntk.cli._train.sgd_vs_n",
    "ucr": "rnn_ntk.experiments._ucr.evaluate_ucr",
}

# (arguments, a text the one-line message must hold). {file} is a regular file, so
# neither it nor a path under it can be a folder (tests run as root: chmod would not do);
# {dir} is an existing folder.
CASES = [
    (["--n", "0"], "--n"),
    (["kernel", "--n", "0"], "argument --n: must be an int >= 2, got 0"),
    (["kernel", "--n", "1"], "argument --n: must be an int >= 2, got 1"),
    (["kernel", "--d", "1"], "argument --d: must be an int >= 2, got 1"),
    (["kernel", "--sa2", "abc"], "argument --sa2: must be a finite variance >= 0 or the word"),
    (["kernel", "--sa2", "-1"], "argument --sa2: must be a finite variance >= 0"),
    (["kernel", "--sw2", "nan"], "argument --sw2: must be a finite variance"),
    (["kernel", "--n", "abc"], "argument --n: must be an int, got 'abc'"),
    (["kernel", "--dtype", "float16"], "argument --dtype: invalid choice"),
    (["kernel", "--n", "4", "--json", "{file}/s.json"], "argument --json: cannot make"),
    (["kernel", "--n", "4", "--json", "{dir}"], "argument --json: {dir} is a folder"),
    (["converge", "--n", "0"], "argument --n: must be an int >= 1, got 0"),
    (["converge", "--L", "0"], "argument --L: must be an int >= 1, got 0"),
    (["converge", "--sa2", "abc"], "argument --sa2"),
    (["converge", "--widths", "16", "8"], "argument --widths: widths must be strictly"),
    (["converge", "--widths", "0"], "argument --widths: must be an int >= 1"),
    (["converge", "--seeds", "0", "0"], "argument --seeds: seeds must be distinct"),
    (["converge", "--tol", "0"], "argument --tol: must be a finite number > 0"),
    (["converge", "--out", "{file}"], "argument --out: cannot make the folder"),
    (["converge", "--out", "{file}/o"], "its parent {file} is a file"),
    (["bound", "--n", "0"], "argument --n: must be an int >= 1, got 0"),
    (["bound", "--repeats", "0"], "argument --repeats"),
    (["bound", "--l0s", "16"], "argument --l0s: each must be <= 15"),
    (["bound", "--Ns", "17"], "argument --Ns: each must be <= 16"),
    (["bound", "--c-min", "3"], "argument --c-max: must be >= --c-min = 3"),
    (["bound", "--delta", "0.5"], "argument --delta"),
    (["bound", "--margin-q", "1"], "argument --margin-q: must be a quantile below 1"),
    (["bound", "--out", "{file}/o"], "argument --out"),
    (["train", "--eval-every", "0"], "argument --eval-every: must be an int >= 1, got 0"),
    (["train", "--ns", "8", "--eval-every", "3"], "argument --eval-every: 3 must divide"),
    (["train", "--ns", "0"], "argument --ns: must be an int >= 1, got 0"),
    (["train", "--positions", "7"], "argument --positions: must be steps in 1..--L = 1..6"),
    (["train", "--L", "1"], "argument --L: the default --positions"),
    (["train", "--lrs", "0"], "argument --lrs"),
    (["train", "--sgd-dtype", "float64", "--dtype", "float32"], "--sgd-dtype float64 needs"),
    (["train", "--out", "{file}"], "argument --out: cannot make the folder {file}"),
    (["ucr", "Beef"], "unknown data set name 'Beef'"),
    (["ucr"], "give a data set NAME"),
    (["ucr", "Covid3Month"], "argument NAME: 'Covid3Month' is a regression set"),
    (["ucr", "GunPoint", "--max-train", "1"], "argument --max-train: must be an int >= 2"),
    (["ucr", "GunPoint", "--seed", "-1"], "argument --seed: must be an int >= 0"),
    (["ucr", "UnitTest", "--json", "{file}/row.json"], "argument --json: cannot make"),
    (["nonsense"], "argument command: invalid choice: 'nonsense'"),
]


def _command(args):
    return args[0] if args and args[0] in WORK else "kernel"


@pytest.mark.parametrize("args, message", CASES, ids=[" ".join(a) for a, _ in CASES])
def test_bad_arguments_end_in_one_line_with_status_2(args, message, tmp_path, monkeypatch,
                                                     capsys):
    blocker = tmp_path / "file"
    blocker.write_text("a regular file")
    folder = tmp_path / "folder"
    folder.mkdir()

    def fill(text):
        return text.format(file=blocker, dir=folder)

    def work_started(*a, **k):
        raise AssertionError("the work started before the arguments were checked")

    command = _command(args)
    if command == "ucr":
        pytest.importorskip("sklearn")
    monkeypatch.setattr(WORK[command], work_started)
    monkeypatch.chdir(tmp_path)  # default output folders land here
    args = [fill(a) for a in args]
    if command in ("converge", "bound", "train") and "--out" not in args:
        args += ["--out", str(tmp_path / "out")]
    code = main(args)
    captured = capsys.readouterr()
    err = captured.err
    assert code == 2, err
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    assert err.startswith("rnn-ntk")
    assert fill(message) in err
    assert captured.out == ""


def test_help_returns_zero(capsys):
    assert main(["converge", "--help"]) == 0
    assert "--widths" in capsys.readouterr().out


@pytest.mark.parametrize("command, name", [("converge", "table.json"), ("bound", "bound.json"),
                                           ("train", "sgd_vs_n.png")])
def test_a_folder_where_a_result_file_goes_is_found_first(command, name, tmp_path,
                                                          monkeypatch, capsys):
    def work_started(*a, **k):
        raise AssertionError("the work started before the output was checked")

    monkeypatch.setattr(WORK[command], work_started)
    (tmp_path / "out" / name).mkdir(parents=True)
    assert main([command, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and f"is a folder, where the result file {name}" in err
