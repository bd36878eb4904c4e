"""One error family: every failure a client can cause carries a contract code (CONTRACT §2).

Services raise these; the API layer turns any of them into
`{"error": {"code", "message", "details"}}` with the status the contract fixes for the code.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ApplicationError(Exception):
    """A failure the client caused or must know of, with the contract's status and code."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    default_message: ClassVar[str] = "The request cannot be processed."

    def __init__(
        self,
        message: str | None = None,
        *,
        details: list[Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.details = details or []
        self.headers = headers or {}
        super().__init__(self.message)

    def as_body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class MalformedJson(ApplicationError):
    status, code = 400, "malformed_json"
    default_message = "The request body is not valid JSON."


class Unauthenticated(ApplicationError):
    status, code = 401, "unauthenticated"
    default_message = "A valid bearer token is required."


class Forbidden(ApplicationError):
    status, code = 403, "forbidden"
    default_message = "Your role does not allow this operation."


class AppDisabled(ApplicationError):
    status, code = 403, "app_disabled"
    default_message = "The OMS app of this API key is disabled."


class NotFound(ApplicationError):
    status, code = 404, "not_found"
    default_message = "No such resource."


class MethodNotAllowed(ApplicationError):
    status, code = 405, "method_not_allowed"
    default_message = "This method is not allowed here."


class InsufficientStock(ApplicationError):
    status, code = 409, "insufficient_stock"
    default_message = "Not enough stock is available; nothing was stored."


class DuplicateOrder(ApplicationError):
    status, code = 409, "duplicate_order"
    default_message = "An order with this external_order_id exists with a different body."


class InvalidTransition(ApplicationError):
    status, code = 409, "invalid_transition"
    default_message = "The order's status does not allow this action."


class Conflict(ApplicationError):
    status, code = 409, "conflict"
    default_message = "This conflicts with an existing record."


class PayloadTooLarge(ApplicationError):
    status, code = 413, "payload_too_large"
    default_message = "The request body is larger than 1 MiB."


class UnsupportedMediaType(ApplicationError):
    status, code = 415, "unsupported_media_type"
    default_message = "The request body must be application/json."


class ValidationFailed(ApplicationError):
    """422 with details `[{"field", "message"}]`."""

    status, code = 422, "validation_error"
    default_message = "The request has invalid fields."

    @classmethod
    def for_field(cls, field: str, message: str) -> ValidationFailed:
        return cls(f"{field}: {message}", details=[{"field": field, "message": message}])


class UnknownSku(ApplicationError):
    status, code = 422, "unknown_sku"
    default_message = "Some SKUs do not exist."


class ConnectionTestFailed(ApplicationError):
    status, code = 422, "connection_test_failed"
    default_message = "The connection tests did not pass; nothing was saved."


class RateLimited(ApplicationError):
    status, code = 429, "rate_limited"
    default_message = "Too many requests; retry later."


class InternalError(ApplicationError):
    """What a bug turns into: the only 5xx, and a test failure wherever it appears."""

    status, code = 500, "internal_error"
    default_message = "An unexpected error occurred; it has been logged."
