"""The house rules of the package layout (issue: engine layout), checked on the source."""

import ast
import importlib
import importlib.util
import pathlib
import subprocess
import sys

import pytest

import rnn_ntk

PKG = pathlib.Path(rnn_ntk.__file__).parent
MODULES = sorted(p for p in PKG.rglob("*.py") if "__pycache__" not in p.parts)
FLOORS = ["rnn_ntk", "rnn_ntk.infinite", "rnn_ntk.finite", "rnn_ntk.theory"]


@pytest.mark.parametrize("floor", FLOORS)
def test_no_public_name_is_a_module_path(floor):
    mod = importlib.import_module(floor)
    assert mod.__all__, floor
    for name in mod.__all__:
        assert importlib.util.find_spec(f"{floor}.{name}") is None, f"{floor}.{name}"
        if name not in getattr(mod, "_LAZY", {}):
            assert hasattr(mod, name), f"{floor}.{name} is in __all__ but missing"


def test_modules_are_small():
    sizes = {str(p.relative_to(PKG)): len(p.read_text().splitlines()) for p in MODULES}
    long = {k: n for k, n in sizes.items() if n > 400}
    assert not long, f"modules over 400 lines: {long}"


def _calls(tree: ast.AST) -> set[str]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            out.add(ast.unparse(node))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            out.update(a.name if isinstance(node, ast.Import) else f"{node.module}.{a.name}"
                       for a in node.names)
    return out


def test_one_tiler_and_no_global_side_effects():
    pools, bad = [], []
    for p in MODULES:
        text = p.read_text()
        names = _calls(ast.parse(text))
        if "ThreadPoolExecutor" in text:
            pools.append(p.name)
        rel = p.relative_to(PKG).parts
        if any(n.startswith(("matplotlib.use", "matplotlib.pyplot")) for n in names):
            bad.append(f"{p}: matplotlib backend/pyplot")
        if "jax.config.update" in names and rel[0] != "cli":
            bad.append(f"{p}: jax.config.update outside the CLI")
    assert pools == ["_tiling.py"], pools
    assert not bad, bad


def test_no_private_names_across_modules():
    """`from rnn_ntk.a import _x` or `mod._x` across modules is not allowed."""
    bad = []
    for p in MODULES:
        for node in ast.walk(ast.parse(p.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rnn_ntk"):
                bad += [f"{p.name}: {node.module}.{a.name}" for a in node.names
                        if a.name.startswith("_") and a.name != "__version__"]
    assert not bad, bad


def test_import_is_light():
    code = (
        "import sys, rnn_ntk; heavy = [m for m in ('matplotlib', 'sklearn', 'aeon', "
        "'neural_tangents', 'tabulate', 'tqdm', 'zarr') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


#: Floors, bottom up: a module's top-level imports point at its own floor or below.
RANK = {"_config": 0, "_activations": 0, "_sequences": 0, "_validate": 0, "_tiling": 0,
        "_fit": 0, "_toy": 0, "_devices": 0, "_store": 0,
        "infinite": 1, "finite": 2, "interop": 3, "theory": 4, "data": 5, "learn": 6,
        "experiments": 7, "cli": 8}


def test_floors_only_import_downward():
    bad = []
    for p in MODULES:
        rel = p.relative_to(PKG).parts
        if rel == ("__init__.py",):
            continue
        own = RANK[rel[0].removesuffix(".py")]
        for node in ast.parse(p.read_text()).body:  # top level only (lazy imports exempt)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("rnn_ntk."):
                floor = node.module.split(".")[1]
                if RANK[floor] > own:
                    bad.append(f"{'/'.join(rel)} imports {node.module}")
    assert not bad, bad
