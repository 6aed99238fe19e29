"""Passwords, access tokens and route guards, with the standard library only.

- Passwords: scrypt (memory-hard) with a random 16-byte salt per password. The parameters are
  stored with the hash (``scrypt$n$r$p$salt$hash``) so they can be raised later without breaking
  existing accounts.
- Tokens: JWT signed with HMAC-SHA256 (HS256) using SECRET_KEY from the environment, valid for
  TOKEN_TTL_SECONDS. Only HS256 is accepted, so a token cannot downgrade itself to ``"alg": "none"``.
- Guards: the app's middleware puts a request's verified token claims in ``request.user``;
  ``require_role`` checks the account's *current* role in the database, so demoting or deleting an
  admin takes effect immediately instead of when their token expires.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import time
from collections.abc import Callable
from typing import Any

from taskboard import users
from taskboard.web import Handler, HTTPError, Request, Response

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
TOKEN_TTL_SECONDS = 3600
MIN_SECRET_LENGTH = 32


# -- passwords -------------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
        return hmac.compare_digest(candidate, bytes.fromhex(digest))
    except ValueError:
        return False


@functools.cache
def dummy_hash() -> str:
    """A hash to verify against when the email is unknown, so a failed login takes the same time
    whether or not the account exists (no account enumeration by timing)."""
    return hash_password(secrets.token_urlsafe(16))


# -- tokens ----------------------------------------------------------------------------------------


class InvalidToken(Exception):
    pass


def secret_key() -> bytes:
    """SECRET_KEY from the environment. Refusing to run without a long one beats signing tokens
    with a guessable key."""
    value = os.environ.get("SECRET_KEY", "")
    if len(value) < MIN_SECRET_LENGTH:
        raise RuntimeError(
            f"SECRET_KEY must be set to a random string of at least {MIN_SECRET_LENGTH} characters (see .env.example)"
        )
    return value.encode()


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(signing_input: str, secret: bytes) -> bytes:
    return hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()


def issue_token(user: dict[str, Any], secret: bytes, *, now: float | None = None) -> str:
    issued = int(time.time() if now is None else now)
    header = {"alg": "HS256", "typ": "JWT"}
    claims = {"sub": str(user["id"]), "role": user["role"], "iat": issued, "exp": issued + TOKEN_TTL_SECONDS}
    signing_input = ".".join(_b64encode(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims))
    return signing_input + "." + _b64encode(_sign(signing_input, secret))


def decode_token(token: str, secret: bytes, *, now: float | None = None) -> dict[str, Any]:
    """The claims of a valid token; InvalidToken for anything malformed, forged or expired."""
    try:
        header_part, claims_part, signature_part = token.split(".")
        header = json.loads(_b64decode(header_part))
        signature = _b64decode(signature_part)
    except ValueError:  # wrong number of parts, bad base64 or bad JSON
        raise InvalidToken("malformed token") from None
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        raise InvalidToken("unsupported token algorithm")
    if not hmac.compare_digest(signature, _sign(f"{header_part}.{claims_part}", secret)):
        raise InvalidToken("bad signature")
    try:
        claims = json.loads(_b64decode(claims_part))
    except ValueError:
        raise InvalidToken("malformed claims") from None
    expires = claims.get("exp") if isinstance(claims, dict) else None
    if not isinstance(expires, int) or expires <= (time.time() if now is None else now):
        raise InvalidToken("expired token")
    return claims


# -- request guards ----------------------------------------------------------------------------------


def authenticate(request: Request) -> dict[str, Any] | None:
    """The verified claims of the request's bearer token; None when it sends no Authorization header."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPError(401, "unauthorized", "Send the token as 'Authorization: Bearer <token>'.")
    try:
        return decode_token(token.strip(), secret_key())
    except InvalidToken:
        raise HTTPError(401, "unauthorized", "The token is invalid or has expired.") from None


def require_role(role: str) -> Callable[[Handler], Handler]:
    """Guard a route: 401 without a valid token, 403 unless the account currently has ``role``."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def guarded(request: Request, conn: sqlite3.Connection) -> Response:
            if request.user is None:
                raise HTTPError(401, "unauthorized", "This route needs a bearer token.")
            account = users.get_user(conn, int(request.user["sub"]))
            if account is None or account["role"] != role:
                raise HTTPError(403, "forbidden", f"This route needs the '{role}' role.")
            return handler(request, conn)

        return guarded

    return decorate
