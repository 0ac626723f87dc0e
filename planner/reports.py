"""Where a report is and what it is about: one rule for the web and the command line.

A location is ``"lon,lat"`` in a datum (the city's default input datum unless given: GCJ-02 for
Chinese cities, WGS-84 elsewhere) or an address, found by the city's offline geocoder. Text whose
two comma-separated parts both read as numbers (``inf`` and ``1e309`` included) is a coordinate
pair, so a malformed pair is refused at once, never sent to the fuzzy geocoder.
"""

import re
from dataclasses import dataclass, field

from geo.crs import check_datum, is_crs_code, parse_lonlat, parse_xy, to_wgs84, validate_lonlat
from geo.errors import CoordinateError, PatrolError
from planner.incidents import CATEGORIES

__all__ = ["Location", "OutsideCityError", "UnknownCategoryError", "check_category", "known_categories", "locate_report"]


class UnknownCategoryError(PatrolError):
    """An incident category is neither a product category nor one of the city's own."""


@dataclass(frozen=True)
class Location:
    """A report's WGS-84 position and how it was found (``datum``, or ``address``/``match``/``confidence``)."""

    lon: float
    lat: float
    how: dict = field(default_factory=dict)


def known_categories(city) -> list[str]:
    """The product's incident categories and the city profile's own, in that order."""
    return [*CATEGORIES, *[c for c in city.profile.extra_categories if c not in CATEGORIES]]


def check_category(city, category: str) -> str:
    """Return ``category`` if the city knows it, else raise UnknownCategoryError naming the known ones."""
    known = known_categories(city)
    if category not in known:
        raise UnknownCategoryError(f"unknown category {category!r}; known: {', '.join(known)}")
    return category


def _is_coordinate_pair(text: str) -> bool:
    parts = re.split(r"[,，]", text.strip())
    if len(parts) != 2:
        return False
    try:
        float(parts[0])
        float(parts[1])
    except ValueError:
        return False
    return True


MAX_LOCATION_CHARS = 200  # the longest address a bureau writes is under 100 characters


def locate_report(city, location: str, datum: str | None = None) -> Location:
    """The WGS-84 position of ``location``: a 'lon,lat' in ``datum`` (default the city's) or an address.
    Text over 200 characters is refused before any work (the fuzzy geocoder's cost grows with it)."""
    if len(location) > MAX_LOCATION_CHARS:
        raise CoordinateError(f"location is {len(location)} characters long; give 'lon,lat' or an address of at most "
                              f"{MAX_LOCATION_CHARS} characters")
    datum = check_datum(datum or city.profile.default_datum)
    if is_crs_code(datum) and _is_coordinate_pair(location):  # x,y in the CRS's own units
        x, y = parse_xy(location, what="location")
        lon, lat = validate_lonlat(*to_wgs84(x, y, datum), what="location")
        return Location(lon, lat, {"datum": datum})
    try:
        lon, lat = parse_lonlat(location, what="location")
    except CoordinateError:
        if _is_coordinate_pair(location) or not location.strip():
            raise
        result = city.geocoder().geocode(location)
        return Location(result.lon, result.lat,
                        {"address": location, "match": result.match, "confidence": result.confidence})
    lon, lat = to_wgs84(lon, lat, datum)
    return Location(lon, lat, {"datum": datum})


class OutsideCityError(PatrolError):
    """A report's place is farther from every street than a patrol can be sent."""


class NoPatrolsError(PatrolError):
    """A report cannot be dispatched: the store holds no patrols for the city."""


def recommend_for_report(city, store, dispatcher, location: str, category: str, datum: str | None = None):
    """The ranked patrols (``planner.dispatch.Recommendation``) for a report at ``location`` ('lon,lat' in
    ``datum``, or an address): the category checked, the location found, every stored patrol ranked.
    The report's ``how`` (datum or address match) is added to the recommendation's incident."""
    from planner.patrols import list_patrols

    check_category(city, category)
    located = locate_report(city, location, datum)
    patrols = list_patrols(store, city.slug)
    if not patrols:
        raise NoPatrolsError("no patrols in the store: create the demo roster with 'patrol patrols demo'.")
    away_m = float(city.router("foot").segments.nearest_distance_m([located.lon], [located.lat])[0])
    if away_m > dispatcher.max_snap_m:
        distance = ("very far" if away_m == float("inf") else f"{away_m / 1000:,.0f} km" if away_m >= 10_000
                    else f"{away_m / 1000:.1f} km" if away_m >= 1000 else f"{away_m:.0f} m")
        raise OutsideCityError(f"({located.lon:.5f}, {located.lat:.5f}) is outside the city: {distance} from any "
                               f"street of {city.profile.name}; check the datum or the address")
    recommendation = dispatcher.recommend(patrols, located.lon, located.lat, category=category)
    recommendation.incident |= located.how
    return recommendation
