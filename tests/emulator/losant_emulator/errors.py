"""Errors as Losant answers them: an HTTP status and a ``{"type", "message"}`` body."""

# The error type Losant (or a proxy in front of it) names for each status.
ERROR_TYPES = {
    400: "Validation",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "PayloadTooLarge",
    429: "RateLimitExceeded",
    500: "InternalError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}


class ApiError(Exception):
    """An error answered as ``{"type": ..., "message": ...}``."""

    def __init__(self, status, type_, message, headers=None):
        Exception.__init__(self, message)
        self.status = status
        self.type = type_
        self.message = message
        self.headers = headers or {}

    def body(self):
        return {"type": self.type, "message": self.message}


def validation_error(message):
    return ApiError(400, "Validation", message)


def not_found(message):
    return ApiError(404, "NotFound", message)


def email_taken(email):
    return ApiError(400, "AlreadyExists", 'Email address "%s" already exists' % email)
