"""Street segments per key block, per travel mode.

A segment belongs to a block when at least ``min_along_m`` metres of it (or half of it, for a
short segment) lie inside the block grown by ``buffer_m`` metres, so streets along a block's edge
count as well as streets inside it. Lengths are metres along the segment, in the local CRS;
two-way streets count once.
"""

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = ["block_segments", "block_street_km"]


def block_segments(blocks_gdf: gpd.GeoDataFrame, router, *, buffer_m: float = 20.0,
                   min_along_m: float = 30.0) -> pd.DataFrame:
    """One row per (block, segment): ``block_id``, ``segment``, ``u``, ``v`` (node ids), ``name``,
    ``length_in_block_m``, ``segment_length_m``."""
    columns = ["block_id", "segment", "u", "v", "name", "length_in_block_m", "segment_length_m"]
    if len(blocks_gdf) == 0:
        return pd.DataFrame(columns=columns)
    segments = router.segments
    grown = blocks_gdf.to_crs(segments.crs).geometry.buffer(buffer_m).to_numpy()
    block_pos, seg_pos = segments.tree.query(grown, predicate="intersects")
    inside = shapely.length(shapely.intersection(segments.geometry_m[seg_pos], grown[block_pos]))
    total = segments.length_m[seg_pos]
    keep = (inside >= np.minimum(min_along_m, 0.5 * total)) & (inside > 0)
    node_ids = router.network.node_ids
    frame = pd.DataFrame({
        "block_id": blocks_gdf["id"].to_numpy()[block_pos[keep]],
        "segment": seg_pos[keep],
        "u": node_ids[segments.u[seg_pos[keep]]],
        "v": node_ids[segments.v[seg_pos[keep]]],
        "name": [segments.names[s] for s in seg_pos[keep]],
        "length_in_block_m": inside[keep],
        "segment_length_m": total[keep],
    })
    return frame.sort_values(["block_id", "segment"]).reset_index(drop=True)[columns]


def block_street_km(blocks_gdf: gpd.GeoDataFrame, router, **kwargs) -> dict[str, float]:
    """Street km inside or along each block (by block id; 0 for a block with no street)."""
    rows = block_segments(blocks_gdf, router, **kwargs)
    km = (rows.groupby("block_id")["length_in_block_m"].sum() / 1000.0).to_dict()
    return {block_id: float(km.get(block_id, 0.0)) for block_id in blocks_gdf["id"]}
