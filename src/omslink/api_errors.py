"""The error answers of every operation, written into the OpenAPI document (CONTRACT §2).

ninja documents only the success answers a route declares. A client generated from the
document should know every refusal it can meet, all in the one error shape; which ones a
route can give follows from what it takes (a token, a body, an id in the path) and, for the
rules of its domain, from the table below.
"""

from __future__ import annotations

from typing import Any

from omslink.api_auth import Allow

ERROR_SCHEMA = "Error"
CODE_DESCRIPTIONS = {
    "malformed_json": "the body is not JSON, or is empty where fields are required",
    "unauthenticated": "no token, an unknown token or a revoked one",
    "forbidden": "the token's role lacks the operation",
    "app_disabled": "the API key's OMS app is disabled",
    "not_found": "unknown id, or one that belongs to another OU/app",
    "method_not_allowed": "the route does not take this method (see the Allow header)",
    "insufficient_stock": 'details: [{"sku", "requested", "available"}]; nothing was stored',
    "duplicate_order": "same external_order_id with a different body",
    "invalid_transition": "the status does not allow the action",
    "conflict": "another uniqueness rule",
    "payload_too_large": "body over 1 MiB",
    "unsupported_media_type": "body that is not application/json",
    "validation_error": 'details: [{"field", "message"}]',
    "unknown_sku": "details: the unknown SKUs",
    "connection_test_failed": "the connection tests did not pass; details say which",
    "rate_limited": "too many requests; see the Retry-After header",
    "internal_error": "a bug; it has been logged",
}

_TRANSITION = {409: ["invalid_transition"]}
# The refusals of each operation's own rules, beyond what its inputs imply.
DOMAIN_ERRORS: dict[tuple[str, str], dict[int, list[str]]] = {
    ("POST", "/org-units"): {409: ["conflict"]},
    ("POST", "/sites"): {409: ["conflict"]},
    ("POST", "/items"): {409: ["conflict"]},
    ("POST", "/customers"): {409: ["conflict"]},
    ("POST", "/stock/receipts"): {422: ["unknown_sku"]},
    ("POST", "/stock/adjustments"): {409: ["insufficient_stock"], 422: ["unknown_sku"]},
    ("POST", "/orders"): {
        409: ["insufficient_stock", "duplicate_order", "conflict"],
        422: ["unknown_sku"],
    },
    ("POST", "/orders/{order_id}/cancel"): _TRANSITION,
    ("POST", "/orders/{order_id}/awb"): _TRANSITION,
    ("POST", "/orders/{order_id}/pack"): {409: ["invalid_transition", "conflict"]},
    ("POST", "/orders/{order_id}/ship"): _TRANSITION,
    ("POST", "/picklists"): _TRANSITION,
    ("POST", "/picklists/{number}/confirm"): _TRANSITION,
    ("POST", "/wholesale-orders"): {409: ["insufficient_stock"], 422: ["unknown_sku"]},
    ("POST", "/wholesale-orders/{order_id}/dispatch"): _TRANSITION,
    ("POST", "/wholesale-orders/{order_id}/cancel"): _TRANSITION,
    ("POST", "/oms-apps"): {409: ["conflict"], 422: ["connection_test_failed"]},
    ("POST", "/oms-apps/{app_id}/enable"): {409: ["conflict"], 422: ["connection_test_failed"]},
    ("PUT", "/oms-apps/{app_id}"): {405: ["method_not_allowed"]},
    ("PATCH", "/oms-apps/{app_id}"): {405: ["method_not_allowed"]},
    ("DELETE", "/oms-apps/{app_id}"): {405: ["method_not_allowed"]},
    ("POST", "/webhook-deliveries/{delivery_id}/retry"): _TRANSITION,
    ("POST", "/webhook-deliveries/{delivery_id}/abandon"): _TRANSITION,
    ("POST", "/oms-apps/{app_id}/abandon-held"): _TRANSITION,
}


def _error_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "details"],
                "properties": {
                    "code": {"type": "string", "enum": sorted(CODE_DESCRIPTIONS)},
                    "message": {"type": "string", "description": "A sentence for people"},
                    "details": {"type": "array", "items": {}},
                },
            }
        },
    }


def operation_errors(
    method: str, path: str, operation: dict[str, Any], *, partner: bool
) -> dict[int, list[str]]:
    """The error statuses and codes one operation can answer with."""
    errors: dict[int, list[str]] = {}

    def add(status: int, *codes: str) -> None:
        errors.setdefault(status, [])
        errors[status] += [code for code in codes if code not in errors[status]]

    if operation.get("security"):
        add(401, "unauthenticated")
        add(403, "forbidden", *(["app_disabled"] if partner else []))
        add(429, "rate_limited")
    parameters = operation.get("parameters", [])
    if any(parameter["in"] == "path" for parameter in parameters):
        add(404, "not_found")
    if parameters:
        add(422, "validation_error")
    if "requestBody" in operation:
        add(400, "malformed_json")
        add(413, "payload_too_large")
        add(415, "unsupported_media_type")
        add(422, "validation_error")
    if path.startswith("/oms-apps/test-") or path == "/oms-apps":
        add(429, "rate_limited")  # connection tests are bounded per process
    for status, codes in DOMAIN_ERRORS.get((method, path), {}).items():
        add(status, *codes)
    return errors


def document_errors(document: dict[str, Any], api: Any, prefix: str) -> None:
    """Add the error schema, and each operation's error answers, to an OpenAPI document."""
    document.setdefault("components", {}).setdefault("schemas", {})[ERROR_SCHEMA] = _error_schema()
    partner_routes = {
        (method, path)
        for _, router in api._routers
        for path, view in router.path_operations.items()
        for operation in view.operations
        for method in operation.methods
        if any(isinstance(auth, Allow) and auth.partner for auth in operation.auth_callbacks)
    }
    for full_path, operations in document["paths"].items():
        path = full_path.removeprefix(prefix)
        for method, operation in operations.items():
            verb = method.upper()
            errors = operation_errors(verb, path, operation, partner=(verb, path) in partner_routes)
            for status, codes in sorted(errors.items()):
                operation["responses"][status] = {
                    "description": "; ".join(
                        f"`{code}`: {CODE_DESCRIPTIONS[code]}" for code in codes
                    ),
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}
                        }
                    },
                }
