"""Progress bars with an ETA (tqdm), in a terminal or a notebook, for long work."""

from __future__ import annotations

from typing import Any

from tqdm.auto import tqdm


def progress_bar(total: int, unit: str, enabled: bool = True, **kwargs: Any) -> tqdm:
    """A tqdm bar over ``total`` items of ``unit``; a context manager, silent if disabled."""
    return tqdm(total=total, unit=unit, disable=not enabled, dynamic_ncols=True, **kwargs)
