from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway import tokens
from gateway.app import create_app
from gateway.config import hash_token, load_config
from tests.unit.api.conftest import FakeLedger


def test_issue_cli_stores_only_the_hash(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "gateway.json"
    config.write_text(json.dumps({"peers": [], "identities": []}))
    code = tokens.main(
        [
            "issue",
            "--config",
            str(config),
            "--msp",
            "HealthMSP",
            "--role",
            "admin",
            "--cert",
            "cert.pem",
            "--key",
            "key.pem",
            "--expires",
            "2030-01-01T00:00:00Z",
        ]
    )
    assert code == 0
    token = capsys.readouterr().out.strip()
    assert len(token) >= 43
    text = config.read_text()
    assert token not in text
    entry = json.loads(text)["identities"][0]
    assert entry["token_sha256"] == hash_token(token)
    assert entry["expires_at"] == "2030-01-01T00:00:00Z"
    assert Path(entry["cert"]).is_absolute()
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    loaded = load_config(config)
    assert loaded.identities[0].expires_at == datetime(2030, 1, 1, tzinfo=UTC)


def test_expiry_durations() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert tokens.parse_expiry("30d", now) == datetime(2026, 1, 31, tzinfo=UTC)
    assert tokens.parse_expiry("12h", now) == datetime(2026, 1, 1, 12, tzinfo=UTC)


def _layout() -> list[dict[str, object]]:
    return [
        {
            "name": "health",
            "msp_id": "HealthMSP",
            "peers": [
                {
                    "name": "peer0.health",
                    "address": "127.0.0.1:7051",
                    "tls_root_cert": "/ca.pem",
                    "server_name": "peer0.health.citydir.local",
                }
            ],
            "admin": {"cert": "/h/admin/cert.pem", "key": "/h/admin/key.pem"},
            "client": {"cert": "/h/client/cert.pem", "key": "/h/client/key.pem"},
        },
        {
            "name": "transport",
            "msp_id": "TransportMSP",
            "peers": [{"name": "peer0.transport", "address": "127.0.0.1:9051"}],
            "admin": {"cert": "/t/admin/cert.pem", "key": "/t/admin/key.pem"},
            "client": {"cert": "/t/client/cert.pem", "key": "/t/client/key.pem"},
        },
    ]


def test_dev_tokens_for_the_network(tmp_path: Path) -> None:
    tokens_path, config_path = tokens.write_dev_tokens(tmp_path, _layout(), listen="127.0.0.1:8099")
    assert tokens_path == tmp_path / "gateway" / "tokens.json"
    assert config_path == tmp_path / "gateway" / "gateway.json"
    for path in (tokens_path, config_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    plain = json.loads(tokens_path.read_text())
    assert set(plain) == {"HealthMSP", "TransportMSP"} and set(plain["HealthMSP"]) == {"admin", "client"}
    config_text = config_path.read_text()
    for roles in plain.values():
        for token in roles.values():
            assert token not in config_text
    config = load_config(config_path)
    assert config.listen == "127.0.0.1:8099" and [p.msp_id for p in config.peers] == [
        "HealthMSP",
        "TransportMSP",
    ]

    # The tokens written work against an app built from the config written.
    app = create_app(config, ledger_factory=lambda identity: FakeLedger(msp_id=identity.msp_id))
    client = app.test_client()
    ok = client.get(
        "/api/v1/departments/d1", headers={"Authorization": f"Bearer {plain['TransportMSP']['client']}"}
    )
    assert ok.status_code == 200
    app.extensions["citydir"].index.close()


def test_dev_cli(tmp_path: Path) -> None:
    layout = tmp_path / "layout.json"
    layout.write_text(json.dumps({"channel": "citydir", "chaincode": "citydir", "orgs": _layout()}))
    assert tokens.main(["dev", "--home", str(tmp_path / "home"), "--layout", str(layout)]) == 0
    assert load_config(tmp_path / "home" / "gateway" / "gateway.json").channel == "citydir"


def test_a_token_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    # A command line would take it for an option: ``--token -Xy…`` is a missing value to argparse.
    drawn = iter(["-leading-dash", "Mid-dash_ok"])
    monkeypatch.setattr("gateway.tokens.secrets.token_urlsafe", lambda n: next(drawn))
    assert tokens.new_token() == "Mid-dash_ok"
