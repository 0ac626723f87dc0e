"""One exception root for the product, with a specific subclass per kind of bad input."""

__all__ = [
    "CityNotBuiltError",
    "ConflictError",
    "NotFoundError",
    "NotReadyError",
    "CoordinateError",
    "DatumError",
    "NoStreetsError",
    "OfflineError",
    "OsmFileError",
    "PatrolError",
    "ProfileError",
    "UnknownCityError",
    "UnknownModeError",
]


class PatrolError(Exception):
    """Root of every error the product reports to a user as a clear message."""


class NotFoundError(PatrolError):
    """A thing asked for by its id or name does not exist (a web request answers 404)."""


class ConflictError(PatrolError):
    """The request clashes with the current state, e.g. another dispatcher took the patrol (409)."""


class NotReadyError(PatrolError):
    """The service cannot answer yet: its city is not built or its data is missing (503)."""


class OsmFileError(PatrolError):
    """An OSM source file is missing, unreadable, corrupt or truncated."""


class NoStreetsError(PatrolError):
    """An OSM source holds no streets usable by a travel mode."""


class OfflineError(PatrolError):
    """A download was needed but no network is reachable."""


class ProfileError(PatrolError):
    """A city profile has a missing or invalid field."""


class UnknownCityError(NotReadyError):
    """No city profile or built city has the requested name."""


class CityNotBuiltError(NotReadyError):
    """The city has a profile but has not been built yet."""


class UnknownModeError(PatrolError):
    """A travel mode name is not one of the city's modes."""


class DatumError(PatrolError):
    """A coordinate datum name is not known."""


class CoordinateError(PatrolError):
    """A coordinate is malformed, out of range or outside the city."""
