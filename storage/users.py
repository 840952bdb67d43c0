"""Users: one row per (platform, platform user id)."""

from __future__ import annotations

import uuid

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from reelbot.domain.types import Origin, Platform
from reelbot.storage.models import User


def get_user(*, session: Session, user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


def find_user(*, session: Session, platform: Platform | str, platform_user_id: str) -> User | None:
    platform = Platform(platform)
    statement = select(User).where(User.platform == platform, User.platform_user_id == platform_user_id)
    return session.exec(statement).first()


def get_or_create_user(
    *,
    session: Session,
    platform: Platform | str,
    platform_user_id: str,
    display_name: str | None = None,
    locale: str | None = None,
) -> User:
    """The user, created on first sight; a newer display name or locale replaces the old one.

    Two requests from a new user at the same moment both try the INSERT; the loser's
    savepoint rolls back and it reads the winner's row.
    """
    platform = Platform(platform)
    user = find_user(session=session, platform=platform, platform_user_id=platform_user_id)
    if user is None:
        user = User(
            platform=platform, platform_user_id=platform_user_id, display_name=display_name, locale=locale
        )
        try:
            with session.begin_nested():
                session.add(user)
        except IntegrityError:
            user = find_user(session=session, platform=platform, platform_user_id=platform_user_id)
            if user is None:  # pragma: no cover - the conflicting row must exist
                raise
        else:
            return user
    changed = False
    if display_name is not None and user.display_name != display_name:
        user.display_name, changed = display_name, True
    if locale is not None and user.locale != locale:
        user.locale, changed = locale, True
    if changed:
        session.add(user)
        session.flush()
    return user


def user_for_origin(*, session: Session, origin: Origin) -> User:
    """The user behind a request's origin (created if new)."""
    return get_or_create_user(
        session=session,
        platform=origin.platform,
        platform_user_id=origin.user_id,
        display_name=origin.display_name,
        locale=origin.locale,
    )
