"""``{stackopt-options} METHOD``: the options table of a method, from :func:`stackopt.catalog.describe`.

The same source as ``stackopt.methods()`` and ``stackopt methods METHOD`` (the runner's signature
and docstring), so the documentation cannot drift from the code. ``:strategy: NAME`` gives an mpec
strategy's parameters instead.
"""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from stackopt.catalog import describe

COLUMNS = ("name", "type", "default", "meaning")


class OptionsTable(SphinxDirective):
    """A table with one row per option: name, type, default, meaning (its inline markup parsed)."""

    required_arguments = 1
    option_spec = {"strategy": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        strategy = self.options.get("strategy")
        row = describe(self.arguments[0], strategy)
        rows = row["strategy_options"] if strategy else row["options"]
        if not rows:
            return [nodes.paragraph(text="No options.")]
        table = nodes.table(classes=["stackopt-options"])
        group = nodes.tgroup(cols=len(COLUMNS))
        table += group
        group += [nodes.colspec(colwidth=w) for w in (14, 12, 10, 50)]
        head = nodes.thead()
        head += self._row([[nodes.Text(c)] for c in COLUMNS])
        body = nodes.tbody()
        for option in rows:
            meaning, messages = self.state.inline_text(option["meaning"], self.lineno)
            cells = [[nodes.literal(text=option[c])] for c in COLUMNS[:3]]
            body += self._row([*cells, meaning + messages])
        group += [head, body]
        return [table]

    @staticmethod
    def _row(cells: list[list[nodes.Node]]) -> nodes.row:
        row = nodes.row()
        for content in cells:
            entry = nodes.entry()
            para = nodes.paragraph()
            para += content
            entry += para
            row += entry
        return row


def setup(app: Sphinx) -> dict[str, bool]:
    app.add_directive("stackopt-options", OptionsTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
