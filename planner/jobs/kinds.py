"""What a job can do: one entry per kind, with its parameter check and its work.

Each kind's work is ``run(city, store, params, progress) -> Outcome``: ``city`` is loaded in the job's own
process (None for ``city_build``), ``progress(percent, step)`` records 0-100 % and the current step, and
``params["job_id"]`` names the job (a re-run after a killed worker finds what the first attempt already
saved, so a zone version is never saved twice). Parameters are checked when the job is created, so a
bad one is refused at once (one line), never in a worker.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from planner.jobs.records import JobError

__all__ = ["KINDS", "Kind", "Outcome", "check_params", "message_progress"]

MODES = ("foot", "ebike", "car")
LIST_KINDS = ("tasks", "responsibility", "assessment")


@dataclass
class Outcome:
    """A job's result: JSON-ready figures, and optionally a file (bytes) to download."""

    result: dict
    file: bytes | None = None
    filename: str | None = None


@dataclass(frozen=True)
class Kind:
    """A kind of job: its defaults, its parameter check and its work."""

    run: Callable
    defaults: dict = field(default_factory=dict)
    needs_city: bool = True
    title: tuple[str, str] = ("", "")  # (zh, en)


def _number(params: dict, name: str, low: float, high: float, *, integer: bool = False):
    value = params.get(name)
    try:
        number = int(value) if integer else float(value)
        if integer and float(value) != int(value):
            raise ValueError
    except (TypeError, ValueError):
        raise JobError(f"{name} must be a{' whole' if integer else ''} number; got {value!r}") from None
    if not low <= number <= high:
        raise JobError(f"{name} must be between {low:g} and {high:g}; got {value!r}")
    return number


def _choice(params: dict, name: str, choices) -> str:
    value = params.get(name)
    if value not in choices:
        raise JobError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def _day(params: dict, name: str = "day") -> str | None:
    value = params.get(name)
    if value in (None, ""):
        return None
    try:
        datetime.fromisoformat(str(value))
    except ValueError:
        raise JobError(f"{name} must be a date such as 2026-11-27; got {value!r}") from None
    return str(value)[:10]


def message_progress(progress: Callable[[float, str], None], start: float = 5.0, end: float = 95.0):
    """A ``progress(message)`` callback for the product's steps: each message moves the bar a fifth of the
    way that is left between ``start`` and ``end`` %."""
    state = {"percent": start}

    def report(message: str) -> None:
        state["percent"] += (end - state["percent"]) * 0.2
        progress(state["percent"], message)

    return report


# --- the work of each kind -------------------------------------------------------------------------------

def _standby(city, store, params, progress) -> Outcome:
    from planner.standby import solve_standby

    data = solve_standby(city, store, mode=params["mode"], model=params["model"], k=params["k"],
                         time_limit_s=params["time_limit_s"], sites=params["sites"], other_cost=params["new_site_cost"],
                         progress=lambda message: progress(10, message))
    return Outcome({"city": city.slug} | data)


def _sites(value) -> list | None:
    """Existing sites as [[lon, lat, cost], ...] (WGS-84, cost > 0), or None."""
    from planner.standby import StandbyInputError, check_site

    if value in (None, [], ""):
        return None
    if not isinstance(value, list) or len(value) > 10_000:
        raise JobError("sites must be a list of up to 10,000 [lon, lat, cost] rows")
    try:
        return [check_site(row if isinstance(row, list | tuple) and len(row) == 3 else (row, None, None),
                           f"sites row {number}") for number, row in enumerate(value, start=1)]
    except StandbyInputError as exc:
        raise JobError(str(exc)) from None


def _zones_generate(city, store, params, progress) -> Outcome:
    from planner.coverage import StreetSamples
    from planner.key_blocks import load_blocks
    from planner.patrols import list_patrols
    from planner.zones import generate_zones, list_versions, load_version, save_version, shift_workload

    marker = f"[job {params.get('job_id')}]"
    saved = [v["version"] for v in list_versions(store, city) if (v["comment"] or "").endswith(marker)]
    if saved:  # an earlier attempt of this job saved it before its worker died
        version, plan = load_version(store, city, saved[0])
    else:
        patrols = list_patrols(store, city.slug)
        if not patrols:
            raise JobError("no patrols in the store: create the demo roster with 'patrol patrols demo'")
        samples = StreetSamples.for_city(city)
        progress(5, "the work of each street in a shift")
        workload = shift_workload(city, store, patrols, samples, load_blocks(store, city))
        plan = generate_zones(city, patrols, samples, target_s=city.profile.target_s("stray_dog"), workload=workload,
                              progress=message_progress(progress))
        progress(97, "saving the zone version")
        version = save_version(store, city, plan, author=params["author"], comment=f"{params['comment']} {marker}",
                               source="generated")
    lengths = city.router("foot").segments.length_m
    zones = [{"zone_id": z.zone_id, "patrol_ids": list(z.patrol_ids), "street_km": round(float(lengths[z.segments].sum()) / 1000, 3)}
             for z in plan.zones]
    return Outcome({"city": city.slug, "version": version, "zones": zones, **plan.notes})


def _routes_plan(city, store, params, progress) -> Outcome:
    from planner.key_blocks import load_blocks
    from planner.route_plans import plan_routes

    day = datetime.fromisoformat(params["day"]) if params.get("day") else None
    result = plan_routes(store, city, load_blocks(store, city), version=params.get("version"), day=day,
                         time_limit_s=params["time_limit_s"], progress=message_progress(progress))
    return Outcome({"version": result["version"], "target_s": result["target_s"],
                    "routes": [route.as_dict() | {"zone_id": zone.zone_id} for zone, route in result["routes"]]})


def _simulate(city, store, params, progress) -> Outcome:
    from zoneinfo import ZoneInfo

    from planner.incidents import incidents_frame
    from planner.key_blocks import load_blocks
    from planner.sim_plans import build_plan
    from planner.simulation import generate_reports, response_chart, simulate

    blocks = load_blocks(store, city)
    when = datetime.fromisoformat(params["day"])
    history = incidents_frame(store, city.slug)
    history = history[history["category"] == "stray_dog"]
    if history.empty:
        raise JobError("no stray-dog history in the store (try: patrol incidents generate)")
    reports = generate_reports(city, history, hours=params["hours"], seed=params["seed"], categories=["stray_dog"],
                               scale=params["scale"])
    start = datetime(when.year, when.month, when.day, tzinfo=ZoneInfo(city.profile.timezone))
    plans = [params["plan"]] + ([params["compare"]] if params.get("compare") else [])
    results = []
    for number, spec in enumerate(plans):
        share = 90.0 / len(plans)
        progress(5 + number * share, f"plan {spec}: preparing the patrols' day")
        label, timelines, zone_of_segment = build_plan(store, city, blocks, spec, day=when)
        progress(5 + number * share + share / 2, f"plan {spec}: simulating {len(reports)} reports")
        results.append(simulate(city, timelines, reports, start=start, blocks_gdf=blocks, seed=params["seed"],
                                name=label, hours=params["hours"], zone_of_segment=zone_of_segment))
    chart = io.BytesIO()
    response_chart(results, chart, target_s=city.profile.target_s("stray_dog"))
    data = {"plan": params["plan"], "hours": params["hours"], "seed": params["seed"], **{k: results[0].figures[k] for k in (
        "reports", "within_target_share", "p50_s", "p95_s", "never_reached")}, "details": results[0].figures}
    if len(results) > 1:
        data["compare"] = {"plan": params["compare"], **results[1].figures}
    return Outcome(data, chart.getvalue(), f"{city.slug}-simulation.png")


def _lists_xlsx(city, store, params, progress) -> Outcome:
    from planner.key_blocks import load_blocks
    from planner.lists import assessment, export_frame, responsibility, task_list

    progress(10, "loading key blocks")
    blocks = load_blocks(store, city)
    progress(30, f"building the {params['list']} list")
    rows = {"tasks": lambda: task_list(store, city, blocks),
            "responsibility": lambda: responsibility(store, city, blocks),
            "assessment": lambda: assessment(store, city, blocks)}[params["list"]]()
    progress(90, "writing XLSX")
    out = io.BytesIO()
    export_frame(rows).to_excel(out, index=False, engine="openpyxl")
    return Outcome({"list": params["list"], "rows": len(rows)}, out.getvalue(), f"{city.slug}-{params['list']}.xlsx")


def _hourly_check(city, store, params, progress) -> Outcome:
    from planner.hourly import hourly_coverage
    from planner.zone_check import samples_for

    progress(10, "travel times from every patrol base, hour by hour")
    return Outcome({"city": city.slug} | hourly_coverage(store, city, samples_for(city)))


def _staffing(city, store, params, progress) -> Outcome:
    from planner.staffing import StaffingError, recommend_staffing, roster_xlsx

    try:
        result = recommend_staffing(store, city, target=params["target"], scale=params["scale"],
                                    check_days=params["days"], seed=params["seed"],
                                    progress=message_progress(progress))
    except StaffingError as exc:
        raise JobError(str(exc)) from None
    out = io.BytesIO()
    roster_xlsx(result, out)
    return Outcome({"city": city.slug} | result, out.getvalue(), f"{city.slug}-staffing.xlsx")


def _incidents_import(city, store, params, progress) -> Outcome:
    from planner.incidents import IncidentPlacer, import_incidents
    from planner.key_blocks import load_blocks

    progress(10, "loading key blocks")
    placer = IncidentPlacer(city, load_blocks(store, city))
    progress(30, f"reading and placing {params['file']}")
    report = import_incidents(store, placer, params["file"], datum=params.get("datum"))
    return Outcome(report.as_dict())


def _city_build(city, store, params, progress) -> Outcome:
    from geo.city import build_city, city_summary

    built = build_city(params["name"], params.get("source"), force=True, progress=message_progress(progress))
    return Outcome(city_summary(built))


KINDS: dict[str, Kind] = {
    "standby": Kind(_standby, {"mode": "car", "k": None, "model": None, "time_limit_s": 60.0, "sites": None,
                               "new_site_cost": 1.0}, title=("待命点", "standby points")),
    "zones_generate": Kind(_zones_generate, {"author": "planner", "comment": "generated from the patrol bases"},
                           title=("生成责任区", "zone generation")),
    "routes_plan": Kind(_routes_plan, {"version": None, "day": None, "time_limit_s": None}, title=("巡逻路线", "route planning")),
    "simulate": Kind(_simulate, {"hours": 24.0, "seed": 0, "plan": "bases", "compare": None, "scale": 1.0,
                                 "day": "2026-11-27"}, title=("模拟", "simulation")),
    "lists_xlsx": Kind(_lists_xlsx, {"list": "tasks"}, title=("清单 XLSX", "list as XLSX")),
    "hourly_check": Kind(_hourly_check, {}, title=("全天候覆盖检查", "hour-by-hour coverage")),
    "staffing": Kind(_staffing, {"target": 0.95, "scale": 1.0, "days": 7, "seed": 0}, title=("分时段警力配置", "staffing per hour")),
    "incidents_import": Kind(_incidents_import, {"file": None, "datum": None}, title=("导入事件", "incident import")),
    "city_build": Kind(_city_build, {"name": None, "source": None}, needs_city=False, title=("构建城市", "city build")),
}


def check_params(kind: str, params: dict | None) -> dict:
    """The job's parameters with defaults filled in, or JobError naming the bad one."""
    if kind not in KINDS:
        raise JobError(f"unknown job kind {kind!r}; kinds: {', '.join(KINDS)}")
    if params is not None and not isinstance(params, dict):
        raise JobError("params must be a JSON object")
    unknown = set(params or {}) - set(KINDS[kind].defaults)
    if unknown:
        raise JobError(f"unknown parameter(s) for {kind}: {', '.join(sorted(unknown))}; "
                       f"known: {', '.join(KINDS[kind].defaults) or 'none'}")
    p = KINDS[kind].defaults | {k: v for k, v in (params or {}).items() if v is not None or k in ("k", "compare", "version")}
    if kind == "standby":
        p["mode"] = _choice(p, "mode", MODES)
        p["time_limit_s"] = _number(p, "time_limit_s", 1, 600)
        p["k"] = None if p["k"] in (None, "") else _number(p, "k", 1, 500, integer=True)
        from planner.standby import StandbyInputError, model_name

        try:
            p["model"] = model_name(p["model"], p["k"])  # --k alone: maximal covering
        except StandbyInputError as exc:
            raise JobError(str(exc)) from None
        if p["model"] in ("max-cover", "p-median", "p-center") and p["k"] is None:
            raise JobError(f"the {p['model']} model needs k (how many standby points)")
        p["sites"] = _sites(p["sites"])
        if p["sites"] and p["model"] not in ("cover", "backup"):
            raise JobError("sites (costs per existing site) apply to the cover and backup models only")
        p["new_site_cost"] = _number(p, "new_site_cost", 1e-6, 1e9)
    elif kind == "zones_generate":
        p["author"], p["comment"] = str(p["author"])[:128], str(p["comment"])[:500]
    elif kind == "routes_plan":
        p["version"] = None if p["version"] in (None, "") else _number(p, "version", 1, 10**9, integer=True)
        p["day"] = _day(p)
        p["time_limit_s"] = None if p.get("time_limit_s") in (None, "") else _number(p, "time_limit_s", 0.5, 600)
    elif kind == "simulate":
        p["hours"] = _number(p, "hours", 0.5, 168)
        p["seed"] = _number(p, "seed", 0, 2**31 - 1, integer=True)
        p["scale"] = _number(p, "scale", 0.01, 1000)
        p["day"] = _day(p) or KINDS[kind].defaults["day"]
        for name in ("plan", "compare"):
            if p[name] is not None and not isinstance(p[name], str):
                raise JobError(f"{name} must be a plan name such as current, bases or v3; got {p[name]!r}")
    elif kind == "lists_xlsx":
        p["list"] = _choice(p, "list", LIST_KINDS)
    elif kind == "staffing":
        p["target"] = _number(p, "target", 0.5, 0.999)
        p["scale"] = _number(p, "scale", 0.1, 50)
        p["days"] = _number(p, "days", 1, 28, integer=True)
        p["seed"] = _number(p, "seed", 0, 2**31 - 1, integer=True)
    elif kind == "incidents_import":
        if not p["file"]:
            raise JobError("file is required: the path of a CSV or GeoJSON of incidents on the worker's machine")
        p["file"] = str(p["file"])
    elif kind == "city_build":
        if not p["name"]:
            raise JobError("name is required: the city's slug")
        p["name"] = str(p["name"])
    return p
