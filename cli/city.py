"""``patrol city build|info``: build the street graphs of a city and describe them."""

import click

from cli.common import Reporter, emit, reports_errors
from cli.jobs import background_option, submit

__all__ = ["city", "summary_text"]


def summary_text(summary: dict) -> str:
    """Return a people-readable summary of a built city."""
    lines = [
        f"{summary['name']} ({summary['city']})",
        f"  source: {summary['source']}",
        f"  jurisdiction: {summary['jurisdiction_km2']} km2 ({summary['clipped_to']}), "
        f"bbox {', '.join(f'{v:.4f}' for v in summary['bbox'])}",
        f"  CRS: {summary['crs']} stored, {summary['local_crs']} for metres; time zone {summary['timezone']}; "
        f"default input datum {summary['default_datum']}",
        f"  ways cut where nodes are missing: {summary['ways_cut_for_missing_nodes']} "
        f"({summary['pieces_dropped_for_missing_nodes']} pieces dropped)",
    ]
    inferred = summary.get("inferred") or {}
    if inferred:
        names = ", ".join(f"{k} {v}" for k, v in (inferred.get("name_tags") or {}).items()) or "none"
        lines.append(
            f"  inferred from the location: time zone {inferred.get('timezone')}, input datum "
            f"{inferred.get('default_datum')}, CRS {inferred.get('crs')}, language {inferred.get('language')} "
            f"(a profile file overrides them); street name tags: {names}"
        )
    for mode, info in summary["modes"].items():
        lines.append(
            f"  {mode:6s} {info['nodes']:6d} nodes {info['edges']:6d} edges {info['street_km']:8.1f} street km"
            f"  (dropped {info['nodes_dropped_disconnected']} disconnected nodes, {info['km_dropped_disconnected']} km)"
        )
    lines.append(f"  {summary['attribution']}")
    return "\n".join(lines)


@click.group()
def city() -> None:
    """Build and describe the city's street graphs (foot, ebike, car)."""


@city.command("build")
@click.argument("source", required=False)
@click.option("--name", "name", default="chengdu", show_default=True, help="City profile name (slug).")
@click.option("--force", is_flag=True, help="Rebuild even if the cache holds this build.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@background_option
@reports_errors
def build(source: str | None, name: str, force: bool, as_json: bool, background: bool) -> None:
    """Build a city from SOURCE: an OSM file (.osm, .osm.bz2, .osm.gz, .osm.pbf), a line layer of street
    centrelines (.gpkg, .shp, .fgb; in any CRS pyproj knows, with class/speed/oneway/name fields) or a place name.

    Without SOURCE the city profile's own extract is used.
    """
    if background:
        from pathlib import Path

        if source and Path(source).exists():
            source = str(Path(source).resolve())
        return submit(name, "city_build", {"name": name, "source": source}, as_json)
    from geo.city import build_city, city_summary

    built = build_city(name, source, force=force, progress=Reporter())
    summary = city_summary(built)
    emit(summary, as_json, summary_text(summary))


@city.command("info")
@click.option("--city", "--name", "name", default="chengdu", show_default=True, help="City profile name (slug).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@reports_errors
def info(name: str, as_json: bool) -> None:
    """Describe a built city: per mode nodes, edges, street km, bounding box and CRS."""
    from geo.city import city_summary, get_city

    summary = city_summary(get_city(name, progress=Reporter()))
    emit(summary, as_json, summary_text(summary))
