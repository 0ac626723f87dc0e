"""Generated cities written as real OSM files (reproducible from a seed, never downloaded).

A city is one or more towns: each a jittered street grid (residential streets, a tertiary every
5th line, a secondary every 10th, a primary every 20th; some one-ways; varied ``maxspeed``;
footways through some blocks; intermediate shape nodes that simplification removes), with
markets, schools, a mall and a station as OSM features. Towns are joined by rural roads.
The file goes through ``patrol city build`` like any extract. Coordinates are WGS-84.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import osmium

__all__ = ["Town", "grid_city_towns", "scale_city_towns", "write_city"]

_M_PER_DEG_LAT = 111_320.0


@dataclass(frozen=True)
class Town:
    """A jittered street grid: centre (lon, lat, degrees), size in intersections, spacing (m). Its border streets
    are two-way, so the rural roads at its corners join it both ways."""

    lon: float
    lat: float
    rows: int
    cols: int
    spacing_m: float = 100.0
    name: str = "Town"
    features_per_kind: int | None = None  # key-block features of each kind (default: one per 2,500 intersections)


def grid_city_towns(foot_nodes: int, *, lon: float = 120.68, lat: float = 30.51) -> list[Town]:
    """One town with about ``foot_nodes`` intersections (a square grid, 100 m apart)."""
    side = max(3, int(round(foot_nodes ** 0.5)))
    return [Town(lon, lat, side, side, 100.0, "Grid")]


def scale_city_towns(*, lon: float = 120.68, lat: float = 30.51) -> list[Town]:
    """A Haining-sized city (about 900 km2, over 60,000 foot nodes): a dense centre (150 x 150 intersections, 70 m
    apart) and eight towns (70 x 70, 90 m) on a ring 12 km out, joined in turn by rural roads; about 300 key-block
    features (markets, schools, malls, kindergartens, stations). Coordinates WGS-84 (degrees)."""
    towns = [Town(lon, lat, 150, 150, 70.0, "Centre", features_per_kind=41)]
    for k in range(8):
        angle = 2 * np.pi * k / 8
        dx_m, dy_m = 12_000 * np.cos(angle), 12_000 * np.sin(angle)
        towns.append(Town(lon + dx_m / (_M_PER_DEG_LAT * np.cos(np.radians(lat))), lat + dy_m / _M_PER_DEG_LAT,
                          70, 70, 90.0, f"Town{k + 1}", features_per_kind=4))
    return towns


class _Writer:
    """Collects nodes and ways, then writes them sorted (all nodes, then all ways) as real OSM."""

    def __init__(self, path: Path):
        self.path = path
        self.nodes: list[tuple[float, float, dict]] = []
        self.ways: list[tuple[list[int], dict]] = []

    def node(self, lon: float, lat: float, tags=None) -> int:
        self.nodes.append((float(lon), float(lat), tags or {}))
        return len(self.nodes)

    def way(self, nodes: list[int], tags: dict) -> int:
        self.ways.append((nodes, tags))
        return len(self.ways)

    def close(self) -> None:
        with osmium.SimpleWriter(str(self.path)) as writer:
            for node_id, (lon, lat, tags) in enumerate(self.nodes, start=1):
                writer.add_node(osmium.osm.mutable.Node(id=node_id, location=osmium.osm.Location(lon, lat),
                                                         tags=tags))
            for way_id, (nodes, tags) in enumerate(self.ways, start=1):
                writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=nodes, tags=tags))


def _class_of(index: int) -> tuple[str, str]:
    """Highway class and maxspeed (km/h text, or '') of grid line ``index``."""
    if index % 20 == 0:
        return "primary", "60"
    if index % 10 == 0:
        return "secondary", "50"
    if index % 5 == 0:
        return "tertiary", "40"
    return "residential", ("30" if index % 3 == 0 else "")


def _town(out: _Writer, town: Town, rng: np.random.Generator, town_index: int) -> list[int]:
    """Write one town's streets and key-block features; return the ids of its corner nodes."""
    dlat = town.spacing_m / _M_PER_DEG_LAT
    dlon = dlat / np.cos(np.radians(town.lat))
    lon0 = town.lon - dlon * (town.cols - 1) / 2
    lat0 = town.lat - dlat * (town.rows - 1) / 2
    jitter = rng.uniform(-0.15, 0.15, size=(town.rows, town.cols, 2))
    ids = np.zeros((town.rows, town.cols), dtype=np.int64)
    coords = np.zeros((town.rows, town.cols, 2))
    for r in range(town.rows):
        for c in range(town.cols):
            x = lon0 + (c + jitter[r, c, 0]) * dlon
            y = lat0 + (r + jitter[r, c, 1]) * dlat
            coords[r, c] = (x, y)
            ids[r, c] = out.node(x, y)

    def street(cells: list[tuple[int, int]], index: int, name: str, *, oneway: bool) -> None:
        nodes = [int(ids[cells[0]])]
        for a, b in zip(cells[:-1], cells[1:], strict=True):
            if rng.random() < 0.3:  # a shape node, removed by simplification
                mid = (coords[a] + coords[b]) / 2 + rng.normal(0, 0.05, 2) * (dlon, dlat)
                nodes.append(out.node(float(mid[0]), float(mid[1])))
            nodes.append(int(ids[b]))
        highway, maxspeed = _class_of(index)
        tags = {"highway": highway, "name": name}
        if maxspeed:
            tags["maxspeed"] = maxspeed
        if oneway:
            tags["oneway"] = "yes"
        out.way(nodes, tags)

    for r in range(town.rows):
        oneway = _class_of(r)[0] == "residential" and rng.random() < 0.15 and 0 < r < town.rows - 1
        street([(r, c) for c in range(town.cols)], r, f"{town.name} Street {r + 1}", oneway=oneway)
    for c in range(town.cols):
        oneway = _class_of(c)[0] == "residential" and rng.random() < 0.15 and 0 < c < town.cols - 1
        street([(r, c) for r in range(town.rows)], c, f"{town.name} Avenue {c + 1}", oneway=oneway)
    # Footways across some blocks (foot only), and key-block features.
    for _ in range(max(1, town.rows * town.cols // 200)):
        r, c = int(rng.integers(0, town.rows - 1)), int(rng.integers(0, town.cols - 1))
        out.way([int(ids[r, c]), int(ids[r + 1, c + 1])], {"highway": "footway"})
    features = [("amenity", "marketplace", "Market"), ("amenity", "school", "School"),
                ("shop", "mall", "Mall"), ("railway", "station", "Station"), ("amenity", "kindergarten", "Kindergarten")]
    per_kind = town.features_per_kind or max(1, town.rows * town.cols // 2500)
    for key, value, label in features:
        for k in range(per_kind if value != "station" else 1):
            r, c = int(rng.integers(1, town.rows - 2)), int(rng.integers(1, town.cols - 2))
            if value in ("school", "mall"):  # an area: the block between four intersections, shrunk
                x0, y0 = coords[r, c] + (0.25 * dlon, 0.25 * dlat)
                x1, y1 = coords[r, c] + (0.75 * dlon, 0.75 * dlat)
                ring = [out.node(x, y) for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
                out.way(ring + ring[:1], {key: value, "name": f"{town.name} {label} {k + 1}"})
            else:
                x, y = coords[r, c] + (0.5 * dlon, 0.1 * dlat)
                out.node(float(x), float(y), {key: value, "name": f"{town.name} {label} {k + 1}"})
    corners = [(0, 0), (0, town.cols - 1), (town.rows - 1, 0), (town.rows - 1, town.cols - 1)]
    return [int(ids[rc]) for rc in corners]


def write_city(path: str | Path, towns: list[Town], *, seed: int = 0) -> Path:
    """Write a generated city as an OSM file (``.osm.pbf`` or ``.osm``) and return its path.

    Towns are joined in order by a rural road (tertiary, 80 km/h) from a corner of one to a
    corner of the next. The same towns and seed give the same file.
    """
    path = Path(path)
    path.unlink(missing_ok=True)
    rng = np.random.default_rng(seed)
    out = _Writer(path)
    corners = [_town(out, town, rng, index) for index, town in enumerate(towns)]
    for index in range(len(towns) - 1):
        a, b = corners[index][3], corners[index + 1][0]
        out.way([a, b], {"highway": "tertiary", "maxspeed": "80", "name": f"Rural Road {index + 1}"})
    out.close()
    return path
