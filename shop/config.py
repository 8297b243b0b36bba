"""Configuration, chosen by SHOP_ENV. The only module that reads os.environ."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Where the SQLite file, uploaded media and development mail live (the browser tests give each server its own).
INSTANCE_DIR = Path(os.environ.get("SHOP_INSTANCE_DIR") or PROJECT_ROOT / "instance")


def normalise_database_url(url: str) -> str:
    """Point plain PostgreSQL URLs at psycopg 3, the driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SHOP_SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("SHOP_DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'shop.db'}")
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY") or None
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET") or None
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE") or None
    STRIPE_TIMEOUT_SECONDS = 10
    STRIPE_MAX_NETWORK_RETRIES = 1
    REDIS_URL = os.environ.get("SHOP_REDIS_URL") or None
    SMTP_URL = os.environ.get("SHOP_SMTP_URL") or None
    MEDIA_ROOT = str(INSTANCE_DIR / "media")
    # "module:factory" of another media storage (e.g. object storage); unset = local folder MEDIA_ROOT.
    MEDIA_STORAGE = os.environ.get("SHOP_MEDIA_STORAGE") or None
    MAX_IMAGE_UPLOAD_BYTES = 10 * 1024 * 1024
    # Whole request bodies above this are refused with 413 before any view reads them.
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    MAIL_DIR = str(INSTANCE_DIR / "mail")
    # Absolute links in e-mails written outside a request (worker, webhooks, CLI).
    SHOP_BASE_URL = os.environ.get("SHOP_BASE_URL", "http://127.0.0.1:5000")
    MAIL_FROM = os.environ.get("SHOP_MAIL_FROM", "Lekker Oost-Vlaams <bestellingen@lekkeroostvlaams.be>")

    LANGUAGES = ("nl", "fr", "en")
    BABEL_DEFAULT_LOCALE = "nl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Brussels"

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PRODUCTS_PER_PAGE = 24
    MAX_PRODUCTS_PER_PAGE = 96


class DevelopmentConfig(Config):
    pass


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    WTF_CSRF_ENABLED = False
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("SHOP_TEST_DATABASE_URL", "sqlite:///" + str(INSTANCE_DIR / "test.db"))
    )


class ProductionConfig(Config):
    ENV_NAME = "production"
    SECRET_KEY = os.environ.get("SHOP_SECRET_KEY")
    SESSION_COOKIE_SECURE = True


CONFIGS = {"development": DevelopmentConfig, "testing": TestingConfig, "production": ProductionConfig}


def get_config(env: str | None = None) -> type[Config]:
    env = env or os.environ.get("SHOP_ENV", "development")
    if env not in CONFIGS:
        raise RuntimeError(f"SHOP_ENV must be one of {', '.join(CONFIGS)}, not {env!r}")
    return CONFIGS[env]
