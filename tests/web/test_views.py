"""The costly views of the pages (coverage check, congestion points, hot segments) kept per process, and
computed again when their data change (its own instance copy: it adds an incident and moves a base)."""

import pytest

pytestmark = pytest.mark.slow


def test_costly_views_are_computed_again_only_when_their_data_change(app):
    """Resources.view keeps a planner view per process while the incidents (and patrols) are unchanged."""
    from planner.clock import utc_now
    from planner.models import Incident
    from planner.patrols import list_patrols, update_position, upsert_patrols
    from web.resources import get_resources

    res, calls = get_resources(app), []

    def count(name, **kw):
        return res.view(name, (), lambda: calls.append(name) or len(calls), **kw)

    assert count("a") == count("a") == 1 and count("b", patrols=True) == 2 and len(calls) == 2
    first = list_patrols(res.store, res.city.slug)[0]
    update_position(res.store, res.city.slug, first.id, first.base_lon, first.base_lat)  # not a planning field
    assert count("b", patrols=True) == 2
    with res.store.session() as session, session.begin():
        session.add(Incident(city=res.city.slug, category="stray_dog", source="test", reported_at=utc_now(),
                             lon=first.base_lon, lat=first.base_lat, input_datum="wgs84", created_at=utc_now()))
    assert count("a") == 3 and count("a") == 3
    upsert_patrols(res.store, res.city.slug, [{"id": first.id, "call_sign": first.call_sign, "mode": first.mode,
                                               "base_lon": first.base_lon + 0.001, "base_lat": first.base_lat,
                                               "zone": first.zone}])
    assert count("b", patrols=True) == 4 and count("a") == 3
