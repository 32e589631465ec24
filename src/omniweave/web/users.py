"""The UI's people: users with a role, scrypt password hashes, sessions behind a signed
cookie, and login throttling per user and per address. The rules (who may do what, when a
login is refused) are pure functions; the rest reads and writes the ``ui_*`` tables."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from omniweave.core.errors import Conflict, FieldError, InvalidInput
from omniweave.store.dialect import Dialect
from omniweave.store.ui_tables import ui_login_attempts, ui_secrets, ui_sessions, ui_users


class Role(StrEnum):
    ADMIN = "admin"
    MARKETER = "marketer"
    ANALYST = "analyst"


# What each role may do beyond reading (everyone signed in reads everything).
ACTIONS = {
    Role.ADMIN: frozenset({"send", "edit", "review", "users"}),
    Role.MARKETER: frozenset({"send", "edit", "review"}),
    Role.ANALYST: frozenset(),
}
ACTION_NAMES = {
    "send": "send messages or start campaigns",
    "edit": "change segments, journeys, templates, campaigns, promotions or coupons",
    "review": "decide identity reviews",
    "users": "manage users",
}


def may(role: str, action: str) -> bool:
    return action in ACTIONS.get(Role(role), frozenset())


def refusal(role: str, action: str) -> str:
    return f"an {role} can read everything but cannot {ACTION_NAMES[action]}"


# --- passwords: scrypt from the standard library (no dependency), parameters in the hash ---

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD = 10


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32
    )
    b64 = base64.urlsafe_b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(
            password.encode(),
            salt=base64.urlsafe_b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=32,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.urlsafe_b64decode(digest))


# A hash of nothing anyone knows: an unknown email costs the same scrypt as a known one.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


# --- throttling: a pure rule over counts of recent failures ---

THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_IP = 20


def throttle(email_failures: int, ip_failures: int) -> str | None:
    """Why a login must wait, or None: five wrong passwords for one user, or twenty from one
    address, within the window."""
    minutes = int(THROTTLE_WINDOW.total_seconds() // 60)
    if email_failures >= MAX_FAILURES_PER_EMAIL:
        return f"{email_failures} failed logins for this user in {minutes} minutes: try later"
    if ip_failures >= MAX_FAILURES_PER_IP:
        return f"{ip_failures} failed logins from this address in {minutes} minutes: try later"
    return None


# --- users ---


def normal_email(email: str) -> str:
    value = email.strip().lower()
    if "@" not in value or len(value) > 320 or value.startswith("@") or value.endswith("@"):
        raise InvalidInput.one("email", f"not an email address: {email!r}")
    return value


def add_user(
    conn: Connection, workspace_id: int, email: str, role: str, password: str, now: datetime
) -> dict[str, Any]:
    """Create a user; the same email again is a conflict (``set_password`` changes one)."""
    email = normal_email(email)
    if role not in {r.value for r in Role}:
        raise InvalidInput.one("role", f"one of {', '.join(r.value for r in Role)}")
    if len(password) < MIN_PASSWORD:
        raise InvalidInput.one("password", f"at least {MIN_PASSWORD} characters")
    if conn.execute(select(ui_users.c.id).where(ui_users.c.email == email)).first():
        raise Conflict(f"a user {email} exists already")
    user_id = conn.execute(
        insert(ui_users)
        .values(
            workspace_id=workspace_id,
            email=email,
            role=role,
            password_hash=hash_password(password),
            created_at=now,
            updated_at=now,
        )
        .returning(ui_users.c.id)
    ).scalar_one()
    return {"id": user_id, "email": email, "role": role, "workspace_id": workspace_id}


def ensure_user(
    conn: Connection, workspace_id: int, email: str, role: str, password: str, now: datetime
) -> dict[str, Any]:
    """The user, created if absent (the demo: every run prints the same logins)."""
    found = conn.execute(select(ui_users).where(ui_users.c.email == normal_email(email))).first()
    if found is not None:
        return {"id": found.id, "email": found.email, "role": found.role}
    return add_user(conn, workspace_id, email, role, password, now)


def list_users(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(
            ui_users.c.id,
            ui_users.c.workspace_id,
            ui_users.c.email,
            ui_users.c.role,
            ui_users.c.created_at,
            ui_users.c.disabled_at,
        ).order_by(ui_users.c.id)
    ).mappings()
    return [dict(r) for r in rows]


# --- sessions ---


@dataclass(frozen=True)
class User:
    id: int
    workspace_id: int
    email: str
    role: str
    csrf: str
    session: str

    def may(self, action: str) -> bool:
        return may(self.role, action)


def _session_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions:
    """Sign-in and the cookie: ``token.signature``; the table keeps only the token's hash."""

    def __init__(self, engine: Engine, secret: bytes, lifetime: timedelta) -> None:
        self.engine = engine
        self.secret = secret
        self.lifetime = lifetime

    def sign(self, token: str) -> str:
        mac = hmac.new(self.secret, token.encode(), hashlib.sha256).hexdigest()[:32]
        return f"{token}.{mac}"

    def unsign(self, cookie: str) -> str | None:
        token, _, mac = cookie.rpartition(".")
        if not token or not hmac.compare_digest(self.sign(token), cookie):
            return None
        return token

    def login(self, email: str, password: str, ip: str, now: datetime) -> tuple[str, User]:
        """A new session's cookie value; a wrong login or too many is InvalidInput naming
        the field (the same message for an unknown user and a wrong password)."""
        email = email.strip().lower()[:320]
        ip = ip[:64]
        since = now - THROTTLE_WINDOW
        with self.engine.begin() as conn:
            failures = (
                select(func.count())
                .select_from(ui_login_attempts)
                .where(ui_login_attempts.c.ok.is_(False), ui_login_attempts.c.at >= since)
            )
            by_email = conn.execute(failures.where(ui_login_attempts.c.email == email)).scalar()
            by_ip = conn.execute(failures.where(ui_login_attempts.c.ip == ip)).scalar()
            why = throttle(by_email or 0, by_ip or 0)
            if why is not None:
                raise Throttled(why)
            row = conn.execute(
                select(ui_users).where(ui_users.c.email == email, ui_users.c.disabled_at.is_(None))
            ).first()
            ok = check_password(password, row.password_hash if row else _DUMMY_HASH) and bool(row)
            conn.execute(insert(ui_login_attempts).values(email=email, ip=ip, ok=ok, at=now))
        if not ok or row is None:
            raise InvalidInput.one("password", "wrong email or password")
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24)
        with self.engine.begin() as conn:
            conn.execute(
                insert(ui_sessions).values(
                    id=_session_id(token),
                    user_id=row.id,
                    csrf=csrf,
                    created_at=now,
                    expires_at=now + self.lifetime,
                )
            )
            conn.execute(delete(ui_sessions).where(ui_sessions.c.expires_at < now))
        user = User(row.id, row.workspace_id, row.email, row.role, csrf, _session_id(token))
        return self.sign(token), user

    def user(self, cookie: str | None, now: datetime) -> User | None:
        token = self.unsign(cookie) if cookie else None
        if token is None:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(
                select(ui_users, ui_sessions.c.csrf, ui_sessions.c.id.label("session"))
                .join(ui_sessions, ui_sessions.c.user_id == ui_users.c.id)
                .where(
                    ui_sessions.c.id == _session_id(token),
                    ui_sessions.c.expires_at > now,
                    ui_users.c.disabled_at.is_(None),
                )
            ).first()
        if row is None:
            return None
        return User(row.id, row.workspace_id, row.email, row.role, row.csrf, row.session)

    def logout(self, user: User) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(ui_sessions).where(ui_sessions.c.id == user.session))


class Throttled(InvalidInput):
    """Too many failed logins: answered 429."""

    status = 429
    code = "too_many_attempts"

    def __init__(self, why: str) -> None:
        super().__init__([FieldError("password", why)])


def session_secret(engine: Engine, configured: str, now: datetime) -> bytes:
    """The configured secret, or the one generated the first time and kept in the store."""
    if configured:
        return configured.encode()
    with engine.begin() as conn:
        conn.execute(
            Dialect.of(engine)
            .insert_ignoring_duplicates(ui_secrets, ["name"])
            .values(name="session", value=secrets.token_hex(32), created_at=now)
        )
        value = conn.execute(
            select(ui_secrets.c.value).where(ui_secrets.c.name == "session")
        ).scalar_one()
    return value.encode()


def set_password(conn: Connection, email: str, password: str, now: datetime) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput.one("password", f"at least {MIN_PASSWORD} characters")
    done = conn.execute(
        update(ui_users)
        .where(ui_users.c.email == normal_email(email))
        .values(password_hash=hash_password(password), updated_at=now)
    )
    if done.rowcount == 0:
        raise InvalidInput.one("email", f"no user {email}")
    user = conn.execute(select(ui_users.c.id).where(ui_users.c.email == normal_email(email)))
    conn.execute(delete(ui_sessions).where(ui_sessions.c.user_id == user.scalar_one()))
