"""The command line's messages in Chinese: ``PATROL_LANG=zh`` or a Chinese locale gives ``错误：`` and the Chinese of
the message (``web.messages``), its names and numbers kept; ``--json`` keeps the English ``error`` and adds
``error_zh``. Checked on real error paths (a missing file, a point off the streets, a bad datum, a bad option value)
on the default city and, for the file paths, on Andorra."""

import pytest
from click.testing import CliRunner

from cli.common import chinese_message, cli_language
from cli.main import _register, cli
from tests.conftest import stderr_of, strict_loads
from web.messages import PATTERNS

_register()


def test_the_locale_chooses_the_language_and_patrol_lang_wins(monkeypatch):
    for variables, expected in (({}, "en"), ({"LANG": "zh_CN.UTF-8"}, "zh"), ({"LC_ALL": "C.UTF-8", "LANG": "zh_CN"}, "en"),
                                ({"PATROL_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"), ({"PATROL_LANG": "zh"}, "zh")):
        for name in ("PATROL_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
            monkeypatch.delenv(name, raising=False)
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        assert cli_language() == expected, variables


def test_every_template_uses_only_its_patterns_groups():
    import re

    for pattern, template in PATTERNS:
        assert set(re.findall(r"\\g<(\w+)>", template)) <= set(re.compile(pattern).groupindex), pattern


def test_an_unknown_message_has_no_chinese_and_click_prefixes_are_kept():
    assert chinese_message("something nobody wrote a pattern for") is None
    assert chinese_message("Invalid value for '--day': something nobody wrote a pattern for") is None
    assert chinese_message("Invalid value for '--day': expected a date such as 2026-11-27; got 'x'") == \
        "参数 '--day' 的值无效：应为日期，例如 2026-11-27；收到 'x'"
    several = "f.geojson: 2 problem(s), nothing imported:\n- row 4 (block 'A3') priority: nobody's reason\n- odd line"
    assert chinese_message(several) == "f.geojson：2 个问题，未导入任何内容：\n- 第 4 行（街区 A3） priority：nobody's reason\n- odd line"
    assert chinese_message("nobody's header:\n- row 1 id: required field is missing or empty") is None


CASES = [
    (["city", "build", "{tmp}/missing.osm.pbf", "--name", "x"], "{tmp}/missing.osm.pbf：文件不存在。"),
    (["simulate", "--day", "2026-13-45"], "参数 --day 的值无效：应为日期，例如 2026-11-27；收到 '2026-13-45'"),
    (["route", "1,2", "3,4", "--datum", "wgs84"], "FROM：点 (1.000000, 2.000000) 距最近的步行道路"),
    (["route", "1,b", "3,4"], "FROM：“lon,lat”应为数字；收到 '1,b'。"),
    (["dispatch", "104.06,30.66", "--datum", "foo"], "`datum` 必须是 wgs84, gcj02, bd09 之一"),
    (["zones", "standby", "--model", "p-median"], "p-median 模型需要 --k（待命点个数）"),
    (["zones", "standby", "--sites", "{tmp}/missing.csv"], "无法读取站点文件 {tmp}/missing.csv："),
    (["users", "add", "ab", "--role", "planner", "--password", "short"], "密码须为 10 到 1024 个字符。"),
]


@pytest.mark.slow
@pytest.mark.parametrize("args,chinese", CASES, ids=lambda c: "-".join(c[:2]) if isinstance(c, list) else "")
def test_real_errors_in_chinese_and_beside_english_in_json(chengdu, monkeypatch, tmp_path, args, chinese):
    args, chinese = [a.replace("{tmp}", str(tmp_path)) for a in args], chinese.replace("{tmp}", str(tmp_path))
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.delenv("PATROL_LANG")
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    lines = [line for line in stderr_of(result).splitlines() if line.strip() and not line.startswith("[")]
    assert len(lines) == 1 and lines[0].startswith("错误：" + chinese), result.output
    data = strict_loads(CliRunner().invoke(cli, [*args, "--json"]).stdout)
    assert data["error"].isascii() and data["error_zh"] == lines[0].removeprefix("错误：")
    monkeypatch.setenv("PATROL_LANG", "en")  # English wins over the locale when asked for
    assert stderr_of(CliRunner().invoke(cli, args)).strip().splitlines()[-1].startswith("error: ")


@pytest.mark.slow
def test_a_bad_extract_of_another_city_in_chinese(monkeypatch, tmp_path, fresh_instance):
    """Andorra's real extract cut short: refused at build with the Chinese line, the file named."""
    from pathlib import Path

    source = Path(__file__).parents[2].parent / "shared" / "osm" / "andorra.osm.pbf"
    cut = tmp_path / "andorra-cut.osm.pbf"
    cut.write_bytes(source.read_bytes()[:4000])
    monkeypatch.setenv("PATROL_LANG", "zh")
    result = CliRunner().invoke(cli, ["city", "build", str(cut), "--name", "andorra-cut"])
    assert result.exit_code == 2, result.output
    assert stderr_of(result).strip().splitlines()[-1].startswith(f"错误：{cut}：无法读取 OSM 数据（文件损坏或不完整？）")


@pytest.mark.slow
def test_a_key_block_file_with_errors_in_chinese_row_by_row(chengdu, monkeypatch, tmp_path):
    """``blocks import`` of a file with bad rows: the header and each row's where and reason in Chinese (a reason no
    pattern knows stays English, never dropped); nothing imported, as in English."""
    import geopandas as gpd
    from shapely.geometry import box

    from tests.geo.blocks import catalogue

    frame = gpd.GeoDataFrame({"id": ["OK-1", "BAD-1", "BAD-2"], "name": ["好", "坏", "远"], "kind": ["market", "bakery", "school"]},
                             geometry=[catalogue.SQUARE, catalogue.SQUARE, box(10.0, 10.0, 10.01, 10.01)], crs="EPSG:4326")
    frame.to_file(tmp_path / "bad.geojson")
    monkeypatch.setenv("PATROL_LANG", "zh")
    result = CliRunner().invoke(cli, ["blocks", "import", str(tmp_path / "bad.geojson")])
    assert result.exit_code == 2, result.output
    lines = stderr_of(result).strip().splitlines()
    assert lines[0] == f"错误：{tmp_path / 'bad.geojson'}：2 个问题，未导入任何内容："
    assert lines[1].startswith("- 第 2 行（街区 BAD-1） kind：未知类型 bakery；已知类型：")
    assert lines[2].startswith("- 第 3 行（街区 BAD-2） geometry：位于城市之外（距边界 ") and lines[2].endswith(" 公里）")
    english = strict_loads(CliRunner().invoke(cli, ["blocks", "import", str(tmp_path / "bad.geojson"), "--json"]).stdout)
    assert len(english["error_zh"].splitlines()) == len(english["error"].splitlines()) == 3
