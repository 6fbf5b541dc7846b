"""One error hierarchy for the whole host.

Domain code raises these; ``transport`` maps each ``kind`` to a gRPC status in one
place, so the message written here is what a game developer reads. Write it so a
person can act on it: what was wrong and what to do instead.
"""

from __future__ import annotations


class NpcBridgeError(Exception):
    """Base class; ``kind`` names the status it maps to."""

    kind = "internal"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidArgument(NpcBridgeError):
    """The request is malformed or outside the configured limits."""

    kind = "invalid_argument"


class NotFound(NpcBridgeError):
    """An id names nothing stored (character, session, model...)."""

    kind = "not_found"


class ResourceExhausted(NpcBridgeError):
    """A limit on concurrent work is reached; retrying later can succeed.

    ``retry_after_s``: when a retry is likely to be admitted (sent as gRPC trailing
    metadata ``retry-after-ms`` and the HTTP ``Retry-After`` header)."""

    kind = "resource_exhausted"

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class Unavailable(NpcBridgeError):
    """The host cannot serve right now (model loading, engine down, shutting down)."""

    kind = "unavailable"


class DeadlineExceeded(NpcBridgeError):
    """The work did not finish within the time allowed."""

    kind = "deadline_exceeded"


class Unauthenticated(NpcBridgeError):
    """The call carries no valid credentials."""

    kind = "unauthenticated"


class FailedPrecondition(NpcBridgeError):
    """The host is not set up for this call (e.g. a service that is disabled)."""

    kind = "failed_precondition"


class ConfigError(NpcBridgeError):
    """Settings are inconsistent; raised at start-up, before anything is served."""

    kind = "invalid_argument"


class ModelLoadError(NpcBridgeError):
    """A model could not be resolved or loaded."""

    kind = "failed_precondition"
