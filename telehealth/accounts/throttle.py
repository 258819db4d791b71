"""Budgets of failed attempts, kept in the rate limiter's storage (Redis when configured).

Flask-Limiter's decorators check before the view runs, so they can only key by what the request
says about itself (its address, the email in its body). An action of a signed-in user is limited
by that user's own failures instead, checked after sign-in and CSRF, so nobody else on the same
network can use up the budget.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import TypeVar

from flask import current_app
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter, RateLimiter

from telehealth.errors import TooManyAttempts
from telehealth.extensions import limiter

log = logging.getLogger(__name__)
T = TypeVar("T")
# With Redis unreachable, each process counts on its own until it is back, as sign-in does.
_FALLBACK = MovingWindowRateLimiter(MemoryStorage())


def _counted(operation: Callable[[RateLimiter], T]) -> T:
    try:
        return operation(limiter.limiter)
    except Exception as exc:  # the storage's own errors differ by backend
        log.warning("rate-limit storage unreachable (%s); counting in memory", type(exc).__name__)
        return operation(_FALLBACK)


class FailureBudget:
    """At most `setting` failures (a limits string such as "5 per 15 minutes") per key."""

    def __init__(self, scope: str, setting: str) -> None:
        self.scope = scope
        self.setting = setting

    def _identity(self, key: str) -> tuple:
        item = parse(current_app.config[self.setting])
        return item, current_app.config.get("RATELIMIT_KEY_PREFIX", ""), self.scope, key

    def check(self, key: str) -> None:
        """Refuse with 429 and Retry-After when the key has no failures left."""
        item, *identifiers = self._identity(key)
        if _counted(lambda counter: counter.test(item, *identifiers)):
            return
        reset_at, _ = _counted(lambda counter: counter.get_window_stats(item, *identifiers))
        wait = max(1, math.ceil(reset_at - time.time()))
        raise TooManyAttempts(headers={"Retry-After": str(wait)})

    def spend(self, key: str) -> None:
        item, *identifiers = self._identity(key)
        _counted(lambda counter: counter.hit(item, *identifiers))


PASSWORD_CHANGE = FailureBudget("password-change", "PASSWORD_CHANGE_FAILURE_LIMIT")
