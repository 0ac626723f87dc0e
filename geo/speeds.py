"""Travel speeds of street edges per mode (km/h) from OSM ``maxspeed`` and highway class."""

import math
import re
from typing import Final

from geo.profile import ModeProfile

__all__ = ["edge_speed_kph", "parse_maxspeed"]

_MPH_TO_KPH: Final = 1.609344
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph)?\s*$", re.IGNORECASE)


def parse_maxspeed(value, zones: dict[str, float] | None = None) -> float | None:
    """Return the speed limit in km/h of an OSM ``maxspeed`` value, or None if unusable.

    Understands numbers (``"50"``), units (``"30 mph"``), lists (``"40;60"``: the lowest counts,
    which keeps ETAs on the safe side), zone values listed in ``zones`` (``"CN:urban"``) and
    values merged by osmnx into Python lists.
    """
    zones = zones or {}
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, list | tuple):
        parts = [parse_maxspeed(v, zones) for v in value]
    else:
        text = str(value).strip()
        if text in zones:
            return float(zones[text])
        parts = []
        for part in re.split(r"[;|]", text):
            part = part.strip()
            if part in zones:
                parts.append(float(zones[part]))
                continue
            match = _NUMBER.match(part)
            if match:
                speed = float(match.group(1))
                if (match.group(2) or "").lower() == "mph":
                    speed *= _MPH_TO_KPH
                parts.append(speed)
    usable = [p for p in parts if p is not None and p > 0]
    return min(usable) if usable else None


def edge_speed_kph(attrs: dict, mode: ModeProfile) -> float:
    """Return the speed (km/h) of an edge for ``mode``.

    Foot and e-bike use the mode's constant speed; car uses ``maxspeed``, else the
    highway-class default, else the mode's ``speed_kph``.
    """
    if not mode.use_maxspeed:
        return mode.speed_kph
    speed = parse_maxspeed(attrs.get("maxspeed"), mode.maxspeed_zones)
    if speed is not None:
        return speed
    highway = attrs.get("highway")
    if isinstance(highway, list):
        highway = highway[0]
    return mode.highway_speeds_kph.get(highway, mode.speed_kph)
