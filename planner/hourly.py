"""The 30-minute guarantee hour by hour: who is on duty, how fast the first and the second patrol get there.

For each hour of the week the patrols on duty are those whose shift (local time, may cross midnight) holds
at the middle of the hour; they stand at their bases. Every street sample (``planner.coverage``) is reached
by the fastest on-duty patrol (its worst case) and by the second fastest (backup coverage: the street is still
covered when its first patrol is busy). Zones are not used here: at night the on-duty patrols cover whatever
they can reach. Past dog reports of the same hour of the week give the share of reports within target.
Shifts are daily, so the seven days repeat; they are listed all the same (168 rows).
"""

from datetime import time as clock

import numpy as np
import pandas as pd

from planner.coverage import StreetSamples, response_times
from planner.patrols import in_shift, list_patrols

__all__ = ["WEEKDAYS", "hourly_coverage", "on_duty_at"]

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def on_duty_at(patrols, hour: int, timezone: str) -> list:
    """The patrols whose shift holds at ``hour``:30 local time (``off_duty`` status excluded)."""
    local = clock(hour, 30)
    return [p for p in patrols if p.status != "off_duty" and in_shift(p, None, timezone, local=local)]


def _two_fastest(times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per column of a (patrol x sample) matrix: the fastest and second fastest times (inf if none)."""
    if times.shape[0] == 0:
        inf = np.full(times.shape[1], np.inf)
        return inf, inf
    if times.shape[0] == 1:
        return times[0], np.full(times.shape[1], np.inf)
    two = np.partition(times, 1, axis=0)[:2]
    return two[0], two[1]


def _street_names(city, segments: np.ndarray, lengths: np.ndarray, limit: int = 5) -> list[dict]:
    """The longest uncovered streets by name (km), at most ``limit``."""
    names = city.router("foot").segments.names
    by_name: dict[str, float] = {}
    for segment in segments:
        name = names[segment] if isinstance(names[segment], str) and names[segment] else "unnamed street"
        by_name[name] = by_name.get(name, 0.0) + float(lengths[segment]) / 1000.0
    ranked = sorted(by_name.items(), key=lambda item: -item[1])[:limit]
    return [{"street": name, "km": round(km, 3)} for name, km in ranked]


def hourly_coverage(store, city, samples: StreetSamples, *, hours: list[int] | None = None) -> dict:
    """Rows per hour of the week (``hours``: only these hours of the day) with ``weekday``, ``hour``,
    ``patrols_on_duty``, ``worst_case_s`` (None: no patrol on duty), ``covered_km_share``,
    ``backup_km_share``, ``reports_share`` (past dog reports of that hour reached within target; None
    without any), ``uncovered_km`` and ``uncovered_streets``; and ``all_hours_covered``."""
    from planner.incidents import incidents_frame

    target = city.profile.target_s("stray_dog")
    timezone = city.profile.timezone
    patrols = list_patrols(store, city.slug)
    lengths = samples.length_m
    total_km = float(lengths.sum() / 1000.0)
    reports = incidents_frame(store, city.slug, category="stray_dog")
    report_points = StreetSamples.for_points(reports["lon"], reports["lat"]) if len(reports) else None
    report_hours = (pd.to_datetime(reports["reported_at"]).dt.tz_localize("UTC").dt.tz_convert(timezone)
                    if len(reports) else pd.Series(dtype="datetime64[ns, UTC]"))
    street_times = {p.id: response_times(city, samples, [(p.mode, p.base_lon, p.base_lat)]) for p in patrols}
    report_times = ({p.id: response_times(city, report_points, [(p.mode, p.base_lon, p.base_lat)]) for p in patrols}
                    if report_points is not None else {})
    by_team: dict[tuple, dict] = {}
    rows = []
    for hour in range(24) if hours is None else hours:
        team = tuple(sorted(p.id for p in on_duty_at(patrols, hour, timezone)))
        if team not in by_team:
            first, second = _two_fastest(np.array([street_times[pid] for pid in team]).reshape(len(team), -1))
            worst_first = np.zeros(len(lengths))
            np.maximum.at(worst_first, samples.segment, first)
            worst_second = np.zeros(len(lengths))
            np.maximum.at(worst_second, samples.segment, second)
            uncovered = np.flatnonzero(worst_first > target)
            by_team[team] = {
                "worst": float(first.max()) if len(first) else 0.0,
                "covered": float(lengths[worst_first <= target].sum() / 1000.0 / total_km) if total_km else 1.0,
                "backup": float(lengths[worst_second <= target].sum() / 1000.0 / total_km) if total_km else 1.0,
                "uncovered_km": float(lengths[uncovered].sum() / 1000.0),
                "streets": _street_names(city, uncovered, lengths),
                "report_first": _two_fastest(np.array([report_times[pid] for pid in team]).reshape(len(team), -1))[0]
                if report_times else None,
            }
        found = by_team[team]
        for weekday in range(7):
            share = None
            if found["report_first"] is not None:
                mine = ((report_hours.dt.day_of_week == weekday) & (report_hours.dt.hour == hour)).to_numpy()
                if mine.any():
                    share = float(np.mean(found["report_first"][mine] <= target))
            rows.append({"weekday": weekday, "weekday_name": WEEKDAYS[weekday], "hour": hour,
                         "patrols_on_duty": len(team), "patrol_ids": list(team),
                         "worst_case_s": round(found["worst"], 1) if np.isfinite(found["worst"]) else None,
                         "covered_km_share": round(found["covered"], 4), "backup_km_share": round(found["backup"], 4),
                         "reports_share": None if share is None else round(share, 4),
                         "uncovered_km": round(found["uncovered_km"], 3), "uncovered_streets": found["streets"]})
    rows.sort(key=lambda r: (r["weekday"], r["hour"]))
    failing = sorted({r["hour"] for r in rows if r["uncovered_km"] > 0})
    return {"target_s": target, "positions": "bases", "hours": rows, "all_hours_covered": not failing,
            "failing_hours": failing}
