from __future__ import annotations

import pytest

from config import DEV_SECRET_KEY
from telehealth import create_app


@pytest.mark.parametrize("key", [None, "", DEV_SECRET_KEY, "short"])
def test_production_refuses_to_start_without_a_real_secret_key(key):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", {"SECRET_KEY": key})


def test_production_starts_with_a_real_secret_and_sends_hsts():
    app = create_app("production", {"SECRET_KEY": "x" * 48, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_unknown_environment_name_is_refused():
    with pytest.raises(RuntimeError, match="TELEHEALTH_ENV"):
        create_app("staging")
