"""Accounts, tokens and role-based access: through the API where possible, units where not."""

from __future__ import annotations

import base64
import json
import time

import pytest
from taskboard import db, security, users
from taskboard.app import create_app

PASSWORD = "correct horse battery"


# -- sign-up -----------------------------------------------------------------------------------------


def test_signup_returns_the_account_without_its_hash(client):
    response = client.post("/auth/signup", {"email": "Ada@Example.com", "password": PASSWORD})
    assert response.status == 201
    assert response.json["email"] == "ada@example.com"
    assert response.json["role"] == "member"
    assert "password_hash" not in response.json


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": PASSWORD}, "email"),
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": "a@example.com"}, "password"),
        ({"email": "a@example.com", "password": "too short"}, "password"),
        ({"email": "a@example.com", "password": "x" * 129}, "password"),
        ({"email": "a@example.com", "password": 123456789012345}, "password"),
    ],
)
def test_signup_validates_its_input(client, body, field):
    response = client.post("/auth/signup", body)
    assert response.status == 422
    assert response.json["error"]["field"] == field


def test_an_email_can_sign_up_once_whatever_its_case(client, sign_up):
    sign_up("ada@example.com")
    response = client.post("/auth/signup", {"email": "ADA@example.com", "password": PASSWORD})
    assert response.status == 409
    assert response.json["error"]["code"] == "email_taken"


def test_the_service_refuses_a_duplicate_even_without_the_route(database_url):
    conn = db.connect(db.database_path(database_url))
    try:
        users.create_user(conn, "ada@example.com", "scrypt$hash")
        with pytest.raises(users.EmailTaken):
            users.create_user(conn, "ada@example.com", "scrypt$other")
        assert conn.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 1
        assert not conn.in_transaction
    finally:
        conn.close()


# -- login and tokens ------------------------------------------------------------------------------


def test_login_returns_a_token_for_the_account(client, sign_up):
    sign_up("ada@example.com")
    response = client.post("/auth/login", {"email": "ada@example.com", "password": PASSWORD})
    assert response.status == 200
    assert response.json["token_type"] == "Bearer"
    claims = security.decode_token(response.json["access_token"], security.secret_key())
    assert claims["role"] == "member"
    assert claims["exp"] - claims["iat"] == security.TOKEN_TTL_SECONDS


def test_wrong_password_and_unknown_email_look_the_same(client, sign_up):
    sign_up("ada@example.com")
    wrong = client.post("/auth/login", {"email": "ada@example.com", "password": "not the password"})
    unknown = client.post("/auth/login", {"email": "bob@example.com", "password": PASSWORD})
    assert wrong.status == unknown.status == 401
    assert wrong.json == unknown.json


def test_passwords_are_salted_scrypt_hashes():
    first, second = security.hash_password(PASSWORD), security.hash_password(PASSWORD)
    assert first != second and first.startswith("scrypt$")
    assert PASSWORD not in first
    assert security.verify_password(PASSWORD, first)
    assert not security.verify_password("wrong password!", first)
    assert not security.verify_password(PASSWORD, "md5$whatever")


def _forge(claims: dict, alg: str) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': alg, 'typ': 'JWT'})}.{part(claims)}."


def test_tampered_expired_and_unsigned_tokens_are_refused():
    secret = b"k" * 32
    token = security.issue_token({"id": 1, "role": "member"}, secret, now=1_000)
    assert security.decode_token(token, secret, now=1_001)["sub"] == "1"
    header, claims, signature = token.split(".")
    promoted = base64.urlsafe_b64encode(b'{"sub":"1","role":"admin","exp":9999999999}').rstrip(b"=").decode()
    for bad in (
        f"{header}.{promoted}.{signature}",  # claims changed, signature kept
        _forge({"sub": "1", "role": "admin", "exp": 9_999_999_999}, "none"),  # alg downgrade
        "not.a.token",
        "two.parts",
    ):
        with pytest.raises(security.InvalidToken):
            security.decode_token(bad, secret, now=1_001)
    with pytest.raises(security.InvalidToken):
        security.decode_token(token, secret, now=1_000 + security.TOKEN_TTL_SECONDS)
    with pytest.raises(security.InvalidToken):
        security.decode_token(token, b"another key of at least 32 bytes!", now=1_001)


# -- role-based access -------------------------------------------------------------------------------


def test_admin_routes_need_a_token(client):
    response = client.get("/admin/stats")
    assert response.status == 401
    assert client.get("/admin/stats", headers={"Authorization": "Bearer nonsense"}).status == 401
    assert client.get("/admin/stats", headers={"Authorization": "Basic YWRhOnB3"}).status == 401


def test_members_are_forbidden_from_admin_routes(client, sign_up):
    member = sign_up("ada@example.com")
    assert client.get("/admin/stats", headers=member).status == 403
    assert client.delete("/admin/projects/1", headers=member).status == 403


def test_admins_may_use_admin_routes(client, admin_headers):
    assert client.get("/admin/stats", headers=admin_headers).status == 200


def test_a_demoted_admin_loses_access_at_once(client, admin_headers, database_url):
    conn = db.connect(db.database_path(database_url))
    try:
        users.set_role(conn, "admin@example.com", "member")
    finally:
        conn.close()
    assert client.get("/admin/stats", headers=admin_headers).status == 403


def test_public_routes_stay_public(client):
    assert client.get("/projects").status == 200
    assert client.post("/projects", {"name": "Open"}).status == 201


def test_the_app_refuses_to_start_without_a_strong_secret(database_url, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(database_url)
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(database_url)


def test_tokens_expire_after_an_hour(client, sign_up):
    sign_up("ada@example.com")
    token = client.post("/auth/login", {"email": "ada@example.com", "password": PASSWORD}).json["access_token"]
    later = time.time() + security.TOKEN_TTL_SECONDS + 1
    with pytest.raises(security.InvalidToken):
        security.decode_token(token, security.secret_key(), now=later)
