"""``patrol hotspots``: congestion points of the stored incidents."""

import click
from shapely.geometry import mapping

from cli.common import Reporter, emit, load_context, parse_window, reports_errors

__all__ = ["hotspots"]


@click.command()
@click.option("--category", default=None, help="Only this category (e.g. stray_dog).")
@click.option("--since", default=None, help="From this time (city time zone), e.g. 2026-10-01.")
@click.option("--until", default=None, help="Before this time (city time zone).")
@click.option("--method", type=click.Choice(["planar", "network", "gi"]), default="planar", show_default=True,
              help="planar: DBSCAN in metres; network: distances along streets; gi: Getis-Ord Gi* hot segments.")
@click.option("--radius-m", default=50.0, show_default=True, type=click.FloatRange(1, 5000), help="Neighbourhood radius (m).")
@click.option("--inference", type=click.Choice(["auto", "permutation", "analytic"]), default="auto", show_default=True,
              help="Gi* p-values: conditional permutations, the analytic normal, or auto (analytic when most segments "
                   "have no incident).")
@click.option("--min-incidents", default=None, type=click.IntRange(2), help="Incidents a congestion point needs [default: one a day over the window, at least 10; for sparse "
                   "records, more than chance puts within the radius, at least 3].")
@click.option("--city", "name", default="chengdu", show_default=True, help="City profile name (slug).")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@reports_errors
def hotspots(category, since, until, method, radius_m, inference, min_incidents, name, as_json) -> None:
    """Find the congestion points (or hot street segments) of the stored incidents."""
    from planner.hotspots import find_hotspots, hot_segments, threshold_rule
    from planner.incidents import incidents_frame

    progress = Reporter()
    city, _, store, _ = load_context(name, progress=progress, geocoder=False)
    start, end = parse_window(city, since, until)
    frame = incidents_frame(store, city.slug, category=category, since=start, until=end)
    base = {"city": city.slug, "method": method, "category": category, "since": since, "until": until,
            "incidents": len(frame)}
    if method == "gi":
        progress(f"Getis-Ord Gi* over the street segments ({len(frame)} incidents) ...")
        table = hot_segments(frame, city.router("foot"), inference=inference) if len(frame) else None
        hot = table[table["hot"]].sort_values("z", ascending=False) if table is not None else []
        rows = [{"u": int(r.u), "v": int(r.v), "street": r.name if isinstance(r.name, str) else None,
                 "count": int(r.count), "z": round(float(r.z), 3), "p_sim": float(r.p_sim), "p_norm": float(r.p_norm),
                 "p_value": float(r.p_value), "geometry": mapping(r.geometry)} for r in getattr(hot, "itertuples", list)()]
        used = table.attrs if table is not None else {"inference": inference, "inference_reason": "no incidents"}
        lines = [f"inference: {used['inference']} ({used['inference_reason']}); false discovery rate 5 %"]
        lines += [f"{r['street'] or '-':20s} {r['count']:4d} incidents z={r['z']:.2f} p={r['p_value']:.4f}" for r in rows]
        emit(base | {"inference": used["inference"], "inference_reason": used["inference_reason"], "hot_segments": rows},
             as_json, "\n".join(lines) if rows else lines[0] + "\nno hot segment")
        return
    threshold, rule = (min_incidents, "given") if min_incidents else threshold_rule(frame, radius_m=radius_m)
    progress(f"clustering {len(frame)} incidents ({method}, {radius_m:.0f} m, at least {threshold}: {rule}) ...")
    spots = find_hotspots(frame, crs=city.crs, timezone=city.profile.timezone, method=method, radius_m=radius_m,
                          min_incidents=threshold, router=city.router("foot"))
    data = base | {"radius_m": radius_m, "min_incidents": threshold, "min_incidents_rule": rule,
                   "hotspots": [s.as_dict() for s in spots]}
    text = "\n".join(
        f"#{s.rank:<3d} {s.count:5d} incidents score {s.score:7.1f} {s.street or '-':16s} block {s.block_id or '-':8s} "
        f"hours {','.join(map(str, s.busy_hours))} {s.trend['trend'] if s.trend else '-'} {s.counts_by_category}"
        for s in spots)
    emit(data, as_json, f"at least {threshold} incidents within {radius_m:g} m ({rule})\n" + (text or "no congestion point"))
