"""`patrol route`: JSON keys, datums and clear errors on the default city."""


import pytest
from click.testing import CliRunner
from pyproj import Geod

from cli.main import _register, cli
from geo.crs import wgs84_to_gcj02
from tests.conftest import strict_loads

_register()
pytestmark = pytest.mark.slow
TIANFU_SQUARE = (104.0657, 30.6598)
NORTH = (104.1000, 30.7000)


@pytest.fixture
def runner(chengdu):
    return CliRunner()


def point(lonlat):
    return f"{lonlat[0]},{lonlat[1]}"


def test_route_json_keys_and_values(runner, chengdu):
    result = runner.invoke(cli, ["route", point(TIANFU_SQUARE), point(NORTH), "--mode", "car", "--datum", "wgs84", "--json"])
    assert result.exit_code == 0, result.output
    data = strict_loads(result.stdout)
    assert {"mode", "travel_time_s", "distance_m", "geometry"} <= set(data)
    assert data["mode"] == "car" and data["geometry"]["type"] == "LineString"
    router = chengdu.router("car")
    expected = router.travel_time(router.snap(*TIANFU_SQUARE), router.snap(*NORTH))
    assert data["travel_time_s"] == pytest.approx(expected, abs=1e-3)
    length = Geod(ellps="WGS84").line_length(*zip(*data["geometry"]["coordinates"], strict=True))
    assert length == pytest.approx(data["distance_m"], rel=5e-3)


def test_gcj02_input_gives_the_same_route_as_wgs84(runner):
    wgs = runner.invoke(cli, ["route", point(TIANFU_SQUARE), point(NORTH), "--datum", "wgs84", "--json"])
    gcj = runner.invoke(cli, ["route", point(wgs84_to_gcj02(*TIANFU_SQUARE)), point(wgs84_to_gcj02(*NORTH)),
                              "--datum", "gcj02", "--json"])
    assert strict_loads(wgs.stdout)["travel_time_s"] == pytest.approx(strict_loads(gcj.stdout)["travel_time_s"], abs=0.5)
    # The city's default datum is GCJ-02: WGS-84 points read as GCJ-02 land elsewhere.
    default = runner.invoke(cli, ["route", point(TIANFU_SQUARE), point(NORTH), "--json"])
    assert strict_loads(default.stdout)["datum"] == "gcj02"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["route", "104.06", "104.1,30.7"], "FROM: expected 'lon,lat'"),
        (["route", "30.66,104.06", "104.1,30.7"], "swapped"),
        (["route", "104.06,30.66", "104.6,30.7", "--datum", "wgs84"], "TO: point"),
        (["route", "104.06,30.66", "104.1,30.7", "--mode", "bus"], "unknown travel mode 'bus'"),
        (["route", "104.06,30.66", "104.1,30.7", "--datum", "wgs48"], "`datum` must be one of"),
    ],
)
def test_route_errors(runner, args, message):
    result = runner.invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
