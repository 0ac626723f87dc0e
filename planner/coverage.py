"""The coverage guarantee: how long the patrols of a zone need to reach every point of its streets.

Streets are the foot graph's segments (every street of the jurisdiction). Each is sampled every
``spacing_m`` metres, ends included; a sample is reached on the patrol's own travel-mode graph at
the best of its nearest segments (up to three within 40 m, so that a one-way elevated road just
above a street does not stand for it) and the last metres from there are walked at the foot speed.
A sample's response time = the fastest patrol's travel time to it + that walk + the turnout time.
A segment's worst case is its slowest sample; a zone's worst case is its slowest segment. With
25 m spacing, the true worst point of a segment is at most 12.5 m of travel beyond its sample.
"""

from dataclasses import dataclass, field

import numpy as np
import shapely

__all__ = ["StreetSamples", "ZoneCoverage", "evaluate_zone", "response_times"]

SPACING_M = 25.0


@dataclass
class StreetSamples:
    """Sample points along the foot graph's segments, snapped onto each travel mode's graph."""

    segment: np.ndarray  # foot segment index of each sample
    lon: np.ndarray
    lat: np.ndarray
    length_m: np.ndarray  # foot segment lengths (m), by segment index
    snaps: dict = field(default_factory=dict)  # mode -> (arrive nodes (k, 2), arrive costs (k, 2), walk_s (k,))
    derived_as: tuple | None = field(default=None, repr=False)  # (city, name): its arrays kept beside that build

    @classmethod
    def for_city(cls, city, *, spacing_m: float = SPACING_M) -> "StreetSamples":
        """Samples every ``spacing_m`` metres along every foot segment (ends included); kept beside the build."""

        def make():
            segments = city.router("foot").segments
            counts = np.maximum(2, np.ceil(segments.length_m / spacing_m).astype(int) + 1)
            segment = np.repeat(np.arange(len(segments)), counts)
            fractions = np.concatenate([np.linspace(0.0, 1.0, c) for c in counts])
            points_m = shapely.line_interpolate_point(segments.geometry_m[segment], fractions, normalized=True)
            lon, lat = segments.wgs84_transformer.transform(shapely.get_x(points_m), shapely.get_y(points_m))
            return {"segment": segment, "lon": np.asarray(lon), "lat": np.asarray(lat),
                    "length_m": segments.length_m.copy()}

        arrays = city.derived_arrays(f"samples-{spacing_m:g}m", make)
        return cls(segment=arrays["segment"], lon=arrays["lon"], lat=arrays["lat"], length_m=arrays["length_m"],
                   derived_as=(city, f"samples-{spacing_m:g}m"))

    @classmethod
    def for_points(cls, lons, lats) -> "StreetSamples":
        """Arbitrary WGS-84 points (e.g. past reports) to evaluate like samples."""
        lons, lats = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
        return cls(segment=np.full(len(lons), -1), lon=lons, lat=lats, length_m=np.zeros(0))

    def on_mode(self, city, mode: str):
        """The samples placed on ``mode``'s graph: arrival options (node index, seconds) and walk (s).
        For the city's own samples (``for_city``) these are kept beside the build too."""
        if mode not in self.snaps:
            def make():
                router = city.router(mode)
                walk_mps = city.profile.mode("foot").speed_kph / 3.6
                near = router.segments.locate_near(self.lon, self.lat)
                edge_time = router.network.edge_time_s
                walk = near["distance_m"] / walk_mps
                from_u = np.where(near["from_u_node"] >= 0,
                                  near["fraction"] * edge_time[np.maximum(near["from_u_edge"], 0)] + walk, np.inf)
                from_v = np.where(near["from_v_node"] >= 0,
                                  (1 - near["fraction"]) * edge_time[np.maximum(near["from_v_edge"], 0)] + walk, np.inf)
                return {"nodes": np.concatenate([near["from_u_node"], near["from_v_node"]], axis=1),
                        "costs": np.concatenate([from_u, from_v], axis=1),  # walking included
                        "fraction": near["fraction"][:, 0], "walk_s": walk[:, 0], "segment": near["segment"][:, 0]}

            owner = getattr(self, "derived_as", None)
            arrays = owner[0].derived_arrays(f"{owner[1]}-on-{mode}", make) if owner and owner[0].key == city.key else make()
            located = {"fraction": arrays["fraction"], "walk_s": arrays["walk_s"]}
            self.snaps[mode] = (arrays["nodes"], arrays["costs"], np.zeros(len(self.lon)), located, arrays["segment"])
        return self.snaps[mode]


def response_times(city, samples: StreetSamples, patrols: list[tuple[str, float, float]],
                   sample_index: np.ndarray | None = None) -> np.ndarray:
    """Seconds for the fastest of ``patrols`` [(mode, lon, lat)] to reach each sample (incl. turnout)."""
    index = np.arange(len(samples.segment)) if sample_index is None else np.asarray(sample_index)
    best = np.full(len(index), np.inf)
    for mode, lon, lat in patrols:
        router = city.router(mode)
        nodes, costs, walk, located, on_segment = samples.on_mode(city, mode)
        origin = router.snap(lon, lat, max_distance_m=np.inf)
        times = router.times_from(origin)
        node_part = nodes[index]
        reach = np.where(node_part >= 0, times[np.maximum(node_part, 0)] + costs[index], np.inf).min(axis=1)
        # A sample on the patrol's own segment may be reached straight along it.
        seg = origin.segment
        for j in np.flatnonzero(on_segment[index] == seg):
            ahead = located["fraction"][index[j]] - origin.fraction
            edge = router.segments.forward_edge[seg] if ahead >= 0 else router.segments.backward_edge[seg]
            if edge >= 0:
                reach[j] = min(reach[j], abs(ahead) * router.network.edge_time_s[edge] + located["walk_s"][index[j]])
        best = np.minimum(best, reach + walk[index] + city.profile.turnout_s)
    return best


@dataclass
class ZoneCoverage:
    """A zone's coverage: worst case (s), shares within target, uncovered street km and segments."""

    zone_id: str
    worst_case_s: float
    covered_km_share: float
    covered_reports_share: float | None
    uncovered_km: float
    street_km: float
    uncovered_segments: list[int]

    def as_dict(self) -> dict:
        """JSON-ready, with the keys of ``patrol zones check``."""
        return {"zone_id": self.zone_id, "worst_case_s": round(self.worst_case_s, 1),
                "covered_km_share": round(self.covered_km_share, 4),
                "covered_reports_share": None if self.covered_reports_share is None else round(self.covered_reports_share, 4),
                "uncovered_km": round(self.uncovered_km, 3), "street_km": round(self.street_km, 3),
                "uncovered_segments": len(self.uncovered_segments)}


def evaluate_zone(city, samples: StreetSamples, zone_id: str, segments: np.ndarray,
                  patrols: list[tuple[str, float, float]], *, target_s: float,
                  reports: StreetSamples | None = None) -> ZoneCoverage:
    """Coverage of one zone (foot segment indices) by its patrols at their positions.

    ``reports`` are the zone's past reports (points), for the share reached within target.
    """
    segments = np.asarray(segments, dtype=np.int64)
    in_zone = np.flatnonzero(np.isin(samples.segment, segments))
    if not patrols or len(in_zone) == 0:
        km = float(samples.length_m[segments].sum() / 1000.0)
        return ZoneCoverage(zone_id, np.inf, 0.0, None if reports is None else 0.0, km, km, segments.tolist())
    times = response_times(city, samples, patrols, in_zone)
    worst_all = np.zeros(len(samples.length_m))
    np.maximum.at(worst_all, samples.segment[in_zone], times)
    worst = worst_all[segments]
    lengths = samples.length_m[segments]
    uncovered = worst > target_s
    total_km = float(lengths.sum() / 1000.0)
    reports_share = None
    if reports is not None and len(reports.lon):
        reports_share = float(np.mean(response_times(city, reports, patrols) <= target_s))
    return ZoneCoverage(
        zone_id=zone_id, worst_case_s=float(worst.max()),
        covered_km_share=float(lengths[~uncovered].sum() / lengths.sum()) if lengths.sum() > 0 else 1.0,
        covered_reports_share=reports_share, uncovered_km=float(lengths[uncovered].sum() / 1000.0),
        street_km=total_km, uncovered_segments=segments[uncovered].tolist(),
    )
