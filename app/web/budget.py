"""A per-client compute budget on training, kept in the database so every worker shares it.

Work is counted in COMPUTE_BUDGET's unit (epochs x examples x parameters; at least
BUDGET_MIN_CHARGE per request, its fixed cost) in fixed windows of BUDGET_WINDOW_SECONDS, twice:
- per browser: the `backstep_client` cookie (set on the first charged answer), or, for scripts,
  an `X-Client-Id` header; at most BUDGET_PER_CLIENT per window;
- per address (behind a proxy, uvicorn's --proxy-headers makes it the real one): at most
  BUDGET_PER_ADDRESS, a generous backstop, so a lecture hall behind one NAT address is not
  blocked, while a client that drops its cookie on every request still has a bound.
A request over either gets 429 with Retry-After (the seconds left in the window) and is not
charged. Portable SQL: a conditional UPDATE (the row lock makes it atomic on PostgreSQL, the
write lock on SQLite), else an INSERT; two first requests racing to insert retry.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time

from fastapi import Request, Response
from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.settings import get_settings
from app.storage.db import get_engine
from app.storage.tables import budget_table

CLIENT_COOKIE = "backstep_client"
CLIENT_HEADER = "X-Client-Id"
INSERT_ATTEMPTS = 3


class OverBudget(Exception):
    """This client (or its address) has used its compute budget for this window."""

    def __init__(self, who: str, retry_after: int) -> None:
        super().__init__(who)
        self.who = who
        self.retry_after = retry_after

    @property
    def message(self) -> str:
        return (
            f"{self.who} has used its training budget for now (BUDGET_PER_CLIENT, "
            f"BUDGET_PER_ADDRESS); retry in {self.retry_after} s"
        )


def client_id(request: Request) -> tuple[str | None, str | None]:
    """(the client's key or None, a new cookie value to set or None)."""
    given = request.headers.get(CLIENT_HEADER) or request.cookies.get(CLIENT_COOKIE)
    if given:
        return given, None
    if CLIENT_COOKIE in request.cookies:
        return None, None
    # NOTE: this first request is charged to the address only; the next ones to the cookie.
    return None, secrets.token_urlsafe(12)


def remember_client(response: Response, new_cookie: str | None) -> None:
    if new_cookie is not None:
        response.set_cookie(
            CLIENT_COOKIE, new_cookie, max_age=365 * 24 * 3600, httponly=True, samesite="lax"
        )


def charge(request: Request, work: float) -> str | None:
    """Charge `work` to this client and its address, or raise OverBudget; returns the new
    client cookie to set on the answer, if any."""
    settings = get_settings()
    key, new_cookie = client_id(request)
    address = request.client.host if request.client else "unknown"
    cost = max(work, settings.budget_min_charge)
    now = time.time()
    window = int(now // settings.budget_window_seconds)
    retry_after = max(1, math.ceil((window + 1) * settings.budget_window_seconds - now))
    accounts = [(f"addr:{address}"[:80], settings.budget_per_address, "this address")]
    if key is not None:
        digest = hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:40]
        accounts.append((f"client:{digest}", settings.budget_per_client, "this client"))
    for attempt in range(INSERT_ATTEMPTS):
        try:
            with get_engine(request).begin() as connection:
                for account, limit, who in accounts:
                    if not _spend(connection, account, window, cost, limit):
                        # Raised inside the transaction: nothing of this request is charged.
                        raise OverBudget(who, retry_after)
            return new_cookie
        except IntegrityError:
            if attempt == INSERT_ATTEMPTS - 1:
                raise
    return new_cookie  # pragma: no cover - the loop returns or raises


def _spend(connection: Connection, key: str, window: int, cost: float, limit: float) -> bool:
    t = budget_table
    here = (t.c.key == key) & (t.c.window_start == window)
    spent = connection.execute(
        update(t).where(here & (t.c.spent + cost <= limit)).values(spent=t.c.spent + cost)
    )
    if spent.rowcount:
        return True
    if connection.execute(select(t.c.spent).where(here)).first() is not None or cost > limit:
        return False  # over the limit this window
    # First charge of this window: drop every finished window's rows, then start this one.
    connection.execute(delete(t).where(t.c.window_start < window - 1))
    connection.execute(insert(t).values(key=key, window_start=window, spent=cost))
    return True
