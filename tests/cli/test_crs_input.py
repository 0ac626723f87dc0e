"""Points in a projected CRS where the CLI takes a datum: a dispatch location and an incident file given
as x/y in UTM metres land where the same points in WGS-84 land (pyproj as the reference)."""

import pyproj
import pytest
from click.testing import CliRunner

from cli.main import _register, cli
from tests.conftest import strict_loads

_register()
pytestmark = pytest.mark.slow

LON, LAT = 104.0655, 30.6597  # central Chengdu (the default city)


def utm(lon, lat, code="EPSG:32648"):
    return pyproj.Transformer.from_crs("EPSG:4326", code, always_xy=True).transform(lon, lat)


def test_dispatch_location_in_utm_metres(built_instance):
    runner = CliRunner()
    assert runner.invoke(cli, ["patrols", "demo"]).exit_code == 0
    x, y = utm(LON, LAT)
    projected = runner.invoke(cli, ["dispatch", f"{x:.2f},{y:.2f}", "--datum", "EPSG:32648", "--category", "stray_dog",
                                    "--json"])
    plain = runner.invoke(cli, ["dispatch", f"{LON},{LAT}", "--datum", "wgs84", "--category", "stray_dog", "--json"])
    assert projected.exit_code == 0 and plain.exit_code == 0, projected.output + plain.output
    a, b = strict_loads(projected.stdout), strict_loads(plain.stdout)
    assert a["incident"]["lon"] == pytest.approx(b["incident"]["lon"], abs=1e-6)
    assert a["incident"]["lat"] == pytest.approx(b["incident"]["lat"], abs=1e-6)
    assert a["recommended"] == b["recommended"]
    bad = runner.invoke(cli, ["dispatch", f"{x:.2f},{y:.2f}", "--datum", "EPSG:999999", "--category", "stray_dog"])
    assert bad.exit_code == 2 and "no such EPSG code" in bad.output and "Traceback" not in bad.output


def test_incidents_in_a_projected_crs(built_instance, tmp_path):
    x, y = utm(LON, LAT)
    path = tmp_path / "utm.csv"
    path.write_text("category,reported_at,lon,lat,datum\n"
                    f"stray_dog,2026-11-20 08:00,{x:.2f},{y:.2f},EPSG:32648\n"
                    f"stray_dog,2026-11-20 09:00,{LON},{LAT},wgs84\n"
                    "stray_dog,2026-11-20 10:00,1e12,1e12,EPSG:32648\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["incidents", "import", str(path), "--json"])
    data = strict_loads(result.stdout)
    assert data["stored"] == 2, result.output
    assert data["invalid"] == 1 and data["problems"][0]["row"] == 4
    rows = strict_loads(CliRunner().invoke(cli, ["incidents", "list", "--json"]).stdout)
    assert len(rows) == 2
    assert rows[0]["lon"] == pytest.approx(rows[1]["lon"], abs=1e-6) and rows[0]["lat"] == pytest.approx(rows[1]["lat"], abs=1e-6)
