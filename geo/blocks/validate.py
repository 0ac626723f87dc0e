"""Validating key blocks: every problem of a file is found and reported at once.

Rules (areas measured in the city's local metric CRS):
- ``id``, ``name`` and ``kind`` are required; ids are unique; ``kind`` is one of the known kinds;
  ``priority`` is a positive number and ``visits_per_shift`` a whole number >= 0 when given.
- The geometry is a non-empty Polygon or MultiPolygon with lon/lat in range (swapped lon/lat is
  named as such). An invalid polygon is repaired with ``make_valid`` only when the repair changes
  its area by under 1 %; otherwise it is rejected with the reason GEOS gives.
- A block wholly outside the city's jurisdiction is rejected (with its distance); one partly
  outside is accepted with a warning.
- Overlapping blocks are reported (which ones, overlap area in m2), not rejected.
"""

import math
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.validation import explain_validity

from geo.blocks.model import COLUMNS, KIND_DEFAULTS, KINDS, REQUIRED, normalize_kind
from geo.errors import PatrolError
from geo.polygons import shape_problem

__all__ = ["BlockValidationError", "ValidationReport", "find_overlaps", "validate_blocks"]

MAX_REPAIR_AREA_CHANGE = 0.01


class BlockValidationError(PatrolError):
    """A key-block file has problems; ``problems`` lists each with its row, block id and field."""

    def __init__(self, problems: list[dict], source: str = "key blocks"):
        self.problems = problems
        lines = [f"row {p['row']} (block {p['id']!r}) {p['field']}: {p['problem']}" for p in problems]
        super().__init__(f"{source}: {len(problems)} problem(s), nothing imported:\n- " + "\n- ".join(lines))


@dataclass
class ValidationReport:
    """What validation changed or noticed without rejecting: repairs, overlaps, warnings."""

    repaired: list[dict] = field(default_factory=list)
    overlaps: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        """JSON-ready report."""
        return {"repaired": self.repaired, "overlaps": self.overlaps, "warnings": self.warnings}


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == ""


def _polygonal(geom):
    """Keep only the polygon parts of a geometry (make_valid can add lines and points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _repair(geom, to_local):
    """Return (geometry, note, error): repaired if the area changes by under 1 %, else an error."""
    reason = explain_validity(geom)
    fixed = _polygonal(shapely.make_valid(geom))
    before = abs(shapely.transform(geom, to_local).area)
    after = shapely.transform(fixed, to_local).area if not fixed.is_empty else 0.0
    # A bow-tie's lobes cancel in its signed area, so its "repair" changes the area without bound.
    worst = abs(after - before) / before if before > 0 else math.inf
    if fixed.is_empty or worst >= MAX_REPAIR_AREA_CHANGE:
        percent = "an unknown share" if math.isinf(worst) else f"{worst:.1%}"
        return None, None, f"invalid polygon ({reason}); repairing it would change its area by {percent} (limit 1%)"
    return fixed, f"repaired invalid polygon ({reason}); area changed by {worst:.2%}", None


def validate_blocks(raw_gdf: gpd.GeoDataFrame, jurisdiction, local_crs: pyproj.CRS, *,
                    source: str = "key blocks", rows=None) -> tuple[gpd.GeoDataFrame, ValidationReport]:
    """Validate raw blocks (EPSG:4326) against a jurisdiction polygon (WGS-84).

    ``rows`` gives the row number of each feature in its file (default 1, 2, ...). Returns the
    clean blocks and a report; raises BlockValidationError listing every problem.
    """
    to_local = _transformer(local_crs)
    rows = list(rows) if rows is not None else list(range(1, len(raw_gdf) + 1))
    problems: list[dict] = []
    report = ValidationReport()
    seen_ids: dict[str, int] = {}
    city_local = shapely.transform(jurisdiction, to_local) if jurisdiction is not None else None
    records = []
    for row, (_, feature) in zip(rows, raw_gdf.iterrows(), strict=True):
        block_id = None if _blank(feature.get("id")) else str(feature.get("id")).strip()
        found = []

        def problem(field_name, text, found=found, row=row, block_id=block_id):
            found.append({"row": row, "id": block_id, "field": field_name, "problem": text})

        for name in REQUIRED:
            if _blank(feature.get(name)):
                problem(name, "required field is missing or empty")
        if block_id is not None:
            if block_id in seen_ids:
                problem("id", f"duplicate id (also on row {seen_ids[block_id]})")
            else:
                seen_ids[block_id] = row
        kind = normalize_kind(feature.get("kind"))
        if kind is None and not _blank(feature.get("kind")):
            problem("kind", f"unknown kind {feature.get('kind')!r}; known kinds: {', '.join(KINDS)}")
        priority = _number(feature.get("priority"), KIND_DEFAULTS.get(kind, {}).get("priority", 1.0))
        if priority is None or priority <= 0:
            problem("priority", f"must be a positive number; got {feature.get('priority')!r}")
        visits = _number(feature.get("visits_per_shift"), KIND_DEFAULTS.get(kind, {}).get("visits_per_shift", 1))
        if visits is None or visits < 0 or visits != int(visits):
            problem("visits_per_shift", f"must be a whole number >= 0; got {feature.get('visits_per_shift')!r}")
        geom = _check_geometry(feature.geometry, problem, report, to_local, city_local, row, block_id)
        problems.extend(found)
        if not found:
            records.append({
                "id": block_id,
                "name": str(feature.get("name")).strip(),
                "kind": kind,
                "priority": float(priority),
                "squadron": None if _blank(feature.get("squadron")) else str(feature.get("squadron")).strip(),
                "visits_per_shift": int(visits),
                "source": None if _blank(feature.get("source")) else str(feature.get("source")),
                "geometry": geom,
            })
    if problems:
        raise BlockValidationError(problems, source)
    blocks_gdf = gpd.GeoDataFrame(records, columns=list(COLUMNS), geometry="geometry", crs="EPSG:4326")
    report.overlaps = find_overlaps(blocks_gdf, local_crs)
    return blocks_gdf, report


def _check_geometry(geom, problem, report, to_local, city_local, row, block_id):
    shape = shape_problem(geom)
    if shape:
        problem("geometry", shape)
        return None
    if not geom.is_valid:
        geom, note, error = _repair(geom, to_local)
        if error:
            problem("geometry", error)
            return None
        report.repaired.append({"row": row, "id": block_id, "note": note})
    if city_local is not None:
        local = shapely.transform(geom, to_local)
        if not local.intersects(city_local):
            problem("geometry", f"lies outside the city ({local.distance(city_local) / 1000:.1f} km from its boundary)")
            return None
        outside = local.difference(city_local).area / local.area if local.area > 0 else 0.0
        if outside > 0.01:
            report.warnings.append({"row": row, "id": block_id, "warning": f"{outside:.0%} of the block lies outside the city"})
    return geom


def _number(value, default):
    if _blank(value):
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _transformer(local_crs: pyproj.CRS):
    transformer = pyproj.Transformer.from_crs("EPSG:4326", local_crs, always_xy=True)

    def to_local(xy):
        return np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))

    return to_local


def find_overlaps(blocks_gdf: gpd.GeoDataFrame, local_crs: pyproj.CRS, *, min_area_m2: float = 1.0) -> list[dict]:
    """Pairs of blocks that overlap, with the overlap area (m2, local CRS)."""
    if len(blocks_gdf) < 2:
        return []
    local = blocks_gdf.to_crs(local_crs)
    left, right = local.sindex.query(local.geometry, predicate="intersects")
    overlaps = []
    for i, j in zip(left, right, strict=True):
        if i >= j:
            continue
        area = local.geometry.iloc[i].intersection(local.geometry.iloc[j]).area
        if area >= min_area_m2:
            overlaps.append({"ids": [local["id"].iloc[i], local["id"].iloc[j]], "overlap_m2": round(float(area), 1)})
    return overlaps


def blocks_from_records(records: list[dict]) -> gpd.GeoDataFrame:
    """Build a raw blocks GeoDataFrame (EPSG:4326) from dicts with a ``geometry`` key."""
    frame = pd.DataFrame(records)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")
