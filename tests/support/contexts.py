"""Requests a test makes run as under a real server: each in an app context of its own.

A test keeps one app context for its own work (the database, the factories). Flask runs a request
inside an app context that is already pushed, so without this `g` (who is signed in, the audit
entry) would carry over from one request of the test to the next.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import has_app_context

from telehealth.extensions import db

P = ParamSpec("P")
R = TypeVar("R")


def as_own_request(call: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Call into the app (a WSGI call) outside the test's app context, then read the database afresh."""
    # Flask reuses an app context that is already pushed; an empty context has none to reuse.
    result = contextvars.Context().run(call, *args, **kwargs)
    if has_app_context():
        db.session.expire_all()  # the request committed on a session of its own
    return result
