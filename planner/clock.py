"""The product's clock: times are stored as naive UTC datetimes (the store's convention)."""

from datetime import UTC, datetime

__all__ = ["utc_now"]


def utc_now() -> datetime:
    """Now, in UTC, without a time zone (as the store keeps times)."""
    return datetime.now(UTC).replace(tzinfo=None)
