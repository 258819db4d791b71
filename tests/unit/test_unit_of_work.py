"""One unit of work: what a block does commits together, or not at all; a batch's steps stay apart."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from telehealth.accounts.models import Role, User
from telehealth.common.tx import own_session, transaction
from telehealth.extensions import db


def _user(email: str) -> User:
    return User(email=email, first_name="Una", last_name="Unit", role=Role.ADMIN)


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(User)) or 0


def test_a_unit_of_work_commits_what_its_block_did(app):
    with transaction():
        db.session.add(_user("kept@example.org"))
    db.session.rollback()  # nothing left to undo: it was committed
    assert _count() == 1


def test_a_unit_of_work_that_raises_keeps_nothing_of_what_it_did(app):
    with pytest.raises(RuntimeError), transaction():
        db.session.add(_user("dropped@example.org"))
        db.session.flush()
        raise RuntimeError("the rule said no")
    assert _count() == 0


def test_a_session_of_its_own_leaves_the_shared_session_as_it_was(app):
    shared = db.session()
    with own_session(expire_on_commit=False) as session, transaction(session):
        session.add(_user("apart@example.org"))
    assert shared.expire_on_commit is True
    assert _count() == 1
