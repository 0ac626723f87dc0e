"""An offline geocoder built from the city's OSM names (no network).

It knows street names (Chinese and English, and base names without sections such as 一段 or 北三段),
street + house number where OSM has ``addr:*`` tags, intersections of two streets, and named places
(markets, schools, malls, stations, parks, buildings ...). Queries may carry province, city and
district prefixes ("四川省成都市金牛区..."), intersection phrasing ("X路与Y路交叉口", "X路/Y路",
"X and Y") and typos (fuzzy matching with rapidfuzz). Results are WGS-84 lon/lat with a confidence
in 0..1 and the matched name; an unresolvable query is an error listing the best candidates.
"""

import logging
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import osmium
import pyproj
import shapely
from rapidfuzz import fuzz, process

from geo.errors import OsmFileError, PatrolError
from geo.osm import check_osm_file

log = logging.getLogger(__name__)

__all__ = ["GeocodeError", "GeocodeResult", "Geocoder", "normalize_name"]

_PLACE_KEYS: Final = ("amenity", "shop", "tourism", "leisure", "railway", "public_transport", "historic",
                      "office", "building", "landuse", "place")
_SECTION = re.compile(r"(?:[东西南北中])?(?:[一二三四五六七八九十]+)?段$")
_DIRECTION_SECTION = re.compile(r"[东西南北中]段$")
_INTERSECTION_TAIL = re.compile(r"(?:十字路口|交叉路口|交叉口|交汇处|交界处|路口|口)$")
_INTERSECTION_SPLIT = re.compile(r"与|和|跟|/|&|＆|\band\b|、|\bx\b|交")
_HOUSE_NUMBER = re.compile(r"^(?P<street>.+?)(?P<number>\d+)(?:号|號)?(?:附\d+号)?(?:.*)$")
_PROVINCE = re.compile(r"^(?:[\u4e00-\u9fff]{2,3}省|[\u4e00-\u9fff]{2,8}自治区)")
_CITY = re.compile(r"^[\u4e00-\u9fff]{2,3}市(?!场)")
_DISTRICT = re.compile(r"^[\u4e00-\u9fff]{2,3}(?:区|县)(?!域)")
_PUNCT = re.compile(r"[\s'\"‘’“”·・.,，。()（）\[\]【】_\-—]+")
_ACCEPT_SCORE: Final = 72.0
_NEAR_JUNCTION_M: Final = 60.0


class GeocodeError(PatrolError):
    """An address could not be resolved; the message lists the best candidates."""


@dataclass(frozen=True)
class GeocodeResult:
    """A resolved address: WGS-84 lon/lat, confidence (0..1), the matched name and its kind."""

    lon: float
    lat: float
    confidence: float
    match: str
    kind: str  # street | place | address | intersection


def normalize_name(text: str) -> str:
    """Fold width and case, drop spaces and punctuation: the key names are compared by."""
    text = unicodedata.normalize("NFKC", str(text)).lower()
    return _PUNCT.sub("", text)


def _name_variants(tags) -> list[str]:
    names = []
    for key in ("name", "name:zh", "name:en", "alt_name", "old_name", "official_name"):
        value = tags.get(key)
        if value:
            names.extend(part.strip() for part in re.split(r"\s+-\s+|;", value) if part.strip())
    return names


def _base_name(name: str) -> str | None:
    """The street name without its section ("人民北路一段" -> "人民北路"), or None."""
    base = _SECTION.sub("", name)
    if base == name:
        base = _DIRECTION_SECTION.sub("", name)
    return base if base != name and len(base) >= 2 else None


class _UnsortedFileError(Exception):
    """The OSM file is not sorted by type and id (areas cannot be assembled)."""


def _named_objects(path: Path, *, assemble_areas: bool):
    """Yield the OSM objects of ``path`` that carry a name, an address or ``highway``.

    With ``assemble_areas``, closed ways and multipolygons come as areas; that needs a file sorted
    by type and id, and an unsorted one raises _UnsortedFileError.
    """
    wanted = osmium.filter.KeyFilter("name", "name:zh", "name:en", "addr:street", "highway")
    processor = osmium.FileProcessor(str(path)).with_locations()
    if assemble_areas:
        processor = processor.with_areas(wanted)
    try:
        yield from processor.with_filter(wanted)
    except RuntimeError as exc:
        if "out of order" in str(exc):
            raise _UnsortedFileError(str(exc)) from None
        raise OsmFileError(f"{path}: cannot read the OSM data (corrupt or truncated file?): {exc}") from None


class Geocoder:
    """Offline geocoder over one city's OSM names (see the module docstring)."""

    def __init__(self, osm_path: str | Path, jurisdiction, local_crs: pyproj.CRS, *, prefixes=()):
        self.prefixes = tuple(sorted(prefixes, key=len, reverse=True))
        self.to_local = pyproj.Transformer.from_crs("EPSG:4326", local_crs, always_xy=True)
        self.to_wgs84 = pyproj.Transformer.from_crs(local_crs, "EPSG:4326", always_xy=True)
        self.jurisdiction = jurisdiction
        path = check_osm_file(osm_path)
        try:
            street_lines, node_streets, node_xy = self._read(path, assemble_areas=True)
        except _UnsortedFileError:
            log.warning("%s is not sorted by id: named areas left out of the geocoder ('osmium sort' fixes it)", path)
            street_lines, node_streets, node_xy = self._read(path, assemble_areas=False)
        self._finish_streets(street_lines)
        self._finish_intersections(node_streets, node_xy)
        self._names = list(self.places) + [k for k in self.streets if k not in self.places]

    def _read(self, path: Path, *, assemble_areas: bool):
        """Read streets, places and addresses (raises _UnsortedFileError if areas need a sorted file)."""
        street_lines: dict[str, list] = defaultdict(list)
        self.places: dict[str, tuple[float, float, str]] = {}
        self.addresses: dict[tuple[str, str], tuple[float, float, str]] = {}
        node_streets: dict[int, set[str]] = defaultdict(set)
        node_xy: dict[int, tuple[float, float]] = {}
        factory = osmium.geom.WKBFactory()
        for obj in _named_objects(path, assemble_areas=assemble_areas):
            tags = obj.tags
            try:
                if obj.is_way() and "highway" in tags:
                    names = _name_variants(tags)
                    if not names:
                        continue
                    coords = [(n.location.lon, n.location.lat) for n in obj.nodes if n.location.valid()]
                    if len(coords) < 2:
                        continue
                    line = shapely.LineString(coords)
                    for name in names:
                        for variant in filter(None, (name, _base_name(name))):
                            street_lines[normalize_name(variant)].append((variant, line))
                    for node in obj.nodes:
                        if node.location.valid():
                            node_xy[node.ref] = (node.location.lon, node.location.lat)
                            for name in names:
                                node_streets[node.ref].add(normalize_name(name))
                                base = _base_name(name)
                                if base:
                                    node_streets[node.ref].add(normalize_name(base))
                    continue
                if obj.is_node():
                    point = (obj.location.lon, obj.location.lat)
                elif obj.is_area():
                    point = shapely.from_wkb(factory.create_multipolygon(obj)).representative_point().coords[0]
                else:
                    continue
            except (osmium.InvalidLocationError, RuntimeError):
                continue
            self._add_place(tags, point)
        return street_lines, node_streets, node_xy

    def _add_place(self, tags, point) -> None:
        if tags.get("addr:housenumber") and tags.get("addr:street"):
            number = re.match(r"\d+", unicodedata.normalize("NFKC", tags.get("addr:housenumber")))
            if number:
                key = (normalize_name(tags.get("addr:street")), number.group(0))
                self.addresses.setdefault(key, (point[0], point[1], f"{tags.get('addr:street')}{number.group(0)}号"))
        if any(key in tags for key in _PLACE_KEYS):
            for name in _name_variants(tags):
                key = normalize_name(name)
                if len(key) >= 2:
                    self.places.setdefault(key, (point[0], point[1], name))

    def _finish_streets(self, street_lines) -> None:
        """One point per street name: the point of its lines nearest their centre."""
        self.streets: dict[str, tuple[float, float, str]] = {}
        self._lines_m: dict[str, shapely.MultiLineString] = {}
        names, geoms = [], []
        for key, items in street_lines.items():
            lines = shapely.MultiLineString([line for _, line in items])
            self._lines_m[key] = shapely.transform(lines, self._project)
            centre = lines.centroid
            point = shapely.ops.nearest_points(lines, centre)[0]
            self.streets[key] = (point.x, point.y, items[0][0])
            if _base_name(items[0][0]) is not None or key not in {normalize_name(_base_name(n) or "") for n, _ in items}:
                names.append(items[0][0])
                geoms.append(lines)
        self._street_names = names
        self._street_lines_m = shapely.transform(np.array(geoms, dtype=object), self._project)
        self._street_tree = shapely.STRtree(self._street_lines_m)

    def _finish_intersections(self, node_streets, node_xy) -> None:
        """For each pair of street names sharing a node: the shared node nearest their centre."""
        candidates: dict[frozenset, list[tuple[float, float]]] = defaultdict(list)
        for node, names in node_streets.items():
            names = sorted(names)
            for i, a in enumerate(names):
                for b in names[i + 1:]:
                    if a not in b and b not in a:  # not a street and its own base name
                        candidates[frozenset((a, b))].append(node_xy[node])
        self.intersections: dict[frozenset, tuple[float, float]] = {}
        for pair, points in candidates.items():
            xy = np.array(points)
            centre = xy.mean(axis=0)
            self.intersections[pair] = tuple(xy[np.argmin(((xy - centre) ** 2).sum(axis=1))])

    # -- queries ----------------------------------------------------------------------------------
    def strip_prefixes(self, text: str) -> str:
        """Drop province, city and district prefixes (the profile's, then generic patterns)."""
        changed = True
        while changed:
            changed = False
            for prefix in self.prefixes:
                key = normalize_name(prefix)
                if text.startswith(key) and len(text) > len(key):
                    text, changed = text[len(key):], True
            for pattern in (_PROVINCE, _CITY, _DISTRICT):
                stripped = pattern.sub("", text, count=1)
                if stripped != text and len(stripped) >= 2:
                    text, changed = stripped, True
        return text

    def geocode(self, query: str) -> GeocodeResult:
        """Resolve an address, place, street or intersection to a WGS-84 point."""
        raw = normalize_name(re.sub(r"\s+(?:and|x|&)\s+", "与", str(query), flags=re.IGNORECASE))
        if not raw:
            raise GeocodeError("empty address.")
        variants = list(dict.fromkeys([raw, self.strip_prefixes(raw)]))
        for text in variants:
            result = self._exact(text)
            if result:
                return result
        for text in variants:
            result = self._intersection(text) or self._house_number(text)
            if result:
                return result
        return self._fuzzy(variants[-1], query)

    def _exact(self, text: str) -> GeocodeResult | None:
        if text in self.places:
            lon, lat, name = self.places[text]
            return GeocodeResult(lon, lat, 1.0, name, "place")
        if text in self.streets:
            lon, lat, name = self.streets[text]
            return GeocodeResult(lon, lat, 0.6, name, "street")
        return None

    def _street_key(self, text: str) -> tuple[str, float] | None:
        """The street name key best matching ``text``, with a score 0..1.

        Exact names first, then names that contain the text (the shortest), then fuzzy matches.
        """
        text = _INTERSECTION_TAIL.sub("", text)
        if len(text) < 2:
            return None
        if text in self.streets:
            return text, 1.0
        containing = [k for k in self.streets if text in k]
        if containing:
            best = min(containing, key=lambda k: (len(k), k))
            return best, 0.9
        found = process.extractOne(text, list(self.streets), scorer=fuzz.ratio, score_cutoff=_ACCEPT_SCORE)
        return (found[0], found[1] / 100.0) if found else None

    def _intersection(self, text: str) -> GeocodeResult | None:
        body = _INTERSECTION_TAIL.sub("", text)
        for separator in _INTERSECTION_SPLIT.finditer(body):
            left, right = body[:separator.start()], body[separator.end():]
            if len(left) < 2 or len(right) < 2:
                continue
            result = self._crossing(left, right)
            if result:
                return result
        return None

    def _crossing(self, left: str, right: str) -> GeocodeResult | None:
        keys = [self._street_key(left), self._street_key(right)]
        if not all(keys):
            return None
        (a, score_a), (b, score_b) = keys
        if a == b:
            return None
        candidates = [frozenset((x, y)) for x in self._with_base(a) for y in self._with_base(b)]
        names = f"{self.streets[a][2]} / {self.streets[b][2]}"
        for pair in candidates:
            if pair in self.intersections:
                lon, lat = self.intersections[pair]
                return GeocodeResult(float(lon), float(lat), round(0.95 * min(score_a, score_b), 3), names, "intersection")
        # No shared node (a junction drawn with a gap, or a corner of a square): the closest approach.
        near_a, near_b = shapely.ops.nearest_points(self._lines_m[a], self._lines_m[b])
        if near_a.distance(near_b) <= _NEAR_JUNCTION_M:
            lon, lat = self.to_wgs84.transform((near_a.x + near_b.x) / 2, (near_a.y + near_b.y) / 2)
            return GeocodeResult(float(lon), float(lat), round(0.8 * min(score_a, score_b), 3), names, "intersection")
        return None

    def _with_base(self, key: str) -> list[str]:
        base = _base_name(key)
        return [key, base] if base and base in self.streets else [key]

    def _house_number(self, text: str) -> GeocodeResult | None:
        match = _HOUSE_NUMBER.match(text)
        if not match:
            return None
        number = match.group("number")
        written = match.group("street")
        if (written, number) in self.addresses:  # the street as OSM's addr:street spells it
            lon, lat, name = self.addresses[(written, number)]
            return GeocodeResult(lon, lat, 0.9, name, "address")
        street = self._street_key(written)
        if not street:
            return None
        key, score = street
        for candidate in self._with_base(key):
            if (candidate, number) in self.addresses:
                lon, lat, name = self.addresses[(candidate, number)]
                return GeocodeResult(lon, lat, round(0.9 * score, 3), name, "address")
        lon, lat, name = self.streets[key]
        return GeocodeResult(lon, lat, round(0.5 * score, 3), f"{name} (no house {number} in OSM)", "street")

    def _fuzzy(self, text: str, query: str) -> GeocodeResult:
        """Whole-name similarity first (typos); then partial similarity, held to a higher bar."""
        whole = process.extractOne(text, self._names, scorer=fuzz.ratio, score_cutoff=_ACCEPT_SCORE + 5)
        found = [whole] if whole else process.extract(text, self._names, scorer=fuzz.WRatio, limit=3)
        if found and found[0][1] >= _ACCEPT_SCORE + 5:
            key, score, _ = found[0]
            if key in self.places:
                lon, lat, name = self.places[key]
                return GeocodeResult(lon, lat, round(0.9 * score / 100, 3), name, "place")
            lon, lat, name = self.streets[key]
            return GeocodeResult(lon, lat, round(0.55 * score / 100, 3), name, "street")
        candidates = ", ".join(f"{self._display(k)} ({s:.0f}%)" for k, s, _ in found) or "none"
        raise GeocodeError(f"cannot resolve address {query!r}; best candidates: {candidates}.")

    def _display(self, key: str) -> str:
        entry = self.places.get(key) or self.streets.get(key)
        return entry[2] if entry else key

    # -- reverse --------------------------------------------------------------------------------
    def _project(self, xy):
        return np.column_stack(self.to_local.transform(xy[:, 0], xy[:, 1]))

    def nearest_street(self, lon: float, lat: float) -> tuple[str, float] | None:
        """The nearest named street of a WGS-84 point and its distance (m), or None."""
        if not self._street_names:
            return None
        point = shapely.Point(*self.to_local.transform(lon, lat))
        index = int(self._street_tree.nearest(point))
        return self._street_names[index], float(self._street_lines_m[index].distance(point))
