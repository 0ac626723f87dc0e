"""Locating a report and checking its category: the one rule the web and the CLI share."""

import time

import pytest

from geo.crs import gcj02_to_wgs84
from geo.errors import CoordinateError
from planner.reports import UnknownCategoryError, check_category, known_categories, locate_report


def test_coordinates_in_the_city_datum_or_given(chengdu):
    located = locate_report(chengdu, "104.0810,30.6943")  # Chengdu's default input datum is GCJ-02
    expected = gcj02_to_wgs84(104.0810, 30.6943)
    assert (located.lon, located.lat) == pytest.approx(expected) and located.how == {"datum": "gcj02"}
    plain = locate_report(chengdu, "104.0810,30.6943", "wgs84")
    assert (plain.lon, plain.lat) == pytest.approx((104.0810, 30.6943))


@pytest.mark.parametrize("text", ["inf,inf", "1e309,30", "nan,nan", "200,30", "104.08,95"])
def test_bad_pairs_are_refused_without_the_geocoder(chengdu, text):
    chengdu._geocoder = None
    started = time.process_time()
    with pytest.raises(CoordinateError):
        locate_report(chengdu, text)
    assert chengdu._geocoder is None  # never built, never searched
    assert time.process_time() - started < 1.0


def test_addresses_go_to_the_geocoder_built_once(chengdu):
    located = locate_report(chengdu, "春熙路")
    assert located.how["address"] == "春熙路" and located.how["confidence"] > 0
    assert chengdu.geocoder() is chengdu.geocoder()


def test_categories(chengdu):
    assert check_category(chengdu, "stray_dog") == "stray_dog"
    assert "stray_dog" in known_categories(chengdu)
    with pytest.raises(UnknownCategoryError, match="known: stray_dog"):
        check_category(chengdu, "alien_landing")


def test_a_report_is_ranked_over_the_stored_patrols_or_refused(chengdu, tmp_path):
    """One use case for the console, the API and the CLI: found, ranked over the store's patrols
    (the same as ranking them by hand), refused in one line when the store holds none."""
    from planner.dispatch import Dispatcher
    from planner.patrols import demo_roster, list_patrols, upsert_patrols
    from planner.reports import NoPatrolsError, recommend_for_report
    from planner.store import Store

    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    dispatcher = Dispatcher(chengdu, None)
    with pytest.raises(NoPatrolsError, match="patrols demo"):
        recommend_for_report(chengdu, store, dispatcher, "104.0810,30.6943", "stray_dog")
    upsert_patrols(store, chengdu.slug, demo_roster(chengdu))
    ranked = recommend_for_report(chengdu, store, dispatcher, "104.0810,30.6943", "stray_dog", "wgs84")
    by_hand = dispatcher.recommend(list_patrols(store, chengdu.slug), 104.0810, 30.6943, category="stray_dog")
    assert ranked.recommended == by_hand.recommended and ranked.incident["datum"] == "wgs84"
    assert [c.patrol_id for c in ranked.candidates] == [c.patrol_id for c in by_hand.candidates]
    store.close()


def test_an_oversized_location_is_refused_before_any_work(chengdu):
    from planner.reports import MAX_LOCATION_CHARS

    chengdu._geocoder = None
    with pytest.raises(CoordinateError, match="10000 characters long"):
        locate_report(chengdu, "成都" * 5000)
    assert chengdu._geocoder is None  # the geocoder was never built nor asked
    assert len("天府广场") < MAX_LOCATION_CHARS
