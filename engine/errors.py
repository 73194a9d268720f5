"""The one exception type the engine raises for bad input."""

from __future__ import annotations


class EngineError(ValueError):
    """Bad input to the engine, with a message a user can act on.

    `loc` is the path of the offending field relative to the request that carried it
    (e.g. ``("network", "layers", 1, "weights")``), so the web layer can point at it.
    """

    def __init__(self, message: str, loc: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.loc = loc
