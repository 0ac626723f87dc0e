"""On PostgreSQL with PostGIS: geometry columns beside the stored coordinates, for QGIS and SQL.

Each is a generated column (EPSG:4326) computed by the database from the column the product writes
(WKB, WKT or lon/lat), with a GiST index, so QGIS opens the tables as layers and spatial SQL runs on
them; the product keeps reading its own columns, so SQLite and PostgreSQL behave the same. Without
the PostGIS extension in the database the step is skipped with a warning; the product does not need it.

Revision ID: 0009_postgis_geometry
Revises: 0008_planned_routes
Create Date: 2026-12-02
"""

import logging

import sqlalchemy as sa
from alembic import op

revision = "0009_postgis_geometry"
down_revision = "0008_planned_routes"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)

# table -> (geometry type, SQL expression of the generated column)
GEOMETRY_COLUMNS = {
    "key_blocks": ("Geometry", "ST_SetSRID(ST_GeomFromWKB(geometry_wkb), 4326)"),
    "zones": ("Geometry", "CASE WHEN polygon_wkt IS NULL OR polygon_wkt = '' THEN NULL "
                          "ELSE ST_GeomFromText(polygon_wkt, 4326) END"),
    "incidents": ("Point", "ST_SetSRID(ST_MakePoint(lon, lat), 4326)"),
    "dispatches": ("Point", "ST_SetSRID(ST_MakePoint(lon, lat), 4326)"),
    "positions": ("Point", "ST_SetSRID(ST_MakePoint(lon, lat), 4326)"),
}


def has_postgis(bind) -> bool:
    """Whether this database is PostgreSQL with the PostGIS extension installed."""
    if bind.dialect.name != "postgresql":
        return False
    return bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")).scalar() is not None


def upgrade() -> None:
    bind = op.get_bind()
    if not has_postgis(bind):
        if bind.dialect.name == "postgresql":
            log.warning("PostGIS is not installed in this database: no geometry columns (CREATE EXTENSION postgis)")
        return
    for table, (kind, expression) in GEOMETRY_COLUMNS.items():
        op.execute(f"ALTER TABLE {table} ADD COLUMN geom geometry({kind}, 4326) GENERATED ALWAYS AS ({expression}) STORED")
        op.execute(f"CREATE INDEX ix_{table}_geom ON {table} USING GIST (geom)")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table in GEOMETRY_COLUMNS:
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_geom")
        op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS geom")
