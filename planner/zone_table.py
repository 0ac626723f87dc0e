"""The numbers a planner reads beside the map: one row per zone of a version.

Per zone: its patrols, street km, key blocks and their visits per shift, worst-case response (s) and the
shares of street km and of past dog reports within target (``zone_check.check_version``), reports per day
(all categories, over the history's span), and the share of its patrol's shift its work takes
(``zones.workload``; the most loaded of its patrols).
"""

import numpy as np
import pandas as pd

from planner.incidents import incidents_frame
from planner.patrols import list_patrols
from planner.zone_check import samples_for
from planner.zones import shift_workload
from planner.zones.workload import segments_at

__all__ = ["zone_rows"]


def zone_rows(store, city, plan, report: dict, blocks_gdf) -> list[dict]:
    """Rows (JSON-ready) for ``plan`` and its coverage ``report`` (from ``check_version`` of the same version)."""
    samples = samples_for(city)
    owner = np.full(len(samples.length_m), -1)
    for z, zone in enumerate(plan.zones):
        owner[zone.segments] = z
    zones = len(plan.zones)

    block_zone, visits = np.zeros(0, dtype=int), np.zeros(0)
    if blocks_gdf is not None and len(blocks_gdf):
        points = blocks_gdf.geometry.representative_point()
        block_zone = owner[segments_at(city, points.x.to_numpy(), points.y.to_numpy())]
        visits = blocks_gdf["visits_per_shift"].fillna(1).clip(lower=1).to_numpy(dtype=float)
    blocks_per_zone = np.bincount(block_zone[block_zone >= 0], minlength=zones)
    visits_per_zone = np.bincount(block_zone[block_zone >= 0], weights=visits[block_zone >= 0], minlength=zones)

    frame = incidents_frame(store, city.slug)
    reports_per_day = np.zeros(zones)
    if len(frame):
        at = pd.to_datetime(frame["reported_at"])
        days = max(1.0, (at.max() - at.min()).total_seconds() / 86400.0)
        lon = frame["snapped_lon"].fillna(frame["lon"]).to_numpy()
        lat = frame["snapped_lat"].fillna(frame["lat"]).to_numpy()
        zone_of = owner[segments_at(city, lon, lat)]
        reports_per_day = np.bincount(zone_of[zone_of >= 0], minlength=zones) / days

    patrols = {p.id: p for p in list_patrols(store, city.slug)}
    share_of_shift = [None] * zones
    staffed = [(z, pid) for z, zone in enumerate(plan.zones) for pid in zone.patrol_ids if pid in patrols]
    if staffed:
        workload = shift_workload(city, store, [patrols[pid] for _, pid in staffed], samples, blocks_gdf)
        for row, (z, _) in enumerate(staffed):
            mine = owner == z
            share = float(workload.work_s[row, mine].sum() / workload.shift_s[row])
            share_of_shift[z] = share if share_of_shift[z] is None else max(share_of_shift[z], share)

    checked = {z["zone_id"]: z for z in report["zones"]}
    rows = []
    for z, zone in enumerate(plan.zones):
        check = checked.get(zone.zone_id, {})
        rows.append({"zone_id": zone.zone_id, "name": zone.name, "patrol_ids": list(zone.patrol_ids),
                     "street_km": round(float(samples.length_m[owner == z].sum()) / 1000, 2),
                     "key_blocks": int(blocks_per_zone[z]), "visits_per_shift": int(visits_per_zone[z]),
                     "worst_case_s": check.get("worst_case_s"), "covered_km_share": check.get("covered_km_share"),
                     "covered_reports_share": check.get("covered_reports_share"),
                     "reports_per_day": round(float(reports_per_day[z]), 1),
                     "share_of_shift": None if share_of_shift[z] is None else round(share_of_shift[z], 3)})
    return rows
