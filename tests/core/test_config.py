from onewindow import config


def test_postgres_url_is_parsed(monkeypatch, tmp_path):
    monkeypatch.setenv(
        "ONEWINDOW_DATABASE_URL", "postgresql://ow:p%40ss@127.0.0.1:5433/onewindow?sslmode=disable"
    )
    db = config.database(tmp_path)
    assert db["ENGINE"].endswith("postgresql")
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "ow",
        "p@ss",
        "127.0.0.1",
        "5433",
        "onewindow",
    )
    assert db["OPTIONS"] == {"sslmode": "disable"}


def test_default_is_sqlite_in_wal_mode_with_immediate_transactions(monkeypatch, tmp_path):
    monkeypatch.delenv("ONEWINDOW_DATABASE_URL", raising=False)
    db = config.database(tmp_path)
    assert db["NAME"] == str(tmp_path / "onewindow.sqlite3")
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]


def test_secret_key_is_generated_once(monkeypatch, tmp_path):
    monkeypatch.delenv("ONEWINDOW_SECRET_KEY", raising=False)
    first = config.secret_key(tmp_path)
    assert first == config.secret_key(tmp_path) and len(first) > 40
    monkeypatch.setenv("ONEWINDOW_SECRET_KEY", "from-env")
    assert config.secret_key(tmp_path) == "from-env"


def test_unknown_scheme_is_an_error(monkeypatch, tmp_path):
    import pytest

    monkeypatch.setenv("ONEWINDOW_DATABASE_URL", "mysql://x@y/z")
    with pytest.raises(ValueError):
        config.database(tmp_path)
