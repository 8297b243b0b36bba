"""Configuration, chosen by SHOP_ENV. The only module that reads os.environ."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Where the SQLite file, uploaded media and development mail live (the browser tests give each server its own).
INSTANCE_DIR = Path(os.environ.get("SHOP_INSTANCE_DIR") or PROJECT_ROOT / "instance")


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _list(name: str) -> list[str] | None:
    value = os.environ.get(name, "").strip()
    return [part.strip() for part in value.split(",") if part.strip()] if value else None


def normalise_database_url(url: str) -> str:
    """Point plain PostgreSQL URLs at psycopg 3, the driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


# The key development signs with when SHOP_SECRET_KEY is not set; production refuses it (production_problems).
DEVELOPMENT_SECRET_KEY = "dev-only-not-secret"


class Config:
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SHOP_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("SHOP_DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'shop.db'}")
    )
    # PostgreSQL's connections are tested before each use (shop.core.db.engine_options); a SQLite file's need not be.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # Database timeouts (PostgreSQL; shop.core.db.engine_options): a hung or unreachable database answers an
    # error within seconds instead of holding every worker. SQLite waits for a writer (busy_timeout) instead.
    DB_CONNECT_TIMEOUT_SECONDS = _int("SHOP_DB_CONNECT_TIMEOUT", 5)
    DB_STATEMENT_TIMEOUT_MS = _int("SHOP_DB_STATEMENT_TIMEOUT_MS", 15000)
    DB_LOCK_TIMEOUT_MS = _int("SHOP_DB_LOCK_TIMEOUT_MS", 10000)
    DB_POOL_TIMEOUT_SECONDS = _int("SHOP_DB_POOL_TIMEOUT", 10)
    # Connections each process keeps open to PostgreSQL, and how many more it may open at a peak. A sync worker
    # serves one request at a time, so two cover it and a background thread; with the default 9 workers that is at
    # most 45 connections, inside PostgreSQL's default of 100 also with a second instance starting up.
    DB_POOL_SIZE = _int("SHOP_DB_POOL_SIZE", 2)
    DB_MAX_OVERFLOW = _int("SHOP_DB_MAX_OVERFLOW", 3)
    # Connections older than this are replaced (seconds): a proxy or firewall that drops idle ones never hurts.
    DB_POOL_RECYCLE_SECONDS = _int("SHOP_DB_POOL_RECYCLE", 1800)
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY") or None
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET") or None
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE") or None
    STRIPE_TIMEOUT_SECONDS = _int("SHOP_STRIPE_TIMEOUT", 10)
    STRIPE_MAX_NETWORK_RETRIES = _int("SHOP_STRIPE_RETRIES", 1)
    REDIS_URL = os.environ.get("SHOP_REDIS_URL") or None
    # Rate limits live in Redis when it is set (shared by every web instance). When Redis is unreachable the
    # limiter falls back to a per-process memory store: the shop keeps selling, limits hold per process.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
    # How many reverse proxies in front of the shop set X-Forwarded-For/-Proto/-Host (0: none, trust nothing).
    TRUSTED_PROXIES = _int("SHOP_TRUSTED_PROXIES", 0)
    # Logs: "json" (one object per line) or "text"; shop.core.observability.
    LOG_FORMAT = os.environ.get("SHOP_LOG_FORMAT") or "text"
    LOG_LEVEL = os.environ.get("SHOP_LOG_LEVEL") or "INFO"
    # Host names the shop answers to (Flask refuses others with 400); None: any (development).
    TRUSTED_HOSTS = _list("SHOP_TRUSTED_HOSTS")
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
    # E-invoices of companies (shop.invoicing.access_point): through a Peppol access point's REST API when its URL
    # is set, otherwise mailed to the buyer (PDF and UBL) with a copy of each under EINVOICE_DIR.
    ACCESS_POINT_URL = os.environ.get("SHOP_ACCESS_POINT_URL") or None
    ACCESS_POINT_KEY = os.environ.get("SHOP_ACCESS_POINT_KEY") or None
    ACCESS_POINT_TIMEOUT_SECONDS = 10
    EINVOICE_DIR = str(INSTANCE_DIR / "einvoices")

    LANGUAGES = ("nl", "fr", "en")
    BABEL_DEFAULT_LOCALE = "nl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Brussels"

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PRODUCTS_PER_PAGE = 24
    # The anonymous catalogue pages served from a cache (shop.core.page_cache): SHOP_PAGE_CACHE=0 turns it off
    # (to measure the pages uncached). In Redis when SHOP_REDIS_URL is set (shared by every web instance), else in
    # each process with the catalogue's generation in a file of the instance folder.
    PAGE_CACHE = os.environ.get("SHOP_PAGE_CACHE", "1").strip() not in ("0", "false", "off", "no")
    # Hits served in front of Flask (page_cache.FastHits); SHOP_PAGE_CACHE_FAST=0 serves them through Flask only.
    PAGE_CACHE_FAST = os.environ.get("SHOP_PAGE_CACHE_FAST", "1").strip() not in ("0", "false", "off", "no")
    PAGE_CACHE_MAX_BYTES = _int("SHOP_PAGE_CACHE_MAX_MB", 64) * 1024 * 1024  # per process
    # With Redis: the catalogue's generation held in each process under Redis's key tracking (no round trip per
    # request); SHOP_PAGE_CACHE_REDIS_TRACKING=0 reads it with a GET on every request instead.
    PAGE_CACHE_REDIS_TRACKING = os.environ.get("SHOP_PAGE_CACHE_REDIS_TRACKING", "1").strip() not in (
        "0", "false", "off", "no")
    # ... and read again with a GET at least this often (a connection lost without a word is seen by then).
    PAGE_CACHE_REDIS_RECHECK_SECONDS = _int("SHOP_PAGE_CACHE_REDIS_RECHECK_SECONDS", 1)
    PAGE_CACHE_SECONDS = 24 * 3600  # the longest a copy stays in Redis
    PAGE_CACHE_PREFIX = "shop:"  # of the page cache's keys in Redis
    PAGE_CACHE_GENERATION_FILE = str(INSTANCE_DIR / "catalogue-generation")
    MAX_PRODUCTS_PER_PAGE = 96
    # The products list's facet index built again after a change in a thread of its own, the lists counting with
    # SQL meanwhile (shop.catalog.facet_index); SHOP_FACET_INDEX_IN_BACKGROUND=0 builds it in the request that
    # needs it (that visitor waits: about 2 s at 100 times the demo catalogue).
    FACET_INDEX_IN_BACKGROUND = os.environ.get("SHOP_FACET_INDEX_IN_BACKGROUND", "1").strip() not in (
        "0", "false", "off", "no")


class DevelopmentConfig(Config):
    pass


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    WTF_CSRF_ENABLED = False
    FACET_INDEX_IN_BACKGROUND = False  # deterministic: a test of the background mode turns it on and waits
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("SHOP_TEST_DATABASE_URL", "sqlite:///" + str(INSTANCE_DIR / "test.db"))
    )


class ProductionConfig(Config):
    ENV_NAME = "production"
    SECRET_KEY = os.environ.get("SHOP_SECRET_KEY")
    SHOP_BASE_URL = os.environ.get("SHOP_BASE_URL")  # no default: mails and Stripe must never link to 127.0.0.1
    SQLALCHEMY_DATABASE_URI = normalise_database_url(os.environ.get("SHOP_DATABASE_URL", ""))
    SESSION_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    LOG_FORMAT = os.environ.get("SHOP_LOG_FORMAT") or "json"
    HSTS_SECONDS = 365 * 24 * 3600


# What production refuses to start without: (config key, environment variable, why).
PRODUCTION_REQUIREMENTS = (
    ("SECRET_KEY", "SHOP_SECRET_KEY", "signs sessions and links"),
    ("SHOP_BASE_URL", "SHOP_BASE_URL", "the https address in mails and Stripe's return links"),
    ("STRIPE_SECRET_KEY", "STRIPE_SECRET_KEY", "payments (demo payments never run in production)"),
    ("STRIPE_WEBHOOK_SECRET", "STRIPE_WEBHOOK_SECRET", "checks that payment events come from Stripe"),
    ("SQLALCHEMY_DATABASE_URI", "SHOP_DATABASE_URL", "a PostgreSQL database shared by every instance"),
    ("REDIS_URL", "SHOP_REDIS_URL", "rate limits and revocations shared by every instance"),
)


def production_problems(config) -> list[str]:
    """What keeps a production configuration from starting, one line per problem (empty: ready)."""
    problems = [f"{variable} is not set ({why})" for key, variable, why in PRODUCTION_REQUIREMENTS
                if not config.get(key)]
    url = config.get("SQLALCHEMY_DATABASE_URI") or ""
    if url.startswith("sqlite"):
        problems.append("SHOP_DATABASE_URL points at SQLite: production runs on PostgreSQL")
    base = config.get("SHOP_BASE_URL") or ""
    if base and not base.startswith("https://"):
        problems.append("SHOP_BASE_URL must start with https://")
    # Compared with the default itself: Config.SECRET_KEY is the environment's key whenever one is set.
    if config.get("SECRET_KEY") == DEVELOPMENT_SECRET_KEY:
        problems.append("SHOP_SECRET_KEY is the development key")
    return problems


CONFIGS = {"development": DevelopmentConfig, "testing": TestingConfig, "production": ProductionConfig}


def get_config(env: str | None = None) -> type[Config]:
    env = env or os.environ.get("SHOP_ENV", "development")
    if env not in CONFIGS:
        raise RuntimeError(f"SHOP_ENV must be one of {', '.join(CONFIGS)}, not {env!r}")
    return CONFIGS[env]
