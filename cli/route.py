"""``patrol route FROM TO``: the fastest street route between two points for a travel mode."""

import click
from shapely.geometry import mapping

from cli.common import Reporter, emit, reports_errors

__all__ = ["route"]


@click.command()
@click.argument("from_point", metavar="FROM")
@click.argument("to_point", metavar="TO")
@click.option("--mode", default="foot", show_default=True, help="Travel mode: foot, ebike or car.")
@click.option("--datum", default=None, help="Datum of FROM and TO: wgs84, gcj02 or bd09 [default: the city's].")
@click.option("--city", "name", default="chengdu", show_default=True, help="City profile name (slug).")
@click.option("--max-snap-m", default=500.0, show_default=True, help="Furthest a point may be from a street (m).")
@click.option("--json", "as_json", is_flag=True, help="Print the route as JSON (geometry as GeoJSON).")
@reports_errors
def route(from_point: str, to_point: str, mode: str, datum: str | None, name: str, max_snap_m: float,
          as_json: bool) -> None:
    """Fastest route from FROM to TO, each given as 'lon,lat'."""
    from geo.city import get_city
    from geo.crs import parse_lonlat, to_wgs84

    start = parse_lonlat(from_point, what="FROM")
    end = parse_lonlat(to_point, what="TO")
    city = get_city(name, progress=Reporter())
    datum = datum or city.profile.default_datum
    router = city.router(mode)
    snaps = []
    for label, (lon, lat) in (("FROM", start), ("TO", end)):
        lon84, lat84 = to_wgs84(lon, lat, datum)
        try:
            snaps.append(router.snap(lon84, lat84, max_distance_m=max_snap_m))
        except Exception as exc:
            exc.args = (f"{label}: {exc}",)
            raise
    result = router.route(*snaps)
    data = {
        "city": city.slug,
        "mode": result.mode,
        "datum": datum,
        "travel_time_s": round(result.travel_time_s, 3),
        "distance_m": round(result.distance_m, 3),
        "from": _snap_json(snaps[0]),
        "to": _snap_json(snaps[1]),
        "geometry": mapping(result.geometry),
        "attribution": city.profile.attribution,
    }
    text = (
        f"{mode}: {result.travel_time_s / 60:.1f} min, {result.distance_m / 1000:.2f} km "
        f"from {snaps[0].name or 'an unnamed street'} to {snaps[1].name or 'an unnamed street'} "
        f"(input datum {datum})"
    )
    emit(data, as_json, text)


def _snap_json(snap) -> dict:
    return {
        "lon": round(snap.lon, 7),
        "lat": round(snap.lat, 7),
        "street": snap.name,
        "snap_distance_m": round(snap.distance_m, 2),
    }
