"""Odd requests for the hardening checks: random paths, query strings, headers, methods and bodies,
reproducible from a seed. Shared by ``tests/web/test_fuzz_requests.py`` and ``patrol bench abuse``."""

import random
import string

__all__ = ["fuzzed_requests"]

PATHS = ["/", "/login", "/logout", "/dispatcher", "/planner", "/planner/zones", "/planner/standby",
         "/planner/zones.geojson", "/officer/E02", "/officer/E02/route.gpx", "/vendor/leaflet/leaflet.js",
         "/api/patrols", "/api/incidents", "/api/hotspots", "/api/hot-segments", "/api/blocks", "/api/zones",
         "/api/zones/versions", "/api/zones/diff", "/api/recommend", "/api/dispatches", "/api/dispatches/1/arrive",
         "/api/routes/E02", "/api/patrols/E02/position", "/api/jobs", "/api/jobs/" + "0" * 32, "/api/openapi.json",
         "/api/csrf", "/dispatcher/assign"]
ODD = ["", "%00", "%0d%0a", "..%2f..%2f", "\u202e", "ø", "成都", "${x}", "<script>", "'", '"', "%", "%zz", "//", "\\",
       "\x7f", "🐕", "a" * 5000, "-1", "1e309", "inf", "nan", "NaN,NaN", "999999999999999999999", "0x10", " "]
HEADERS = ["Accept", "Accept-Language", "Content-Type", "Cookie", "X-CSRFToken", "Referer", "User-Agent", "Range",
           "If-Modified-Since", "X-Forwarded-For", "Authorization", "Origin"]


def _odd(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(ODD)
    alphabet = string.printable + "成都流浪狗\u0000\u202e🐕"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))


def _path(rng: random.Random) -> str:
    from urllib.parse import quote

    path = rng.choice(PATHS)
    roll = rng.random()
    if roll < 0.3:
        parts = path.split("/")
        parts[rng.randrange(1, len(parts))] = quote(_odd(rng), safe="%/")
        path = "/".join(parts)
    elif roll < 0.45:
        path += quote(_odd(rng), safe="%")
    return path or "/"


def fuzzed_requests(seed: int, count: int):
    """``count`` requests as (method, path with query, headers dict, body bytes or None)."""
    from urllib.parse import quote

    rng = random.Random(seed)
    for _ in range(count):
        method = rng.choice(["GET", "GET", "GET", "POST", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"])
        path = _path(rng)
        if rng.random() < 0.6:
            keys = rng.sample(["location", "category", "datum", "days", "hours", "limit", "version", "compare",
                               "edit", "lang", "next", "active", "a", "b", _odd(rng)], rng.randint(1, 4))
            path += "?" + "&".join(f"{quote(k, safe='')}={quote(_odd(rng), safe='%')}" for k in keys)
        headers = {}
        for name in rng.sample(HEADERS, rng.randint(0, 4)):
            value = _odd(rng).replace("\r", " ").replace("\n", " ").replace("\x00", " ")
            headers[name] = value.encode("latin-1", "replace").decode("latin-1")
        body = None
        if method in ("POST", "PUT", "PATCH"):
            body = rng.choice([b"", b"{", b"null", b"[]", b'{"location": 1}', b'{"kind": "standby", "params": []}',
                               _odd(rng).encode("utf-8"), b'{"lon": "x", "lat": []}', b"\xff\xfe\x00"])
            if rng.random() < 0.5:
                headers["Content-Type"] = rng.choice(["application/json", "application/x-www-form-urlencoded",
                                                      "multipart/form-data; boundary=x", "text/plain"])
        yield method, path, headers, body
