"""What the planner commands share: the city, its key blocks, the store and the incident placer."""

from cli.main import Reporter

__all__ = ["load_context", "parse_window"]


def load_context(name: str, *, progress: Reporter | None = None, geocoder: bool = True):
    """Return (city, blocks_gdf, store, placer) for city ``name``."""
    from geo.blocks.store import load_blocks
    from geo.city import get_city
    from geo.geocode import Geocoder
    from planner.incidents import IncidentPlacer
    from planner.store import Store

    progress = progress or Reporter()
    city = get_city(name, progress=progress)
    blocks_gdf = load_blocks(city, progress=progress)
    coder = None
    if geocoder and city.report.get("source"):
        coder = Geocoder(city.report["source"], city.jurisdiction, city.crs, prefixes=city.profile.address_prefixes)
    return city, blocks_gdf, Store(), IncidentPlacer(city, blocks_gdf, coder)


def parse_window(city, since: str | None, until: str | None):
    """Parse --since/--until (city time zone unless an offset is given) into naive UTC datetimes."""
    import click

    from planner.incidents import parse_time

    bounds = []
    for option, value in (("--since", since), ("--until", until)):
        if value is None:
            bounds.append(None)
            continue
        try:
            bounds.append(parse_time(value, city.profile.timezone))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint=option) from None
    return tuple(bounds)
