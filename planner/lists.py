"""The three lists squadrons are run on: tasks, responsibilities and assessment.

- Squadrons come from the ``squadrons`` table and the patrols' ``squadron`` field; a squadron's zones
  are those of its patrols in the newest zone version, its key blocks those assigned to it or lying
  in its zones.
- Key-block visits are counted from the patrols' recorded tracks: consecutive fixes at most
  ``max_gap_s`` apart are joined by a straight line; a visit is an entry into the block (grown by
  ``tolerance_m`` metres, so a walk along its edge counts). Longer gaps are reported, never filled in.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import select

from planner.dispatch import list_dispatches
from planner.hotspots import find_hotspots
from planner.incidents import incidents_frame
from planner.models import PositionFix, Squadron
from planner.patrols import list_patrols
from planner.zones import load_version, segment_index

__all__ = ["assessment", "count_visits", "export_frame", "responsibility", "safe_cell", "squadron_map", "task_list",
           "who_is_responsible"]


@dataclass
class SquadronInfo:
    """A squadron with its patrols, zones (ids) and key blocks (ids)."""

    name: str
    patrols: list[str]
    zones: list[str]
    blocks: list[str]


def squadron_map(store, city, blocks_gdf) -> tuple[dict[str, SquadronInfo], dict]:
    """Every squadron of the city, and a lookup zone id -> (squadron, patrols) of the newest zone version."""
    patrols = list_patrols(store, city.slug)
    with store.session() as session, session.begin():
        known = set(session.scalars(select(Squadron.name).where(Squadron.city == city.slug)))
        for name in sorted({p.squadron for p in patrols if p.squadron} - known):
            session.add(Squadron(city=city.slug, name=name))
    with store.session() as session:
        names = sorted(session.scalars(select(Squadron.name).where(Squadron.city == city.slug)))
    squadron_of_patrol = {p.id: p.squadron for p in patrols}
    info = {n: SquadronInfo(n, sorted(p.id for p in patrols if p.squadron == n), [], []) for n in names}
    zone_owner = {}
    try:
        _, plan = load_version(store, city)
    except Exception:  # no zones yet: squadrons still have patrols and assigned blocks
        plan = None
    segment_zone = {}
    if plan is not None:
        for zone in plan.zones:
            owners = sorted({squadron_of_patrol.get(p) for p in zone.patrol_ids if squadron_of_patrol.get(p)})
            zone_owner[zone.zone_id] = (owners[0] if owners else None, zone.patrol_ids)
            for s in zone.segments.tolist():
                segment_zone[s] = zone.zone_id
            if owners and owners[0] in info:
                info[owners[0]].zones.append(zone.zone_id)
    if blocks_gdf is not None and len(blocks_gdf):
        points = blocks_gdf.geometry.representative_point()
        located = city.router("foot").segments.locate(points.x.to_numpy(), points.y.to_numpy())
        for (_, block), seg in zip(blocks_gdf.iterrows(), located["segment"], strict=True):
            squadron = block["squadron"] if isinstance(block["squadron"], str) and block["squadron"] else None
            if squadron is None:
                zone = segment_zone.get(int(seg))
                squadron = zone_owner.get(zone, (None,))[0]
            if squadron in info:
                info[squadron].blocks.append(str(block["id"]))
    return info, {"zone_owner": zone_owner, "segment_zone": segment_zone}


def _window(frame: pd.DataFrame, since, until) -> pd.DataFrame:
    times = pd.to_datetime(frame["reported_at"])
    keep = np.ones(len(frame), dtype=bool)
    if since is not None:
        keep &= (times >= since).to_numpy()
    if until is not None:
        keep &= (times < until).to_numpy()
    return frame[keep]


def task_list(store, city, blocks_gdf, *, squadron: str | None = None, since=None, until=None) -> list[dict]:
    """Per squadron: its key blocks (visits per shift), open incidents by category, congestion points."""
    info, maps = squadron_map(store, city, blocks_gdf)
    _, lookup = segment_index(city)
    incidents = _window(incidents_frame(store, city.slug), since, until)
    zone_of_incident = [maps["segment_zone"].get(lookup.get((u, v), -1)) for u, v in
                        zip(incidents.get("segment_u", []), incidents.get("segment_v", []), strict=True)]
    incidents = incidents.assign(zone=zone_of_incident)
    spots = find_hotspots(incidents, crs=city.crs, timezone=city.profile.timezone) if len(incidents) else []
    segments = city.router("foot").segments
    rows = []
    blocks = blocks_gdf.set_index("id") if blocks_gdf is not None and len(blocks_gdf) else None
    for name, squad in info.items():
        if squadron and name != squadron:
            continue
        for block_id in sorted(squad.blocks, key=lambda b: (-float(blocks.loc[b, "priority"]), b)):
            block = blocks.loc[block_id]
            rows.append({"squadron": name, "item": "key_block", "id": block_id, "name": block["name"],
                         "kind": block["kind"], "priority": float(block["priority"]),
                         "visits_per_shift": int(block["visits_per_shift"]), "count": None})
        open_here = incidents[(incidents["zone"].isin(squad.zones)) & (incidents["status"] == "open")]
        for category, count in open_here["category"].value_counts().items():
            rows.append({"squadron": name, "item": "open_incidents", "id": category, "name": category,
                         "kind": category, "priority": None, "visits_per_shift": None, "count": int(count)})
        for spot in spots:
            seg = int(segments.locate([spot.lon], [spot.lat])["segment"][0])
            if maps["segment_zone"].get(seg) in squad.zones:
                rows.append({"squadron": name, "item": "congestion_point", "id": f"H{spot.rank}",
                             "name": spot.street or "", "kind": max(spot.counts_by_category, key=spot.counts_by_category.get),
                             "priority": round(spot.score, 1), "visits_per_shift": None, "count": spot.count})
    return rows


def responsibility(store, city, blocks_gdf) -> list[dict]:
    """Who answers for every key block and every street: squadron, zone, patrols."""
    info, maps = squadron_map(store, city, blocks_gdf)
    squadron_of_block = {b: s.name for s in info.values() for b in s.blocks}
    rows = []
    if blocks_gdf is not None and len(blocks_gdf):
        points = blocks_gdf.geometry.representative_point()
        located = city.router("foot").segments.locate(points.x.to_numpy(), points.y.to_numpy())
        for (_, block), seg in zip(blocks_gdf.iterrows(), located["segment"], strict=True):
            zone = maps["segment_zone"].get(int(seg))
            rows.append({"kind": "key_block", "id": str(block["id"]), "name": block["name"],
                         "squadron": squadron_of_block.get(str(block["id"])), "zone": zone,
                         "patrols": ",".join(maps["zone_owner"].get(zone, (None, []))[1])})
    segments = city.router("foot").segments
    streets: dict[tuple, float] = {}
    for s, name in enumerate(segments.names):
        zone = maps["segment_zone"].get(s)
        key = (name or "(unnamed)", zone)
        streets[key] = streets.get(key, 0.0) + segments.length_m[s]
    for (name, zone), metres in sorted(streets.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
        owner, patrols = maps["zone_owner"].get(zone, (None, []))
        rows.append({"kind": "street", "id": name, "name": name, "squadron": owner, "zone": zone,
                     "patrols": ",".join(patrols), "street_km": round(metres / 1000.0, 3)})
    return rows


def who_is_responsible(store, city, blocks_gdf, lon: float, lat: float) -> dict:
    """The squadron, zone, patrols, street and key block responsible for a WGS-84 point."""
    info, maps = squadron_map(store, city, blocks_gdf)
    router = city.router("foot")
    snap = router.snap(lon, lat)
    zone = maps["segment_zone"].get(snap.segment)
    owner, patrols = maps["zone_owner"].get(zone, (None, []))
    block = None
    if blocks_gdf is not None and len(blocks_gdf):
        hits = blocks_gdf[blocks_gdf.geometry.covers(shapely.Point(lon, lat))]
        if len(hits):
            block = str(hits.sort_values("priority").iloc[-1]["id"])
    return {"lon": lon, "lat": lat, "street": snap.name, "zone": zone, "squadron": owner, "patrols": patrols,
            "block_id": block}


def count_visits(fixes: pd.DataFrame, polygon_m, to_local, *, max_gap_s: float = 300.0,
                 tolerance_m: float = 10.0) -> tuple[int, list[dict]]:
    """Entries of a track into a block (local-CRS polygon), and the gaps that were not filled in.

    ``fixes``: columns lon, lat, at (sorted or not). A visit starts when the track enters the block
    (grown by ``tolerance_m``); a gap longer than ``max_gap_s`` ends any visit and is reported.
    """
    if fixes.empty:
        return 0, []
    fixes = fixes.sort_values("at")
    xs, ys = to_local.transform(fixes["lon"].to_numpy(), fixes["lat"].to_numpy())
    times = pd.to_datetime(fixes["at"]).to_list()
    area = polygon_m.buffer(tolerance_m)
    visits, inside, gaps = 0, False, []
    for i in range(len(xs)):
        here = area.covers(shapely.Point(xs[i], ys[i]))
        if i == 0:
            inside = here
            visits += int(here)
            continue
        gap = (times[i] - times[i - 1]).total_seconds()
        if gap > max_gap_s:
            gaps.append({"from": times[i - 1].isoformat(), "to": times[i].isoformat(), "seconds": round(gap)})
            inside = here
            visits += int(here)
            continue
        crossed = shapely.LineString([(xs[i - 1], ys[i - 1]), (xs[i], ys[i])]).intersects(area)
        if crossed and not inside:
            visits += 1
        inside = here if not crossed or here else False
    return visits, gaps


def track_gaps(fixes: pd.DataFrame, max_gap_s: float) -> list[dict]:
    """Stretches of a track longer than ``max_gap_s`` without a fix."""
    if fixes.empty:
        return []
    times = pd.to_datetime(fixes.sort_values("at")["at"]).to_list()
    return [{"from": a.isoformat(), "to": b.isoformat(), "seconds": round((b - a).total_seconds())}
            for a, b in zip(times[:-1], times[1:], strict=True) if (b - a).total_seconds() > max_gap_s]


def assessment(store, city, blocks_gdf, *, squadron: str | None = None, since=None, until=None,
               max_gap_s: float = 300.0) -> list[dict]:
    """Per squadron: dispatches within target (by category), response p50/p95, incidents closed,
    key-block visit completion from the tracks, missing tracks and gaps (UTC naive ``since``/``until``)."""
    info, _ = squadron_map(store, city, blocks_gdf)
    dispatches = list_dispatches(store, city.slug)
    with store.session() as session:
        query = select(PositionFix).where(PositionFix.city == city.slug)
        if since is not None:
            query = query.where(PositionFix.at >= since)
        if until is not None:
            query = query.where(PositionFix.at < until)
        fixes = pd.DataFrame([{"patrol_id": f.patrol_id, "lon": f.lon, "lat": f.lat, "at": f.at}
                              for f in session.scalars(query)])
    segments = city.router("foot").segments
    blocks = blocks_gdf.set_index("id") if blocks_gdf is not None and len(blocks_gdf) else None
    tz = ZoneInfo(city.profile.timezone)
    days = 1
    if since is not None and until is not None:
        days = max(1, round((until - since).total_seconds() / 86400.0))
    rows = []
    for name, squad in info.items():
        if squadron and name != squadron:
            continue
        mine = [d for d in dispatches if d.patrol_id in squad.patrols
                and (since is None or d.reported_at >= since) and (until is None or d.reported_at < until)]
        arrived = [d for d in mine if d.arrived_at is not None]
        responses = np.array([(d.arrived_at - d.reported_at).total_seconds() for d in arrived])
        by_category = {}
        for category in sorted({d.category for d in mine}):
            done = [d for d in arrived if d.category == category]
            within = [d for d in done if (d.arrived_at - d.reported_at).total_seconds() <= d.target_s]
            by_category[category] = {"dispatches": sum(d.category == category for d in mine), "arrived": len(done),
                                     "within_target_share": round(len(within) / len(done), 4) if done else None}
        track = fixes[fixes["patrol_id"].isin(squad.patrols)] if len(fixes) else fixes
        visits, gaps, missing = {}, [], [pid for pid in squad.patrols if len(fixes) == 0 or pid not in set(fixes["patrol_id"])]
        for pid in squad.patrols:
            own = track[track["patrol_id"] == pid] if len(track) else track
            gaps += [{"patrol_id": pid, **g} for g in track_gaps(own, max_gap_s)]
            for block_id in squad.blocks:
                polygon = shapely.transform(blocks.loc[block_id, "geometry"], segments.to_metric)
                count, _ = count_visits(own, polygon, segments.metric_transformer, max_gap_s=max_gap_s)
                visits[block_id] = visits.get(block_id, 0) + count
        required = {b: int(blocks.loc[b, "visits_per_shift"]) * days for b in squad.blocks}
        completion = (sum(min(visits[b], required[b]) for b in squad.blocks) / sum(required.values())
                      if required and sum(required.values()) else None)
        rows.append({
            "squadron": name, "patrols": len(squad.patrols), "dispatches": len(mine), "arrived": len(arrived),
            "within_target_share": round(float(np.mean([(d.arrived_at - d.reported_at).total_seconds() <= d.target_s
                                                         for d in arrived])), 4) if arrived else None,
            "p50_response_s": round(float(np.percentile(responses, 50)), 1) if len(responses) else None,
            "p95_response_s": round(float(np.percentile(responses, 95)), 1) if len(responses) else None,
            "incidents_closed": sum(d.status == "closed" for d in mine), "by_category": by_category,
            "key_blocks": len(squad.blocks), "visits_required": int(sum(required.values())),
            "visits_done": int(sum(min(visits[b], required[b]) for b in squad.blocks)),
            "visit_completion": None if completion is None else round(completion, 4),
            "missing_tracks": missing, "track_gaps": gaps,
            "timezone": str(tz),
        })
    return rows


def utc(value: datetime | None) -> datetime | None:
    """Naive UTC for a datetime (aware ones converted)."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def shift_window(day: datetime, timezone: str) -> tuple[datetime, datetime]:
    """A local day [00:00, 24:00) as naive UTC bounds."""
    start = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(timezone))
    return utc(start), utc(start + timedelta(days=1))


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A value for a spreadsheet cell: dicts and lists as JSON text; text that a spreadsheet would run as a
    formula (starting with = + - @, tab or CR) gets a leading apostrophe, so it stays text."""
    import json

    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def export_frame(rows: list[dict]) -> pd.DataFrame:
    """The rows of a list as a table for CSV or XLSX, every cell made safe (``safe_cell``)."""
    return pd.DataFrame([{k: safe_cell(v) for k, v in row.items()} for row in rows])

