"""Rotating the token encryption key re-encrypts what is stored, readable by the new key."""

from __future__ import annotations

from click.testing import CliRunner
from cryptography.fernet import Fernet
from sqlalchemy import text

from shopify_loyalty.cli import main
from shopify_loyalty.services import Services
from shopify_loyalty.shops.tokens import access_token
from tests.test_operations import use_app_settings


def raw_tokens(services: Services) -> tuple[str, str]:
    with services.db.engine.connect() as connection:
        row = connection.execute(
            text("SELECT access_token_encrypted, refresh_token_encrypted FROM shops")
        ).one()
    return row[0], row[1]


def test_keys_rotate_re_encrypts_every_token_under_the_newest_key(
    shop: str, services: Services, monkeypatch
) -> None:
    token = access_token(services, shop)
    old_key = services.settings.encryption_keys[0]
    new_key = Fernet.generate_key().decode()
    use_app_settings(services, monkeypatch)
    monkeypatch.setenv("LOYALTY_ENCRYPTION_KEY", f"{new_key},{old_key}")
    result = CliRunner().invoke(main, ["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "re-encrypted the tokens of 1 shops under the newest key",
        "re-encrypted the signing secrets of 0 webhook endpoints",
    ]
    access, refresh = raw_tokens(services)
    only_new = Fernet(new_key.encode())
    assert only_new.decrypt(access.encode()).decode() == token
    assert only_new.decrypt(refresh.encode())
    assert token not in access + refresh


def test_keys_rotate_re_encrypts_the_webhook_signing_secrets(
    shop: str, services: Services, http, session_token, monkeypatch
) -> None:
    headers = {"Authorization": f"Bearer {session_token(shop)}"}
    made = http.post(
        "/admin/api/webhook-endpoints",
        json={"url": "https://93.184.216.34/hooks", "topics": ["tier.changed"]},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    old_key = services.settings.encryption_keys[0]
    new_key = Fernet.generate_key().decode()
    use_app_settings(services, monkeypatch)
    monkeypatch.setenv("LOYALTY_ENCRYPTION_KEY", f"{new_key},{old_key}")

    result = CliRunner().invoke(main, ["keys", "rotate"])

    assert result.exit_code == 0, result.output
    assert (
        result.output.splitlines()[1] == "re-encrypted the signing secrets of 1 webhook endpoints"
    )
    with services.db.engine.connect() as connection:
        stored = connection.execute(
            text("SELECT secret_encrypted FROM webhook_endpoints")
        ).scalar_one()
    assert Fernet(new_key.encode()).decrypt(stored.encode()).decode() == made.json()["secret"]
