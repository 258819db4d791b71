"""Every extension singleton, bound to the app in create_app()."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from telehealth.common.models import Base

db = SQLAlchemy(model_class=Base)
if TYPE_CHECKING:
    # Type checkers cannot subclass an attribute (db.Model, python/mypy#8603): models name this
    # alias, which they see as the declarative base db.Model is made from.
    Model = Base
else:
    Model = db.Model
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
mail = Mail()


def _client_address() -> str:
    return get_remote_address() or request.remote_addr or "unknown"


# No default limits: each abusable endpoint declares its own.
limiter = Limiter(key_func=_client_address, default_limits=[], strategy="moving-window")
