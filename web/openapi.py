"""The OpenAPI 3.1 description of ``/api`` (served at ``/api/openapi.json``)."""

__all__ = ["document"]

_ERROR = {"description": "bad request; the message says which parameter",
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_DENIED = {"401": {"description": "not signed in"}, "403": {"description": "role may not use this"}}
_GEOJSON = {"description": "GeoJSON FeatureCollection (WGS-84)",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FeatureCollection"}}}}


def _query(name, schema, required=False, description=""):
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


_FILTER = [
    _query("category", {"type": "string", "enum": ["stray_dog", "garbage_sorting", "private_wiring", "street_drying",
                                                   "street_vending", "illegal_parking", "other"]}),
    _query("days", {"type": "integer", "minimum": 1, "maximum": 3660}, description="last N days (default 30)"),
    _query("hours", {"type": "string", "pattern": "^[0-9]{1,2}-[0-9]{1,2}$"}, description="local hours from-to, e.g. 7-10"),
]


def _get(summary, parameters=(), ok=_GEOJSON, errors=True):
    responses = {"200": ok} | _DENIED
    if errors:
        responses["400"] = _ERROR
    return {"get": {"summary": summary, "parameters": list(parameters), "responses": responses}}


def document() -> dict:
    """The API description."""
    json_ok = {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}
    patrol_path = {"name": "patrol_id", "in": "path", "required": True, "schema": {"type": "string"}}
    job_path = {"name": "job_id", "in": "path", "required": True,
                "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "patrol-planner API", "version": "0.2.0",
                 "description": "Sign in at /login (session cookie). POSTs need the X-CSRFToken header from /api/csrf. "
                                "Machine clients send 'Authorization: Bearer TOKEN' (patrol tokens add NAME) instead."},
        "paths": {
            "/api/csrf": _get("A CSRF token for this session", ok=json_ok, errors=False),
            "/api/patrols": _get("Patrols, availability and position age (s)", errors=False),
            "/api/patrols/{patrol_id}/position": {"post": {
                "summary": "Record a patrol's position", "parameters": [patrol_path],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["lon", "lat"],
                    "properties": {"lon": {"type": "number"}, "lat": {"type": "number"},
                                   "datum": {"type": "string", "enum": ["wgs84", "gcj02", "bd09"]},
                                   "at": {"type": "string", "description": "ISO time of the fix (default now)"},
                                   "accuracy_m": {"type": "number", "description": "the phone's accuracy (metres)"}}}}}},
                "responses": {"200": json_ok, "400": _ERROR, "404": _ERROR,
                              "422": _ERROR | {"description": "refused: from the future, older than a day, or "
                                                              "faster than the patrol's mode"}} | _DENIED}},
            "/api/patrols/{patrol_id}/assignment": _get(
                "The patrol's open dispatch: place, category, times, ETA and route from its latest position",
                [patrol_path], ok=json_ok),
            "/api/events": _get("Server-sent events (text/event-stream): position, dispatch, incident, import, zones; "
                                "an officer receives only their own patrol's", [
                                    _query("after", {"type": "string", "pattern": "^[0-9]{1,11}-[0-9]{1,11}$"}),
                                    _query("max_s", {"type": "number", "minimum": 0, "maximum": 25})],
                                ok={"description": "the event stream", "content": {"text/event-stream": {}}}),
            "/api/events/poll": _get("The same events as JSON for clients without EventSource", [
                _query("after", {"type": "string", "pattern": "^[0-9]{1,11}-[0-9]{1,11}$"})], ok=json_ok),
            "/api/open-reports": _get("Open reports of the last hours, the most urgent first (seconds_left)", [
                _query("hours", {"type": "number", "exclusiveMinimum": 0, "maximum": 72})], ok=json_ok),
            "/api/incidents": _get("Open incidents", [_query("limit", {"type": "integer", "minimum": 1, "maximum": 1000000})])
            | {"post": {
                "summary": "A report from a machine client (Authorization: Bearer TOKEN, role intake) or a dispatcher; "
                           "idempotent on external_id (200 with the stored incident when seen before)",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["category"],
                    "properties": {"external_id": {"type": "string"}, "lon": {"type": "number"},
                                   "lat": {"type": "number"}, "datum": {"type": "string"},
                                   "category": {"type": "string", "enum": ["stray_dog", "garbage_sorting",
                                                                           "private_wiring", "street_drying"]},
                                   "reported_at": {"type": "string"}, "address": {"type": "string"},
                                   "source": {"type": "string"}, "description": {"type": "string"}}}}}},
                "responses": {"201": json_ok, "200": json_ok, "400": _ERROR} | _DENIED}},
            "/api/hotspots": _get("Congestion points of the filtered incidents", _FILTER),
            "/api/hot-segments": _get("Getis-Ord Gi* hot street segments of the filtered incidents", _FILTER),
            "/api/blocks": _get("Key blocks", errors=False),
            "/api/zones": _get("Zones of a version (default the newest)", [_query("version", {"type": "integer", "minimum": 1, "maximum": 2147483647})]),
            "/api/zones/versions": _get("Zone versions", ok=json_ok, errors=False),
            "/api/zones/diff": _get("Streets that changed zone between versions a and b", [
                _query("a", {"type": "integer", "minimum": 1, "maximum": 2147483647}, True),
                _query("b", {"type": "integer", "minimum": 1, "maximum": 2147483647}, True)],
                ok=json_ok),
            "/api/recommend": _get("Ranked patrols for a report", [
                _query("location", {"type": "string", "minLength": 1}, True, "'lon,lat' or an address"),
                _query("category", {"type": "string"}),
                _query("datum", {"type": "string", "enum": ["wgs84", "gcj02", "bd09"]})], ok=json_ok),
            "/api/dispatches": _get("Dispatches (active=0: all)", [_query("active", {"type": "string", "enum": ["0", "1"]})],
                                    errors=False) | {"post": {
                "summary": "Assign a patrol (default the recommended one) to a report: a location, or a stored open "
                           "report's incident_id",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object",
                    "properties": {"location": {"type": "string"}, "category": {"type": "string"},
                                   "datum": {"type": "string", "enum": ["wgs84", "gcj02", "bd09"]},
                                   "incident_id": {"type": "integer", "minimum": 1, "maximum": 2147483647},
                                   "patrol_id": {"type": "string"}}}}}},
                "responses": {"201": json_ok, "400": _ERROR, "404": _ERROR, "409": _ERROR} | _DENIED}},
            "/api/dispatches/{dispatch_id}/accept": {"post": {
                "summary": "The officer accepted the dispatch",
                "parameters": [{"name": "dispatch_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647}}],
                "responses": {"200": json_ok, "400": _ERROR} | _DENIED}},
            "/api/dispatches/{dispatch_id}/arrive": {"post": {
                "summary": "Mark a dispatch arrived",
                "parameters": [{"name": "dispatch_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647}}],
                "responses": {"200": json_ok, "400": _ERROR} | _DENIED}},
            "/api/dispatches/{dispatch_id}/close": {"post": {
                "summary": "Close a dispatch (the patrol becomes available) with its outcome and a short note",
                "parameters": [{"name": "dispatch_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647}}],
                "requestBody": {"required": False, "content": {"application/json": {"schema": {
                    "type": "object", "properties": {
                        "outcome": {"type": "string", "enum": ["resolved", "not_found", "referred"]},
                        "note": {"type": "string", "maxLength": 500}}}}}},
                "responses": {"200": json_ok, "400": _ERROR} | _DENIED}},
            "/api/jobs": _get("This city's newest background jobs",
                              [_query("limit", {"type": "integer", "minimum": 1, "maximum": 200})], ok=json_ok) | {"post": {
                "summary": "Start a job (the same inputs while it is active give the same job: 200 instead of 202)",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["kind"],
                    "properties": {"kind": {"type": "string", "enum": ["standby", "zones_generate", "routes_plan",
                                                                       "simulate", "lists_xlsx"]},
                                   "params": {"type": "object"}}}}}},
                "responses": {"200": json_ok, "202": json_ok, "400": _ERROR} | _DENIED}},
            "/api/jobs/{job_id}": _get("One job: state, progress 0-100, step, error, result", [job_path], ok=json_ok)
                                  | {},
            "/api/jobs/{job_id}/cancel": {"post": {
                "summary": "Cancel a queued job or stop a running one", "parameters": [job_path],
                "responses": {"200": json_ok, "404": _ERROR, "409": _ERROR} | _DENIED}},
            "/api/jobs/{job_id}/file": _get("The job's file (chart PNG or list XLSX)", [job_path],
                                            ok={"description": "the file"}),
            "/api/routes/{patrol_id}": _get("Today's route of a patrol (GeoJSON feature with stops)", [patrol_path],
                                            ok=json_ok) | {},
        },
        "components": {"schemas": {
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
            "FeatureCollection": {"type": "object", "required": ["type", "features"],
                                  "properties": {"type": {"const": "FeatureCollection"}, "features": {"type": "array"}}},
        }},
    }
