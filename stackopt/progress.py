"""Progress bars with an ETA (tqdm), in a terminal or a notebook, for long work.

In Jupyter the bar is a widget when ``ipywidgets`` is installed, and text otherwise.
"""

from __future__ import annotations

import importlib.util
from typing import Any

if importlib.util.find_spec("ipywidgets") is not None:
    from tqdm.auto import tqdm
else:  # tqdm.auto would warn that it cannot draw a widget
    from tqdm import tqdm


def progress_bar(total: int, unit: str, enabled: bool = True, **kwargs: Any) -> tqdm:
    """A tqdm bar over ``total`` items of ``unit``; a context manager, silent if disabled."""
    return tqdm(total=total, unit=unit, disable=not enabled, dynamic_ncols=True, **kwargs)
