"""A per-client compute budget on training and the API's passes, kept in the database so every
worker shares it.

Work is counted in COMPUTE_BUDGET's unit (app.rules: examples x parameters, plus each layer's
fixed cost per pass or gradient step; at least BUDGET_MIN_CHARGE per request, its fixed cost)
in fixed windows of BUDGET_WINDOW_SECONDS, twice:
- per browser: the `backstep_client` cookie (set on the first charged answer), or, for scripts,
  an `X-Client-Id` header; at most BUDGET_PER_CLIENT per window;
- per address (behind a proxy, uvicorn's --proxy-headers makes it the real one): at most
  BUDGET_PER_ADDRESS, a generous backstop, so a lecture hall behind one NAT address is not
  blocked, while a client that drops its cookie on every request still has a bound.
A client id is free to invent, so a new one must not bring a budget of its own out of nothing:
an address may start at most BUDGET_NEW_CLIENTS_PER_ADDRESS ids per window (an id is new when
it was charged neither in this window nor the last); past that, and for requests with no id at
all, the address's newcomers share one BUDGET_PER_CLIENT.

Only what runs is charged: routes charge after the request is checked, a refusal raised while
the work runs is refunded whole (`charged`), and work that stops early (training that
diverges) is settled to what it did. A request over a budget gets 429 with Retry-After (the
seconds left in the window) and is not charged. Portable SQL: a conditional UPDATE (the row
lock makes it atomic on PostgreSQL, the write lock on SQLite), else an INSERT; two first
requests racing to insert retry.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from fastapi import Request, Response
from sqlalchemy import Connection, Engine, case, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.settings import get_settings
from app.storage.db import get_engine
from app.storage.tables import budget_table
from app.web.urls import is_https

CLIENT_COOKIE = "backstep_client"
CLIENT_HEADER = "X-Client-Id"
INSERT_ATTEMPTS = 3


class OverBudget(Exception):
    """This client (or its address) has used its compute budget for this window."""

    def __init__(self, who: str, retry_after: int, new_cookie: str | None = None) -> None:
        super().__init__(who)
        self.who = who
        self.retry_after = retry_after
        self.new_cookie = new_cookie  # still given: the next request then has an id

    @property
    def message(self) -> str:
        return (
            f"{self.who} has used its compute budget for now (BUDGET_PER_CLIENT, "
            f"BUDGET_PER_ADDRESS); retry in {self.retry_after} s"
        )


@dataclass
class Charge:
    """What one request was charged, to which accounts of which window."""

    engine: Engine
    accounts: list[str]
    window: int
    cost: float
    new_cookie: str | None
    refunded: float = field(default=0.0)

    def settle(self, work_done: float) -> None:
        """Keep only what was run (at least BUDGET_MIN_CHARGE): refund the rest."""
        kept = max(work_done, get_settings().budget_min_charge)
        self.refund(self.cost - self.refunded - kept)

    def refund(self, amount: float | None = None) -> None:
        """Give back `amount` (default: all that is still charged)."""
        left = self.cost - self.refunded
        amount = left if amount is None else min(amount, left)
        if amount <= 0:
            return
        t = budget_table
        with self.engine.begin() as connection:
            for account in self.accounts:
                here = (t.c.key == account) & (t.c.window_start == self.window)
                back = case((t.c.spent > amount, t.c.spent - amount), else_=0.0)
                connection.execute(update(t).where(here).values(spent=back))
        self.refunded += amount


def client_id(request: Request) -> tuple[str | None, str | None]:
    """(the client's key or None, a new cookie value to set or None)."""
    given = request.headers.get(CLIENT_HEADER) or request.cookies.get(CLIENT_COOKIE)
    if given:
        return given, None
    if CLIENT_COOKIE in request.cookies:
        return None, None  # an empty cookie: a browser that will not keep ours
    fresh = secrets.token_urlsafe(12)
    return fresh, fresh


def remember_client(request: Request, response: Response, new_cookie: str | None) -> None:
    if new_cookie is not None:
        response.set_cookie(
            CLIENT_COOKIE,
            new_cookie,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="lax",
            secure=is_https(request),
        )


def charge(request: Request, work: float) -> Charge:
    """Charge `work` to this client and its address, or raise OverBudget."""
    settings = get_settings()
    key, new_cookie = client_id(request)
    address = request.client.host if request.client else "unknown"
    cost = max(work, settings.budget_min_charge)
    now = time.time()
    window = int(now // settings.budget_window_seconds)
    retry_after = max(1, math.ceil((window + 1) * settings.budget_window_seconds - now))
    newcomers = f"anon:{address}"[:80]
    client = newcomers
    if key is not None:
        client = f"client:{hashlib.sha256(key.encode('utf-8', 'replace')).hexdigest()[:40]}"
    engine = get_engine(request)
    for attempt in range(INSERT_ATTEMPTS):
        try:
            with engine.begin() as connection:
                account = client
                if account != newcomers and not _seen(connection, account, window):
                    new_ids = f"new:{address}"[:80]
                    most = settings.budget_new_clients_per_address
                    if not _spend(connection, new_ids, window, 1, most):
                        account = newcomers  # over the new ids: no budget of its own
                accounts = [
                    (f"addr:{address}"[:80], settings.budget_per_address, "this address"),
                    (account, settings.budget_per_client, _who(account, newcomers)),
                ]
                for name, limit, who in accounts:
                    if not _spend(connection, name, window, cost, limit):
                        # Raised inside the transaction: nothing of this request is charged.
                        raise OverBudget(who, retry_after, new_cookie)
            return Charge(engine, [name for name, _, _ in accounts], window, cost, new_cookie)
        except IntegrityError:
            if attempt == INSERT_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


@contextmanager
def charged(request: Request, work: float) -> Iterator[Charge]:
    """Charge `work` for the block; anything raised in it (a refusal) is refunded whole."""
    bill = charge(request, work)
    try:
        yield bill
    except BaseException:
        bill.refund()
        raise


def _who(account: str, newcomers: str) -> str:
    return "this address's new clients" if account == newcomers else "this client"


def _seen(connection: Connection, key: str, window: int) -> bool:
    t = budget_table
    recent = (t.c.key == key) & (t.c.window_start >= window - 1)
    return connection.execute(select(t.c.key).where(recent).limit(1)).first() is not None


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
