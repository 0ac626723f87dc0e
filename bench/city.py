"""City build benchmark: Chengdu, Andorra, North Bayreuth and a generated grid city.

Each build runs in its own Python process (so peak memory is the build's own) into a throw-away
instance folder. Per city: highway ways, nodes per mode, build seconds (wall and CPU, imports not
counted), peak resident MB, seconds per 1,000 foot nodes; ``growth_ratio`` is that figure for the
city with most foot nodes over the one with fewest (linear growth keeps it near 1).

Baseline, measured in the same run on the same extracts: the former pipeline (each mode's ways
written as OSM XML, read by ``osmnx.graph_from_xml``, clipped, connected, timed and simplified
by osmnx), whose graphs the tests show to be identical. The baseline is skipped for the generated
city unless ``full`` (it takes minutes there). These machines are shared and noisy: trust the CPU
seconds and the ratios over one wall-clock figure.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["report_text", "run"]

GENERATED_FOOT_NODES = 30_000
TARGETS = {"build_s_27k_foot_nodes": 60.0, "growth_ratio": 1.5}

_CHILD = r"""
import json, resource, sys, time
mode, source, name = sys.argv[1:4]
from geo.city import build_city
from geo.osm import read_streets
from geo.profile import MODES, default_profile
wall, cpu = time.perf_counter(), time.process_time()
if mode == "ours":
    city = build_city(name, source, force=True)
    nodes = {m: city.report["modes"][m]["nodes"] for m in MODES}
    ways = city.report["highway_ways"]
else:
    import tempfile
    from pathlib import Path
    import osmnx as ox
    import shapely
    from geo.osm import write_mode_xml
    from geo.speeds import edge_speed_kph
    profile = default_profile(name)
    extract = read_streets(source, sorted({h for m in profile.modes.values() for h in m.highways}))
    polygon = extract.bounding_polygon()
    nodes, ways = {}, extract.highway_ways
    with tempfile.TemporaryDirectory() as folder:
        for m in MODES:
            spec = profile.mode(m)
            xml = Path(folder) / f"{m}.osm"
            write_mode_xml(extract, spec, xml)
            raw = ox.graph_from_xml(xml, bidirectional=not spec.respect_oneway, simplify=False, retain_all=True)
            inside = [n for n, d in raw.nodes(data=True) if polygon.covers(shapely.Point(d["x"], d["y"]))]
            graph = ox.truncate.largest_component(raw.subgraph(inside).copy(), strongly=True)
            for _, _, d in graph.edges(data=True):
                d["travel_time"] = d["length"] / (edge_speed_kph(d, spec) / 3.6)
            graph = ox.simplify_graph(graph, edge_attrs_differ=["name", "highway"],
                                      edge_attr_aggs={"length": sum, "travel_time": sum})
            ox.convert.to_undirected(graph)  # the former street-km count
            nodes[m] = graph.number_of_nodes()
print(json.dumps({"build_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
                  "nodes": nodes, "highway_ways": ways}))
"""


def _measure(mode: str, source: str, name: str, instance: Path) -> dict:
    env = {**os.environ, "PATROL_INSTANCE_DIR": str(instance)}
    done = subprocess.run([sys.executable, "-c", _CHILD, mode, source, name], capture_output=True, text=True,
                          env=env, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"{mode} build of {name} failed: {last}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _sources(folder: Path, foot_nodes: int) -> list[tuple[str, str]]:
    from bench.synthetic_osm import grid_city_towns, write_city
    from geo import paths

    osm = paths.shared_dir() / "osm"
    generated = write_city(folder / "generated.osm.pbf", grid_city_towns(foot_nodes), seed=0)
    return [("chengdu", str(osm / "chengdu-center-2018.osm.pbf")), ("andorra", str(osm / "andorra.osm.pbf")),
            ("bayreuth", str(osm / "north-bayreuth.osm.gz")), ("generated", str(generated))]


def run(*, full: bool = False, foot_nodes: int = GENERATED_FOOT_NODES, extra: tuple = (), only: tuple = (),
        progress=lambda message: None) -> dict:
    """Build each city with our pipeline and (except the generated one unless ``full``) the baseline.

    ``extra``: more (name, OSM file) pairs, such as a built city's own extract; ``only``: these names only."""
    cities = []
    with tempfile.TemporaryDirectory(prefix="patrol-bench-city-") as folder:
        folder = Path(folder)
        for name, source in [*_sources(folder, foot_nodes), *extra]:
            if only and name not in only:
                continue
            progress(f"building {name} ({Path(source).name}) ...")
            ours = _measure("ours", source, name, folder / "instance")
            row = {"name": name, "highway_ways": ours["highway_ways"], "nodes": ours["nodes"],
                   "build_s": round(ours["build_s"], 2), "cpu_s": round(ours["cpu_s"], 2),
                   "peak_mb": round(ours["peak_mb"], 1),
                   "s_per_1000_foot_nodes": round(ours["build_s"] / ours["nodes"]["foot"] * 1000, 3)}
            if full or name != "generated":
                progress(f"  baseline (osmnx through OSM XML) for {name} ...")
                base = _measure("baseline", source, name, folder / "instance")
                row.update(baseline_build_s=round(base["build_s"], 2), baseline_cpu_s=round(base["cpu_s"], 2),
                           baseline_peak_mb=round(base["peak_mb"], 1),
                           speedup=round(base["cpu_s"] / ours["cpu_s"], 1),
                           same_nodes=base["nodes"] == ours["nodes"])
            progress(f"  {name}: {ours['nodes']['foot']} foot nodes in {ours['build_s']:.1f} s")
            cities.append(row)
    smallest = min(cities, key=lambda c: c["nodes"]["foot"])
    largest = max(cities, key=lambda c: c["nodes"]["foot"])
    growth = largest["s_per_1000_foot_nodes"] / smallest["s_per_1000_foot_nodes"]
    build_27k = largest["build_s"] * 27_000 / largest["nodes"]["foot"]
    return {
        "cities": cities,
        "growth_ratio": round(growth, 2),
        "targets": TARGETS,
        "meets_targets": {"build_s_27k_foot_nodes": build_27k <= TARGETS["build_s_27k_foot_nodes"],
                          "growth_ratio": growth <= TARGETS["growth_ratio"]},
        "note": "wall seconds inside the build process (imports not counted); speedup is baseline CPU / ours CPU",
    }


def report_text(result: dict) -> str:
    from bench.common import target_lines

    lines = [f"{'city':10s} {'ways':>6s} {'foot':>7s} {'ebike':>7s} {'car':>7s} {'build s':>8s} {'CPU s':>7s} "
             f"{'peak MB':>8s} {'s/1k foot':>9s} {'baseline s':>10s} {'speedup':>8s}"]
    for c in result["cities"]:
        n = c["nodes"]
        lines.append(f"{c['name']:10s} {c['highway_ways']:6d} {n['foot']:7d} {n['ebike']:7d} {n['car']:7d} "
                     f"{c['build_s']:8.2f} {c['cpu_s']:7.2f} {c['peak_mb']:8.1f} {c['s_per_1000_foot_nodes']:9.3f} "
                     f"{c.get('baseline_build_s', float('nan')):10.2f} {c.get('speedup', float('nan')):7.1f}x")
    lines.append(f"growth ratio (s per 1,000 foot nodes, largest / smallest city): {result['growth_ratio']}")
    lines.extend(target_lines(result))
    return "\n".join(lines)


if __name__ == "__main__":
    from bench.common import bench_main

    bench_main(__doc__, run, report_text)
