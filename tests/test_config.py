"""Configuration comes from the environment, with safe development defaults and a strict production mode."""

import importlib

import pytest


@pytest.fixture(autouse=True)
def reload_config_afterwards():
    """Set up before `monkeypatch`, so it is torn down after the environment is restored."""
    yield
    import config
    import wsgi

    importlib.reload(config)
    importlib.reload(wsgi)


def fresh_config(monkeypatch, **env):
    for name in ("SECRET_KEY", "DATABASE_URL", "FLASK_ENV"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    import config

    return importlib.reload(config)


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    config = fresh_config(monkeypatch, FLASK_ENV="production")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        config.ProductionConfig()


def test_production_reads_the_secret_and_secures_cookies(monkeypatch):
    config = fresh_config(monkeypatch, FLASK_ENV="production", SECRET_KEY="s3cret-from-env",
                          DATABASE_URL="postgres://ward:pw@db.example:5432/kieumau")
    production = config.ProductionConfig()
    assert production.SECRET_KEY == "s3cret-from-env" and production.SESSION_COOKIE_SECURE is True
    assert production.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://ward:pw@db.example:5432/kieumau"


def test_development_defaults_to_a_local_sqlite_file(monkeypatch):
    config = fresh_config(monkeypatch)
    assert config.Config.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///")
    assert config.Config.SQLALCHEMY_DATABASE_URI.endswith("instance/kieumau.sqlite")


def test_wsgi_builds_the_app(monkeypatch, tmp_path):
    fresh_config(monkeypatch, DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite")
    import wsgi

    app = importlib.reload(wsgi).app
    assert app.name == "workflow" and "api" in app.blueprints
