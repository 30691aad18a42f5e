"""How a Result's message grows: a solver's or a method's message, then what stackopt adds."""

from __future__ import annotations


def then(message: str, more: str) -> str:
    """``message`` and ``more`` joined by "; ", the message's closing period dropped (Ipopt's
    "... (can be specified by options)." then "polished" reads "...options); polished");
    ``more`` alone when there is no message."""
    return f"{message.removesuffix('.')}; {more}" if message else more
