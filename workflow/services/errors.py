"""Refusals a service can give. Each carries the API's error code and HTTP status; pages flash the message."""

from __future__ import annotations


class ServiceError(Exception):
    code = "bad_request"
    status = 400

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}

    def as_json(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields}}

    def headers(self) -> dict[str, str]:
        """The HTTP headers the refusal carries (a 429's Retry-After)."""
        return {}


class BadRequest(ServiceError):
    code, status = "bad_request", 400


class Unauthenticated(ServiceError):
    code, status = "unauthenticated", 401


class InvalidCredentials(ServiceError):
    code, status = "invalid_credentials", 401


class Forbidden(ServiceError):
    code, status = "forbidden", 403


class NotFound(ServiceError):
    code, status = "not_found", 404


class InvalidTransition(ServiceError):
    code, status = "invalid_transition", 409


class VersionConflict(ServiceError):
    code, status = "version_conflict", 409


class Conflict(ServiceError):
    code, status = "conflict", 409


class TooLarge(ServiceError):
    code, status = "too_large", 413


class ValidationFailed(ServiceError):
    code, status = "validation_failed", 422


class GuardRefused(ServiceError):
    code, status = "guard_failed", 422


class TooManyAttempts(ServiceError):
    code, status = "too_many_attempts", 429

    def __init__(self, message: str, fields: dict[str, str] | None = None, retry_after: int | None = None):
        super().__init__(message, fields)
        self.retry_after = retry_after  # seconds

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)} if self.retry_after else {}
