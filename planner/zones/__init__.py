"""Responsibility zones: generated (network Voronoi, then rebalanced), imported from a planner's
polygons, stored as versions (never overwritten), compared, exported.

A zone is a set of street segments of the foot graph (every street of the jurisdiction) with its
patrols and a polygon for display. Generated zones' polygons come from the Voronoi cells of the
street samples, so they never overlap. Imported polygons take the segments whose midpoint they
contain; gaps and overlaps are reported with their street km.

The package: ``model`` (plans, the segment index), ``generate``, ``workload`` (a zone's work in a shift), ``versions``, ``files``, ``redraw``.
"""

from planner.zones.files import assign_segments, export_zones, read_zone_file
from planner.zones.generate import generate_zones, worst_by_segment, zone_polygons
from planner.zones.model import PlanZone, ZoneError, ZonePlan, segment_index, to_local
from planner.zones.redraw import redraw_zone
from planner.zones.versions import diff_versions, list_versions, load_version, moved_segments, save_version
from planner.zones.workload import ShiftWorkload, shift_workload

__all__ = [
    "PlanZone",
    "ShiftWorkload",
    "ZoneError",
    "ZonePlan",
    "assign_segments",
    "diff_versions",
    "export_zones",
    "generate_zones",
    "list_versions",
    "load_version",
    "moved_segments",
    "read_zone_file",
    "redraw_zone",
    "save_version",
    "segment_index",
    "shift_workload",
    "to_local",
    "worst_by_segment",
    "zone_polygons",
]
