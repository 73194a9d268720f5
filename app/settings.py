"""Settings read from the environment, one object per process (tests clear the cache)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# A DNS name or an IPv4 address (what ALLOWED_HOSTS lists; IPv6 literals are not supported).
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
HOST_NAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")


class Settings(BaseSettings):
    """Everything an operator can configure; each field reads the env var of its upper-case name."""

    model_config = SettingsConfigDict(extra="ignore")

    # Relative SQLite paths resolve against the working directory, which is the repo root for
    # scripts/run.sh and /app in the container. Any SQLAlchemy URL works, e.g. PostgreSQL's.
    database_url: str = "sqlite:///./data/backstep.db"
    # How long the app waits for the database (app.storage.db): to open a connection (or a
    # free one from the pool), and for one statement's answer (PostgreSQL's statement_timeout,
    # and the same wait on the client side, so a frozen server cannot hold a worker's thread;
    # SQLite's busy timeout). Past either, the request is answered 503 and the app goes on.
    db_connect_timeout_seconds: int = Field(5, ge=2, le=600)  # libpq's least is 2
    db_statement_timeout_seconds: float = Field(5.0, gt=0, le=600)
    # /healthz answers 503 when its check of the database has not finished within this.
    healthz_timeout_seconds: float = Field(2.0, gt=0, le=600)

    # Where the app is published: the origin of every absolute URL it writes (the exercise's
    # "Link for students", the exported script's source), e.g. "https://backstep.example.edu".
    # Unset: links are relative, except on a request whose Host is one of ALLOWED_HOSTS, which
    # gets links to that host; the request's Host is never trusted otherwise. PUBLIC_URL is
    # also the origin a browser's form must come from, and with https, cookies are Secure
    # (app.web.urls, app.web.security).
    public_url: str | None = Field(None, max_length=2000)
    allowed_hosts: Annotated[tuple[str, ...], NoDecode] = ()

    # Request limits. The bounds on each say how far an operator may move it.
    max_body_bytes: int = Field(2 * 1024 * 1024, ge=1024, le=256 * 1024 * 1024)
    max_layers: int = Field(16, ge=1, le=1024)
    max_units: int = Field(512, ge=1, le=65_536)  # per layer, the input width included
    max_examples: int = Field(10_000, ge=1, le=10_000_000)
    # epochs x examples x parameters of one train request.
    compute_budget: float = Field(1e9, ge=1, le=1e15)
    # Gradient steps of one train request: bounds the per-step overhead the budget cannot see.
    max_train_steps: int = Field(100_000, ge=1, le=100_000_000)
    # The gradient check runs 2 forward passes per parameter.
    max_gradient_check_parameters: int = Field(5_000, ge=1, le=10_000_000)
    # Numbers one pass holds: examples x units of all layers x 2 (z, a) for forward, x 4 (and
    # their gradients) for the rest. Bounds a request's memory and its answer's size: a small
    # network of wide layers must not turn 20 kB of inputs into a gigabyte of JSON.
    max_pass_values: int = Field(2_000_000, ge=1, le=1_000_000_000)
    # Examples of one exercise: a homework asks for every output by hand, and the separability
    # check is O(n^3) (15 ms at 64 points, 60 ms at 100).
    max_exercise_examples: int = Field(64, ge=1, le=100)
    # A per-student exercise's recorded checks (docs/exercises.md): kept this many days, then
    # deleted; at most this many per exercise (a hostile script cannot fill the disk).
    results_retention_days: int = Field(365, ge=1, le=3650)
    max_recorded_checks: int = Field(100_000, ge=1, le=10_000_000)
    # The most an API answer may hold, counted before the work from the numbers it will carry
    # at their longest (app.rules.answer_bytes): over it, 422 naming MAX_ANSWER_BYTES.
    max_answer_bytes: int = Field(16 * 1024 * 1024, ge=64 * 1024, le=4 * 1024**3)

    # Security headers (app.web.security). FRAME_ANCESTORS is the CSP source list of the sites
    # that may embed the pages in a frame, e.g. "'self' https://lms.example.edu".
    frame_ancestors: str = Field("'self'", min_length=1, pattern=r"^[^;,\r\n]+$")
    # The compute budget on training and the API's passes, per window, shared by every worker
    # (app.web.budget); in COMPUTE_BUDGET's unit of work (app.rules). Per browser (cookie or
    # X-Client-Id) and, as a backstop for a whole NAT address, per client address.
    budget_window_seconds: int = Field(60, ge=1, le=86_400)
    budget_per_client: float = Field(3e10, ge=1, le=1e18)
    budget_per_address: float = Field(1e12, ge=1, le=1e18)
    # What any charged request costs at least (its fixed overhead, about 0.3 ms of a core).
    budget_min_charge: float = Field(1e6, ge=0, le=1e15)
    # Client ids an address may start charging per window; past it, a new id gets no budget
    # of its own but shares one BUDGET_PER_CLIENT with every other such id from the address.
    budget_new_clients_per_address: int = Field(400, ge=1, le=1_000_000)

    # The per-worker cache of the answers the app marks public with an ETag (app.web.cache):
    # at most this many answers and bytes; 0 entries turns it off.
    response_cache_entries: int = Field(2048, ge=0, le=1_000_000)
    response_cache_bytes: int = Field(64 * 1024 * 1024, ge=0, le=16 * 1024**3)

    # One JSON line per request (app.web.accesslog) on stdout; off by default.
    access_log_json: bool = False

    referrer_policy: Literal["no-referrer", "same-origin", "strict-origin-when-cross-origin"] = (
        "strict-origin-when-cross-origin"
    )

    @field_validator("public_url")
    @classmethod
    def _absolute_base(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        if not value:
            return None
        if any(c in value for c in "\"'<>`\\ \t\r\n"):
            raise ValueError("PUBLIC_URL has a character a URL cannot hold")
        try:
            parts = urlsplit(value)
            port_ok = parts.port is None or parts.port > 0
        except ValueError:
            port_ok = False
        if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
            raise ValueError("PUBLIC_URL must be an absolute http(s) URL, e.g. https://a.edu")
        if parts.path.strip("/") or parts.query or parts.fragment or "@" in parts.netloc:
            # NOTE: the pages link root-relative (/exercises/...): no mounting under a path.
            raise ValueError("PUBLIC_URL is an origin: scheme, host and port, no path")
        return value.rstrip("/")

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _host_names(cls, value: object) -> object:
        # "a.edu, b.edu" (the environment's form) or a list; names only, lower-cased.
        names = value.split(",") if isinstance(value, str) else value
        if not isinstance(names, list | tuple):
            return value
        hosts = tuple(str(n).strip().lower().rstrip(".") for n in names if str(n).strip())
        for host in hosts:
            if not HOST_NAME.fullmatch(host):
                raise ValueError(f"ALLOWED_HOSTS: {host!r} is not a host name (no port or scheme)")
        return hosts


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; call `get_settings.cache_clear()` after changing the env."""
    return Settings()
