"""One error family for the whole domain: a stable code, a translated message, structured data.

Services raise these; the API maps them to ``{"code", "message", "data"}`` with ``http_status``;
the web layer shows ``message``; the CLI prints it and exits non-zero.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.functional import Promise


class DomainError(Exception):
    http_status: ClassVar[int] = 400
    default_code: ClassVar[str] = "invalid"

    def __init__(
        self, message: str | Promise, *, code: str | None = None, data: dict[str, Any] | None = None
    ):
        self.code = code or self.default_code
        self._message = message
        self.data = data or {}
        super().__init__(str(message))

    @property
    def message(self) -> str:
        # Rendered on access so the active language of the caller applies, not the raiser's.
        return str(self._message)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "data": self.data}


class ValidationFailed(DomainError):
    http_status = 400
    default_code = "invalid"


class NotFound(DomainError):
    """Also what an out-of-scope object looks like: its existence is not disclosed."""

    http_status = 404
    default_code = "not_found"


class Forbidden(DomainError):
    http_status = 403
    default_code = "forbidden"


class Conflict(DomainError):
    http_status = 409
    default_code = "conflict"


class Throttled(DomainError):
    http_status = 429
    default_code = "throttled"
