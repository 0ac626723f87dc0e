"""Every command against an unknown, a damaged or a half-written city, and against strange extracts.

An unknown or broken city ends with exit code 2 and one line naming the problem and the fix
(``{"error": ...}`` with ``--json``), never a traceback. A city with no POIs or a single street
gives honest empty results; a corrupt extract is refused at build with one line.
"""

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import _register, cli
from tests.conftest import instance_at, point_instance, stderr_of, strict_loads
from tests.osm_files import small_town, write_osm

_register()

# Every command that takes --city, with placeholder arguments (the city fails first).
COMMANDS = [
    ["city", "info"], ["route", "104.06,30.66", "104.07,30.67"], ["blocks", "derive"], ["blocks", "list"],
    ["blocks", "export", "{tmp}/b.geojson"], ["blocks", "import", "{tmp}/missing.geojson"],
    ["incidents", "generate", "--days", "1"], ["incidents", "import", "{tmp}/missing.csv"], ["incidents", "list"],
    ["hotspots"], ["patrols", "demo"], ["patrols", "import", "{tmp}/missing.csv"], ["patrols", "list"],
    ["patrols", "position", "F01", "104.06,30.66"], ["patrols", "status", "F01", "busy"],
    ["dispatch", "104.06,30.66"], ["dispatches", "arrive", "1"], ["dispatches", "close", "1"],
    ["dispatches", "list"], ["dispatches", "report"], ["zones", "check"], ["zones", "diff", "1", "2"],
    ["zones", "export", "{tmp}/z.geojson"], ["zones", "generate"], ["zones", "import", "{tmp}/missing.geojson", "--author", "a"],
    ["zones", "standby"], ["zones", "versions"], ["routes", "plan"], ["routes", "export", "F01"],
    ["lists", "tasks"], ["lists", "responsibility"], ["lists", "assessment"], ["simulate", "--hours", "1"],
    ["users", "add", "someone", "--role", "planner", "--password", "correct horse 42"],
]


@pytest.fixture(scope="module")
def bad_cities(tmp_path_factory):
    """An instance holding a damaged city (garbage graph) and a half-written one (no build folder)."""
    folder = tmp_path_factory.mktemp("bad-cities")
    with instance_at(folder):
        town = small_town(folder / "town.osm")
        assert CliRunner().invoke(cli, ["city", "build", str(town), "--name", "damaged"]).exit_code == 0
        current = json.loads((folder / "cities" / "damaged" / "current.json").read_text())
        for mode in ("foot", "ebike", "car"):
            (folder / "cities" / "damaged" / current["key"] / f"{mode}.pickle").write_bytes(b"not a graph")
        half = folder / "cities" / "halfwritten"
        half.mkdir(parents=True)
        (half / "current.json").write_text(json.dumps({"key": "gone", "source": None}))
    return folder


@pytest.mark.parametrize("city", ["nowhere", "damaged", "halfwritten"])
@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: "-".join(a[:2]))
def test_every_command_says_one_line_on_a_bad_city(bad_cities, monkeypatch, tmp_path, city, args):
    point_instance(monkeypatch, bad_cities)
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = CliRunner().invoke(cli, [*args, "--city", city])
    if city == "damaged" and result.exit_code == 0:
        return  # a command that needs no street graph (city info, lists of stored rows) still works
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    lines = [line for line in stderr_of(result).splitlines() if line.strip() and not line.startswith("[")]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    if "{tmp}" not in " ".join(args) and args[:2] != ["routes", "export"]:
        data = strict_loads(CliRunner().invoke(cli, [*args, "--city", city, "--json"]).stdout)
        assert data["error"] and "\n" not in data["error"]


@pytest.mark.parametrize("city", ["nowhere", "damaged", "halfwritten"])
@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: "-".join(a[:2]))
def test_every_command_says_its_line_in_chinese_too(bad_cities, monkeypatch, tmp_path, city, args):
    """With ``PATROL_LANG=zh`` (or a Chinese locale) the one line is Chinese (``错误：``); with ``--json`` the English
    ``error`` stays and ``error_zh`` comes beside it."""
    point_instance(monkeypatch, bad_cities)
    monkeypatch.setenv("PATROL_LANG", "zh")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = CliRunner().invoke(cli, [*args, "--city", city])
    if city == "damaged" and result.exit_code == 0:
        return
    assert result.exit_code == 2, result.output
    lines = [line for line in stderr_of(result).splitlines() if line.strip() and not line.startswith("[")]
    assert len(lines) == 1 and lines[0].startswith("错误："), result.output
    assert not lines[0].startswith("错误：city ") and not lines[0].startswith("错误：unknown "), lines[0]  # translated
    data = strict_loads(CliRunner().invoke(cli, [*args, "--city", city, "--json"]).stdout)
    assert data["error"].isascii() and data["error_zh"] == lines[0].removeprefix("错误：")


def test_corrupt_and_empty_extracts_are_refused_at_build(tmp_path, fresh_instance):
    corrupt = tmp_path / "corrupt.osm.pbf"
    corrupt.write_bytes(b"\x00\x00\x00\x0dnot a pbf file" * 20)
    empty = tmp_path / "empty.osm"
    write_osm(empty, [(1, 104.06, 30.66)], [])
    truncated = tmp_path / "truncated.osm.pbf"
    truncated.write_bytes((Path(__file__).parents[2].parent / "shared" / "osm" / "andorra.osm.pbf").read_bytes()[:4000]
                          if (Path(__file__).parents[2].parent / "shared" / "osm" / "andorra.osm.pbf").is_file()
                          else b"x")
    for path, words in ((corrupt, "corrupt"), (empty, "no streets"), (truncated, "")):
        result = CliRunner().invoke(cli, ["city", "build", str(path), "--name", "bad"])
        assert result.exit_code == 2, result.output
        lines = [line for line in stderr_of(result).splitlines() if line.startswith("error: ")]
        assert len(lines) == 1 and words in lines[0], result.output
    assert not (fresh_instance / "cities" / "bad" / "current.json").exists()  # nothing half-written


@pytest.mark.parametrize("kind", ["no-pois", "one-street"])
def test_strange_cities_give_honest_results(tmp_path, fresh_instance, kind):
    if kind == "no-pois":
        source = small_town(tmp_path / "town.osm")
    else:
        source = write_osm(tmp_path / "one.osm", [(1, 104.060, 30.66), (2, 104.061, 30.66), (3, 104.062, 30.66)],
                           [(10, [1, 2, 3], {"highway": "residential", "name": "独街"})])
    runner = CliRunner()

    def run(*args):
        result = runner.invoke(cli, [*args, "--city", "odd", "--json"])
        assert result.exit_code in (0, 2), result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        return result.exit_code, strict_loads(result.stdout)

    assert runner.invoke(cli, ["city", "build", str(source), "--name", "odd"]).exit_code == 0
    code, blocks = run("blocks", "derive")
    assert code == 0 and blocks["count"] == 0  # zero key blocks is a result
    code, incidents = run("incidents", "generate", "--days", "2")
    assert code == 0 and incidents["stored"] > 0
    code, roster = run("patrols", "demo")
    assert code == 0 and 1 <= len(roster["patrols"]) <= 3
    for args in (["hotspots"], ["zones", "generate"], ["zones", "check"], ["zones", "standby", "--mode", "foot"],
                 ["routes", "plan", "--time-limit", "1"], ["dispatch", "104.0605,30.6601", "--datum", "wgs84"],
                 ["simulate", "--hours", "2"], ["lists", "tasks"], ["lists", "responsibility"],
                 ["lists", "assessment"]):
        code, data = run(*args)
        assert code == 0 or ("error" in data and "\n" not in data["error"]), (args, data)
    shutil.rmtree(fresh_instance, ignore_errors=True)


def test_every_command_takes_city_and_json():
    """People script against the CLI: every command (benchmarks too) takes --city (``city build``: --name) and --json."""
    import click

    def leaves(group, path=()):
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                yield from leaves(command, (*path, name))
            else:
                yield (*path, name), command

    missing = []
    for path, command in leaves(cli):
        flags = {flag for param in command.params for flag in getattr(param, "opts", [])}
        wanted = {"--name" if path == ("city", "build") else "--city", "--json"}
        if not wanted <= flags:
            missing.append((" ".join(path), sorted(wanted - flags)))
    assert missing == []
