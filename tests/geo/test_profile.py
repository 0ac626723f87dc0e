"""City profiles: loading, validation naming the field, unknown cities and modes."""

import pytest

from geo.errors import ProfileError, UnknownCityError, UnknownModeError
from geo.profile import MODES, list_profiles, load_profile


def test_default_city_profile():
    profile = load_profile("chengdu")
    assert profile.timezone == "Asia/Shanghai"
    assert profile.default_datum == "gcj02"
    assert profile.attribution == "© OpenStreetMap contributors"
    assert set(profile.modes) == set(MODES)
    assert profile.mode("foot").speed_kph == 5.0 and not profile.mode("foot").respect_oneway
    assert profile.mode("car").respect_oneway and profile.mode("car").use_maxspeed
    assert profile.osm_source.endswith("chengdu-center-2018.osm.pbf")


def test_haining_profile_has_its_real_boundary():
    profile = load_profile("haining")
    assert profile.local_crs == "EPSG:4549"
    assert profile.boundary.endswith("boundary_wgs84.geojson")
    assert {"chengdu", "haining"} <= set(list_profiles())


def test_unknown_city_lists_the_known_ones():
    with pytest.raises(UnknownCityError, match="chengdu"):
        load_profile("atlantis")


def test_unknown_mode_is_named():
    with pytest.raises(UnknownModeError, match="'bus'.*foot, ebike, car"):
        load_profile("chengdu").mode("bus")


def test_every_bad_field_is_named_at_once(tmp_path):
    path = tmp_path / "profile.toml"
    path.write_text(
        'slug = "x"\ntimezone = "Mars/Olympus"\ndefault_datum = "wgs48"\nturnout_s = -5\n'
        '[modes.foot]\nspeed_kph = 0\nhighways = []\n[modes.boat]\nspeed_kph = 10\n',
        encoding="utf-8",
    )
    with pytest.raises(ProfileError) as info:
        load_profile(str(path))
    message = str(info.value)
    for field in ("`timezone`", "`default_datum`", "`turnout_s`", "`modes.foot.speed_kph`",
                  "`modes.foot.highways`", "`modes.boat`"):
        assert field in message
    assert "6 problem(s)" in message


def test_invalid_toml_is_named(tmp_path):
    path = tmp_path / "profile.toml"
    path.write_text("slug = \n", encoding="utf-8")
    with pytest.raises(ProfileError, match="not valid TOML"):
        load_profile(str(path))
