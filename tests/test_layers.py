"""Imports flow one way: geo <- planner <- web <- cli."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["geo", "planner", "web", "cli"]  # each may import only the ones before it


def imported_packages(path: Path) -> set[str]:
    """Return the top-level packages a module imports (absolute imports only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def layer_violations(root: Path) -> list[str]:
    """Return 'module imports layer' lines for every import against the layer order."""
    problems = []
    for rank, layer in enumerate(LAYERS):
        forbidden = set(LAYERS[rank + 1:])
        for path in sorted((root / layer).rglob("*.py")):
            for package in sorted(imported_packages(path) & forbidden):
                problems.append(f"{path.relative_to(root)} imports {package}")
    return problems


def test_layers_import_one_way():
    assert layer_violations(ROOT) == []


def test_the_check_catches_an_upward_import(tmp_path):
    for layer in LAYERS:
        (tmp_path / layer).mkdir()
        (tmp_path / layer / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "geo" / "bad.py").write_text("from planner import zones\nimport web.app\n", encoding="utf-8")
    assert layer_violations(tmp_path) == ["geo/bad.py imports planner", "geo/bad.py imports web"]


def test_import_linter_contract_holds():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    if not lint_imports.exists():
        pytest.fail("lint-imports is not installed: pip install -e '.[test]'")
    result = subprocess.run([str(lint_imports)], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def environment_readers(root: Path) -> list[str]:
    """Return 'module reads os.environ' lines for geo and planner (settings come as arguments)."""
    problems = []
    for layer in ("geo", "planner"):
        for path in sorted((root / layer).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv") \
                        and isinstance(node.value, ast.Name) and node.value.id == "os":
                    problems.append(f"{path.relative_to(root)}:{node.lineno} reads os.{node.attr}")
    return problems


def test_geo_and_planner_read_no_environment():
    assert environment_readers(ROOT) == []


def test_the_environment_check_catches_a_reader(tmp_path):
    (tmp_path / "geo").mkdir()
    (tmp_path / "planner").mkdir()
    (tmp_path / "planner" / "bad.py").write_text("import os\nURL = os.environ.get('X')\n", encoding="utf-8")
    assert environment_readers(tmp_path) == ["planner/bad.py:2 reads os.environ"]
