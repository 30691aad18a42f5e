"""Put ``results/wang2022/README.md`` into the documentation as ``_generated/wang2022.md``.

The report links to its own files (tables, figures, the study scripts) relative to its folder.
Before the pages are read, each local link is rewritten relative to the documentation's folder,
where the page that includes the copy lives: figures are shown, files become download links,
folders and missing files become plain text; web links stay.
"""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.application import Sphinx

ROOT = Path(__file__).resolve().parents[2]
REPORTS = {"wang2022": ROOT / "results" / "wang2022" / "README.md"}
LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)")


def rewrite(text: str, folder: Path, docs: Path) -> str:
    """``text`` with its local links (relative to ``folder``) made relative to ``docs``."""

    def local(match: re.Match) -> str:
        bang, label, target = match.groups()
        if re.match(r"[a-z]+:|#", target):
            return match.group(0)
        path = (folder / target).resolve()
        if not path.is_file():
            return f"{label} (`{target}`)" if label != target else f"`{target}`"
        relative = Path(*[".."] * len(docs.relative_to(ROOT).parts), path.relative_to(ROOT))
        if bang:
            return f"![{label}]({relative.as_posix()})"
        return f"{{download}}`{label} <{relative.as_posix()}>`"

    return LINK.sub(local, text)


def generate(app: Sphinx) -> None:
    out_dir = Path(app.srcdir) / "_generated"
    out_dir.mkdir(exist_ok=True)
    for name, source in REPORTS.items():
        out = out_dir / f"{name}.md"
        text = rewrite(source.read_text(), source.parent, Path(app.srcdir))
        if not out.exists() or out.read_text() != text:
            out.write_text(text)


def setup(app: Sphinx) -> dict[str, bool]:
    app.connect("builder-inited", generate)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
