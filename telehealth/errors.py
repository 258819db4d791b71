"""Domain exceptions: what a rule says when it says no. A leaf: it imports nothing of ours.

The HTTP layer (telehealth.http.problems) maps each to RFC 9457 problem+json, once.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule said no. Raised by services and policies, mapped once by the HTTP layer."""

    status = 400
    title: str | None = None

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.title or "")
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}


class BadRequest(DomainError):
    status = 400
    title = "Bad request"


class Unauthenticated(DomainError):
    status = 401
    title = "Not authenticated"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class UnsupportedMediaType(DomainError):
    status = 415
    title = "Unsupported media type"


class ValidationFailed(DomainError):
    status = 422
    title = "Validation failed"

    def __init__(self, errors: dict[str, list[str]], detail: str | None = None) -> None:
        super().__init__(detail or "One or more fields are invalid.", errors=errors)

    @classmethod
    def field(cls, name: str, message: str) -> ValidationFailed:
        return cls({name: [message]})


class TooManyAttempts(DomainError):
    status = 429
    title = "Too many attempts"

    def __init__(self, detail: str | None = None, *, headers: dict[str, str] | None = None) -> None:
        detail = detail or "Too many failed attempts; retry after Retry-After seconds."
        super().__init__(detail, headers=headers)
