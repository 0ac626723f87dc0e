"""``patrol blocks derive|list|import|export``: the key blocks squadrons patrol."""

import click

from cli.common import Reporter, emit, open_store, reports_errors

__all__ = ["blocks"]

CITY = click.option("--city", "name", default="chengdu", show_default=True, help="City profile name (slug).")
JSON = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
MODE = click.option("--mode", default="foot", show_default=True, help="Travel mode whose streets are counted.")


def _table(city, blocks_gdf, mode: str) -> list[dict]:
    from geo.blocks.segments import block_street_km

    street_km = block_street_km(blocks_gdf, city.router(mode))
    areas = blocks_gdf.to_crs(city.crs).geometry.area
    return [
        {
            "id": row["id"],
            "name": row["name"],
            "kind": row["kind"],
            "area_m2": round(float(area), 1),
            "street_km": round(street_km[row["id"]], 3),
            "priority": float(row["priority"]),
            "visits_per_shift": int(row["visits_per_shift"]),
            "squadron": row["squadron"],
        }
        for (_, row), area in zip(blocks_gdf.iterrows(), areas, strict=True)
    ]


def _by_kind(rows: list[dict]) -> dict:
    kinds: dict[str, dict] = {}
    for row in rows:
        entry = kinds.setdefault(row["kind"], {"count": 0, "names": []})
        entry["count"] += 1
        entry["names"].append(row["name"])
    return kinds


@click.group()
def blocks() -> None:
    """Key blocks: markets, commercial streets, school surroundings, transit hubs ..."""


@blocks.command("derive")
@CITY
@MODE
@JSON
@reports_errors
def derive(name: str, mode: str, as_json: bool) -> None:
    """Derive the default key blocks from the city's OSM extract (replaces the current blocks)."""
    from geo import paths
    from geo.blocks.io import write_blocks_file
    from geo.blocks.store import derive_city_blocks
    from geo.blocks.validate import find_overlaps
    from geo.city import get_city
    from planner.key_blocks import save_blocks

    progress = Reporter()
    city = get_city(name, progress=progress)
    progress("deriving key blocks from OpenStreetMap ...")
    blocks_gdf = derive_city_blocks(city)
    save_blocks(open_store(), city, blocks_gdf)
    path = None
    if len(blocks_gdf):  # a copy for QGIS; the store holds the blocks every server uses
        folder = paths.instance_dir() / "cities" / city.slug
        folder.mkdir(parents=True, exist_ok=True)
        path = write_blocks_file(blocks_gdf, folder / "key_blocks-derived.gpkg")
    rows = _table(city, blocks_gdf, mode)
    kinds = _by_kind(rows)
    data = {"city": city.slug, "count": len(rows), "path": str(path) if path else None, "stored_in": "database",
            "by_kind": kinds, "overlaps": find_overlaps(blocks_gdf, city.crs), "blocks": rows}
    text = [f"{len(rows)} key blocks derived for {city.slug}, saved in the database"
            + (f" (a copy for QGIS: {path})" if path else "")]
    text += [f"  {kind}: {v['count']} (e.g. {'、'.join(v['names'][:4])})" for kind, v in kinds.items()]
    emit(data, as_json, "\n".join(text))


@blocks.command("list")
@CITY
@MODE
@JSON
@reports_errors
def list_blocks(name: str, mode: str, as_json: bool) -> None:
    """List the key blocks with area (m2) and street km (inside or along each block)."""
    from geo.city import get_city
    from planner.key_blocks import load_blocks

    progress = Reporter()
    city = get_city(name, progress=progress)
    rows = _table(city, load_blocks(open_store(), city, progress=progress), mode)
    text = "\n".join(
        f"{r['id']:8s} {r['kind']:20s} {r['area_m2']:>10,.0f} m2 {r['street_km']:6.2f} km  {r['name']}" for r in rows
    )
    emit(rows, as_json, text or "no key blocks")


@blocks.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--datum", default="wgs84", show_default=True, help="Datum of lon/lat files: wgs84, gcj02 (Amap) or bd09.")
@click.option("--replace", is_flag=True, help="Replace all current blocks instead of adding/updating by id.")
@CITY
@MODE
@JSON
@reports_errors
def import_file(file: str, datum: str, replace: bool, name: str, mode: str, as_json: bool) -> None:
    """Import key blocks from a GeoJSON or GeoPackage FILE (all or nothing)."""
    from geo.city import get_city
    from planner.key_blocks import import_blocks

    city = get_city(name, progress=Reporter())
    blocks_gdf, report = import_blocks(open_store(), city, file, datum=datum, replace=replace)
    data = {"city": city.slug, "imported_from": file, "count": len(blocks_gdf), **report.as_dict()}
    lines = [f"imported {file}: the city now has {len(blocks_gdf)} key blocks"]
    lines += [f"  repaired row {r['row']} ({r['id']}): {r['note']}" for r in report.repaired]
    lines += [f"  warning row {w['row']} ({w['id']}): {w['warning']}" for w in report.warnings]
    lines += [f"  overlap {o['ids'][0]} / {o['ids'][1]}: {o['overlap_m2']:,.0f} m2" for o in report.overlaps]
    emit(data, as_json, "\n".join(lines))


@blocks.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@CITY
@MODE
@JSON
@reports_errors
def export_file(file: str, name: str, mode: str, as_json: bool) -> None:
    """Export the key blocks to FILE (.geojson or .gpkg, EPSG:4326) with area_m2 and street_km."""
    from geo.blocks.io import write_blocks_file
    from geo.city import get_city
    from planner.key_blocks import load_blocks

    progress = Reporter()
    city = get_city(name, progress=progress)
    blocks_gdf = load_blocks(open_store(), city, progress=progress)
    rows = {r["id"]: r for r in _table(city, blocks_gdf, mode)}
    blocks_gdf["area_m2"] = [rows[i]["area_m2"] for i in blocks_gdf["id"]]
    blocks_gdf["street_km"] = [rows[i]["street_km"] for i in blocks_gdf["id"]]
    path = write_blocks_file(blocks_gdf, file, extra_columns=("area_m2", "street_km"))
    emit({"city": city.slug, "path": str(path), "count": len(blocks_gdf)}, as_json,
         f"wrote {len(blocks_gdf)} key blocks to {path}")
