"""City profiles: what a city is built from and how its travel modes behave.

A profile is a TOML file ``data/cities/<slug>/profile.toml``. Paths in it are relative to its
folder; ``{shared}`` stands for the shared folder beside the checkout. Every field is validated
when the profile is loaded and every problem is reported at once, naming the field.
"""

import hashlib
import json
import tomllib
import zoneinfo
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Final

from geo import paths
from geo.crs import DATUMS
from geo.errors import ProfileError, UnknownCityError, UnknownModeError

__all__ = [
    "MODES",
    "CityProfile",
    "ModeProfile",
    "check_mode",
    "default_profile",
    "list_profiles",
    "load_profile",
    "with_inferred",
]

MODES: Final = ("foot", "ebike", "car")

_DEFAULT_HIGHWAYS: Final = {
    "foot": [
        "trunk", "trunk_link", "primary", "primary_link", "secondary", "secondary_link",
        "tertiary", "tertiary_link", "unclassified", "residential", "living_street", "service",
        "pedestrian", "footway", "path", "steps", "track", "cycleway",
    ],
    "ebike": [
        "trunk", "trunk_link", "primary", "primary_link", "secondary", "secondary_link",
        "tertiary", "tertiary_link", "unclassified", "residential", "living_street", "service",
        "cycleway", "track",
    ],
    "car": [
        "motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
        "secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified", "residential",
        "living_street", "service",
    ],
}
_DEFAULT_CAR_SPEEDS_KPH: Final = {
    "motorway": 80.0, "motorway_link": 40.0, "trunk": 60.0, "trunk_link": 30.0,
    "primary": 45.0, "primary_link": 30.0, "secondary": 40.0, "secondary_link": 25.0,
    "tertiary": 30.0, "tertiary_link": 20.0, "unclassified": 25.0, "residential": 20.0,
    "living_street": 10.0, "service": 15.0,
}
_DEFAULT_SPEED_KPH: Final = {"foot": 5.0, "ebike": 15.0, "car": 30.0}
_DEFAULT_TARGETS_S: Final = {"stray_dog": 1800.0, "private_wiring": 3600.0, "street_vending": 3600.0,
                             "illegal_parking": 3600.0, "default": 7200.0}


@dataclass(frozen=True)
class ModeProfile:
    """How one travel mode moves on the streets.

    ``speed_kph`` is the constant speed for foot and e-bike; for car it is the fallback for a
    highway class missing from ``highway_speeds_kph``. Car speeds come from OSM ``maxspeed``
    (numbers, lists, mph, zone values in ``maxspeed_zones``), else from ``highway_speeds_kph``.
    """

    name: str
    highways: tuple[str, ...]
    speed_kph: float
    respect_oneway: bool
    highway_speeds_kph: dict[str, float] = field(default_factory=dict)
    maxspeed_zones: dict[str, float] = field(default_factory=dict)
    use_maxspeed: bool = False


@dataclass(frozen=True)
class CityProfile:
    """Everything needed to build and serve one city (paths already resolved)."""

    slug: str
    name: str
    osm_source: str
    fallback_source: str
    boundary: str
    boundary_datum: str
    timezone: str
    default_datum: str
    local_crs: str
    language: str
    attribution: str
    turnout_s: float
    modes: dict[str, ModeProfile]
    folder: str = ""
    extra_categories: tuple[str, ...] = ()
    address_prefixes: tuple[str, ...] = ()
    targets_s: dict[str, float] = field(default_factory=dict)
    stale_position_s: float = 600.0
    given: frozenset = frozenset()  # the keys the profile file sets (they win over inferred values)

    def target_s(self, category: str) -> float:
        """Response-time target (s) of an incident category (stray dogs: 30 min by default)."""
        return self.targets_s.get(category, self.targets_s.get("default", 3600.0))

    def mode(self, name: str) -> ModeProfile:
        """Return the profile of travel mode ``name``, or raise naming the known modes."""
        return self.modes[check_mode(name, self.modes)]

    def fingerprint(self) -> str:
        """Return a hash of every setting that changes a build (not the folder)."""
        data = asdict(self)
        data.pop("folder", None)
        data.pop("given", None)
        text = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_mode(name: str, modes=MODES) -> str:
    """Return ``name`` if it is a known travel mode, else raise naming the known ones."""
    if name not in modes:
        raise UnknownModeError(f"unknown travel mode {name!r}; known modes: {', '.join(modes)}.")
    return name


def list_profiles() -> list[str]:
    """Return the slugs of the city profiles in the data folder."""
    root = paths.data_dir() / "cities"
    if not root.is_dir():
        return []
    return sorted(p.parent.name for p in root.glob("*/profile.toml"))


def load_profile(slug_or_path: str) -> CityProfile:
    """Load and validate a city profile by slug (``data/cities/<slug>``) or by TOML file path."""
    candidate = Path(slug_or_path)
    if candidate.suffix == ".toml":
        path = candidate
    else:
        path = paths.data_dir() / "cities" / str(slug_or_path) / "profile.toml"
    if not path.is_file():
        known = ", ".join(list_profiles()) or "none"
        raise UnknownCityError(f"no city profile {slug_or_path!r} (looked for {path}); known profiles: {known}.")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"city profile {path} is not valid TOML: {exc}") from None
    return profile_from_mapping(raw, folder=path.parent)


def default_profile(slug: str) -> CityProfile:
    """Return a profile with default settings for a city that has no profile file."""
    return profile_from_mapping({"slug": slug, "name": slug}, folder=None)


_INFERRED_FIELDS: Final = {"timezone": "timezone", "default_datum": "default_datum", "local_crs": "crs",
                            "language": "language"}


def with_inferred(profile: CityProfile, inferred: dict) -> CityProfile:
    """Return ``profile`` with the inferred settings (``geo.inferred``) for every field it does not set."""
    changes = {name: inferred[key] for name, key in _INFERRED_FIELDS.items()
               if name not in profile.given and inferred.get(key)}
    return replace(profile, **changes) if changes else profile


def _resolve_path(value: str, folder: Path | None) -> str:
    if not value or value.startswith("pyrosm:"):
        return value
    value = value.replace("{shared}", str(paths.shared_dir()))
    path = Path(value)
    if not path.is_absolute() and folder is not None:
        path = folder / path
    return str(path)


def profile_from_mapping(raw: dict[str, Any], *, folder: Path | None) -> CityProfile:
    """Validate a profile mapping (as read from TOML), collecting every problem before raising."""
    problems: list[str] = []

    def text(key: str, default: str = "") -> str:
        value = raw.get(key, default)
        if not isinstance(value, str):
            problems.append(f"`{key}` must be text; got {value!r}")
            return default
        return value

    def number(mapping: dict, key: str, default: float, where: str) -> float:
        value = mapping.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            problems.append(f"`{where}{key}` must be a positive number; got {value!r}")
            return default
        return float(value)

    slug = text("slug")
    if not slug or not slug.replace("-", "").replace("_", "").isalnum():
        problems.append(f"`slug` must be a non-empty name of letters, digits, '-' or '_'; got {slug!r}")
    timezone = text("timezone", "UTC")
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        problems.append(f"`timezone` must be an IANA time zone such as 'Asia/Shanghai'; got {timezone!r}")
    default_datum = text("default_datum", "wgs84")
    if default_datum not in DATUMS:
        problems.append(f"`default_datum` must be one of {', '.join(DATUMS)}; got {default_datum!r}")
    boundary_datum = text("boundary_datum", "wgs84")
    if boundary_datum not in DATUMS:
        problems.append(f"`boundary_datum` must be one of {', '.join(DATUMS)}; got {boundary_datum!r}")
    turnout_s = raw.get("turnout_s", 60)
    if isinstance(turnout_s, bool) or not isinstance(turnout_s, int | float) or turnout_s < 0:
        problems.append(f"`turnout_s` must be a number of seconds >= 0; got {turnout_s!r}")
        turnout_s = 60

    raw_modes = raw.get("modes", {})
    if not isinstance(raw_modes, dict):
        problems.append(f"`modes` must be a table of travel modes; got {raw_modes!r}")
        raw_modes = {}
    for unknown in sorted(set(raw_modes) - set(MODES)):
        problems.append(f"`modes.{unknown}` is not a travel mode; known modes: {', '.join(MODES)}")
    modes: dict[str, ModeProfile] = {}
    for mode in MODES:
        spec = raw_modes.get(mode, {})
        where = f"modes.{mode}."
        if not isinstance(spec, dict):
            problems.append(f"`modes.{mode}` must be a table; got {spec!r}")
            spec = {}
        highways = spec.get("highways", _DEFAULT_HIGHWAYS[mode])
        if not isinstance(highways, list) or not highways or not all(isinstance(h, str) for h in highways):
            problems.append(f"`{where}highways` must be a non-empty list of OSM highway values; got {highways!r}")
            highways = _DEFAULT_HIGHWAYS[mode]
        respect_oneway = spec.get("respect_oneway", mode != "foot")
        if not isinstance(respect_oneway, bool):
            problems.append(f"`{where}respect_oneway` must be true or false; got {respect_oneway!r}")
            respect_oneway = mode != "foot"
        speed_kph = number(spec, "speed_kph", _DEFAULT_SPEED_KPH[mode], where)
        tables = {}
        for table, default in (("highway_speeds_kph", _DEFAULT_CAR_SPEEDS_KPH if mode == "car" else {}),
                               ("maxspeed_zones", {})):
            value = spec.get(table, default)
            if not isinstance(value, dict):
                problems.append(f"`{where}{table}` must be a table of km/h values; got {value!r}")
                value = {}
            tables[table] = {k: number(value, k, 1.0, f"{where}{table}.") for k in value}
        modes[mode] = ModeProfile(
            name=mode,
            highways=tuple(highways),
            speed_kph=speed_kph,
            respect_oneway=respect_oneway,
            highway_speeds_kph=tables["highway_speeds_kph"],
            maxspeed_zones=tables["maxspeed_zones"],
            use_maxspeed=mode == "car",
        )

    extra_categories = raw.get("incident_categories", [])
    if not isinstance(extra_categories, list) or not all(
        isinstance(c, str) and c.replace("_", "").isalnum() for c in extra_categories
    ):
        problems.append(f"`incident_categories` must be a list of names (letters, digits, '_'); got {extra_categories!r}")
        extra_categories = []
    targets = raw.get("targets_s", {})
    if not isinstance(targets, dict):
        problems.append(f"`targets_s` must be a table of seconds per category; got {targets!r}")
        targets = {}
    targets = _DEFAULT_TARGETS_S | {k: number(targets, k, 1800.0, "targets_s.") for k in targets}
    stale_s = raw.get("stale_position_s", 600)
    if isinstance(stale_s, bool) or not isinstance(stale_s, int | float) or stale_s <= 0:
        problems.append(f"`stale_position_s` must be a positive number of seconds; got {stale_s!r}")
        stale_s = 600
    prefixes = raw.get("address_prefixes", [])
    if not isinstance(prefixes, list) or not all(isinstance(p, str) and p for p in prefixes):
        problems.append(f"`address_prefixes` must be a list of non-empty texts; got {prefixes!r}")
        prefixes = []
    fields = {key: text(key) for key in ("osm_source", "fallback_source", "boundary")}
    profile = CityProfile(
        slug=slug,
        name=text("name", slug) or slug,
        osm_source=_resolve_path(fields["osm_source"], folder),
        fallback_source=_resolve_path(fields["fallback_source"], folder),
        boundary=_resolve_path(fields["boundary"], folder),
        boundary_datum=boundary_datum,
        timezone=timezone,
        default_datum=default_datum,
        local_crs=text("local_crs", "utm") or "utm",
        language=text("language", "en"),
        attribution=text("attribution", "© OpenStreetMap contributors"),
        turnout_s=float(turnout_s),
        modes=modes,
        folder=str(folder or ""),
        extra_categories=tuple(extra_categories),
        address_prefixes=tuple(prefixes),
        targets_s=targets,
        stale_position_s=float(stale_s),
        given=frozenset(raw) if folder is not None else frozenset(),
    )
    if profile.boundary and not Path(profile.boundary).is_file():
        problems.append(f"`boundary` file does not exist: {profile.boundary}")
    if problems:
        where = f" {folder / 'profile.toml'}" if folder else ""
        raise ProfileError(f"city profile{where} has {len(problems)} problem(s):\n- " + "\n- ".join(problems))
    return profile
