"""Bearer tokens and the scopes that grant each route."""

from .errors import ApiError

DEFAULT_TOKEN = "losant-emulator-token"
READ_ONLY_TOKEN = "losant-emulator-read-only-token"
# A user API token: it reaches every application and may list them.
USER_TOKEN = "losant-emulator-user-token"
DEFAULT_TOKENS = {
    DEFAULT_TOKEN: ["all.Application"],
    READ_ONLY_TOKEN: ["all.Application.read"],
    USER_TOKEN: ["all.User"],
}

# Scopes that grant every route, and those that grant every GET.
FULL_SCOPES = frozenset([
    "all.Application", "all.Application.bounded",
    "all.Organization", "all.Organization.bounded",
    "all.User", "all.User.bounded",
])
READ_SCOPES = frozenset([
    "all.Application.read", "all.Organization.read", "all.User.read",
])


def token_table(tokens):
    """{token: frozenset(scopes)} from {token: [scope, ...], "scope" or {"scopes": [...], ...}}."""
    table = {}
    for token, scopes in tokens.items():
        if isinstance(scopes, dict):
            scopes = scopes.get("scopes", ())
        if isinstance(scopes, str):
            scopes = [scopes]
        table[token] = frozenset(scopes or ())
    return table


def bearer_token(headers):
    """The request's bearer token, or None."""
    parts = (headers.get("Authorization") or "").split(None, 1)
    return parts[1].strip() if len(parts) == 2 and parts[0].lower() == "bearer" else None


def authenticate(tokens, headers):
    """(the request's bearer token, its scopes); 401 without a known one."""
    token = bearer_token(headers)
    scopes = tokens.get(token) if token is not None else None
    if scopes is None:
        raise ApiError(401, "Unauthorized", "Authorization failed")
    return token, scopes


def scope_allows(scopes, scope, method):
    """Whether ``scopes`` grant ``scope`` (``experienceUser.patch``): directly,
    by its resource's ``.*``, or by a full (or, for GET, read) scope."""
    if scopes & FULL_SCOPES:
        return True
    if method == "GET" and scopes & READ_SCOPES:
        return True
    resource = scope.rsplit(".", 1)[0]
    return scope in scopes or (resource + ".*") in scopes


def require_scope(scopes, scope, method):
    if not scope_allows(scopes, scope, method):
        raise ApiError(403, "Forbidden",
                       "Token lacks the required scope %s (or %s.*, all.Application) for %s"
                       % (scope, scope.rsplit(".", 1)[0], method))
