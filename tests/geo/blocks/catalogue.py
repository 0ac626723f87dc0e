"""A catalogue of named key-block geometries near Tianfu Square (WGS-84 lon/lat)."""

from shapely.geometry import MultiPolygon, Polygon, box

X0, Y0, D = 104.0650, 30.6580, 0.002  # about 190 m x 220 m

SQUARE = box(X0, Y0, X0 + D, Y0 + D)
WITH_HOLE = Polygon(SQUARE.exterior.coords, [box(X0 + D / 4, Y0 + D / 4, X0 + D / 2, Y0 + D / 2).exterior.coords])
MULTIPART = MultiPolygon([box(X0, Y0, X0 + D / 3, Y0 + D), box(X0 + 2 * D / 3, Y0, X0 + D, Y0 + D)])
BOW_TIE = Polygon([(X0, Y0), (X0 + D, Y0 + D), (X0 + D, Y0), (X0, Y0 + D), (X0, Y0)])
# A square with a zero-width spike out of its top edge: invalid, and removing the spike keeps the area.
SPIKE = Polygon([(X0, Y0), (X0 + D, Y0), (X0 + D, Y0 + D), (X0 + D / 2, Y0 + D), (X0 + D / 2, Y0 + 2 * D),
                 (X0 + D / 2, Y0 + D), (X0, Y0 + D), (X0, Y0)])
HOLE_OUTSIDE_SHELL = Polygon(SQUARE.exterior.coords, [box(X0 + 2 * D, Y0, X0 + 3 * D, Y0 + D).exterior.coords])
OVERLAPPING_PARTS = MultiPolygon([box(X0, Y0, X0 + D, Y0 + D), box(X0 + D / 2, Y0, X0 + 1.5 * D, Y0 + D)])
EMPTY = Polygon()
OUTSIDE_CITY = box(104.60, 30.90, 104.61, 30.91)  # about 50 km away
SWAPPED = box(Y0, X0, Y0 + D, X0 + D)  # lat, lon
PROJECTED_AS_LONLAT = box(404_000.0, 3_392_000.0, 404_200.0, 3_392_200.0)  # UTM 48N metres read as degrees
LINE = SQUARE.exterior

VALID = {"square": SQUARE, "with_hole": WITH_HOLE, "multipart": MULTIPART}
REPAIRABLE = {"spike": SPIKE}
REJECTED = {
    "bow_tie": (BOW_TIE, "repairing it would change its area"),
    "hole_outside_shell": (HOLE_OUTSIDE_SHELL, "repairing it would change its area"),
    "overlapping_parts": (OVERLAPPING_PARTS, "repairing it would change its area"),
    "empty": (EMPTY, "missing or empty"),
    "outside_city": (OUTSIDE_CITY, "outside the city"),
    "swapped_lon_lat": (SWAPPED, "swapped"),
    "projected_as_lonlat": (PROJECTED_AS_LONLAT, "projected coordinates"),
    "line": (LINE, "must be a Polygon or MultiPolygon; got LinearRing"),
}
