"""Flask extensions, unbound; create_app() binds them.

``db`` is made in shop/core/db.py beside the declarative base it is built on, so that the core (numbering, audit)
uses it without importing this module: shop.extensions builds on shop.core, never the other way round.
"""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from shop.core.db import db

__all__ = ["babel", "csrf", "db", "limiter", "login_manager", "migrate"]

migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
# Rate limits (log-in): in memory by default, in Redis when SHOP_REDIS_URL is set (see create_app).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
