"""stackopt.app.report: the numbers behind each plot, and the PNG files."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402

import stackopt as so  # noqa: E402
from stackopt.app import report  # noqa: E402
from stackopt.models import duopoly  # noqa: E402


def frame() -> pd.DataFrame:
    """Two instances, three methods: a is best and fastest on seed 0, b on seed 1, c fails."""
    rows = [
        # seed, method, status, objective, violation, time
        (0, "a", "optimal", 10.0, 0.0, 1.0),
        (0, "b", "locally_optimal", 9.0, 0.0, 2.0),
        (0, "c", "error", None, None, 0.5),
        (1, "a", "feasible", 20.0, 1e-3, 1.0),
        (1, "b", "locally_optimal", 19.99999, 0.0, 4.0),
        (1, "c", "locally_optimal", 20.0, 0.0, 8.0),
    ]
    return pd.DataFrame(
        [
            dict(
                game="g",
                params={"B": seed + 1},
                seed=seed,
                method=m,
                status=s,
                sense="max",
                leader_objective=o,
                violation=v,
                wall_time=t,
                history={"step": [0, 1, 2], "objective": [1.0, 2.0, o or 0.0]},
            )
            for seed, m, s, o, v, t in rows
        ]
    )


def test_solved_needs_success_no_violation_and_the_best_objective():
    solved = report.solved_cells(frame())
    assert solved["solved"].tolist() == [True, False, False, False, True, True]


def test_without_a_known_sense_solved_needs_success_and_no_violation_only():
    solved = report.solved_cells(frame().assign(sense=""))
    assert solved["solved"].tolist() == [True, True, False, False, True, True]


def test_the_performance_profile_counts_instances_within_a_factor_of_the_best_time():
    fig = report.performance_profile(frame())
    curves = {line.get_label(): line for line in fig.axes[0].get_lines()}
    taus = curves["a"].get_xdata()

    def share(method, tau):
        return curves[method].get_ydata()[np.searchsorted(taus, tau, side="right") - 1]

    # instance 0: only a solves (time 1, best 1); instance 1: b (4, best) and c (8 = 2x best)
    assert share("a", 1.0) == 0.5 and share("a", 8.0) == 0.5
    assert share("b", 1.0) == 0.5
    assert share("c", 1.9) == 0.0 and share("c", 2.0) == 0.5


def test_objective_against_a_parameter_plots_the_mean_per_method():
    fig = report.objective_vs_param(frame(), "B")
    data = {c.get_label(): c for c in fig.axes[0].containers}
    assert set(data) == {"a", "b", "c"}
    x, y = data["b"].lines[0].get_data()
    assert list(x) == [1, 2] and list(y) == pytest.approx([9.0, 19.99999])
    with pytest.raises(ValueError, match="no game of this study has a parameter 'n'"):
        report.objective_vs_param(frame(), "n")


def test_summary_counts_statuses_per_parameter_value_and_method():
    table = report.summary(frame())
    assert table.index.names == ["game", "B", "method"]  # never averaged across B
    assert table.loc[("g", 1, "c"), "cells"] == 1 and table.loc[("g", 1, "c"), "solved"] == 0
    assert table.loc[("g", 1, "c"), "error"] == 1 and table.loc[("g", 2, "c"), "solved"] == 1
    assert table.loc[("g", 1, "a"), "objective_mean"] == 10.0
    # violation 1e-3 > tol 1e-6: drawn as infeasible, and in no mean (unless tol allows it)
    assert np.isnan(table.loc[("g", 2, "a"), "objective_mean"])
    assert report.summary(frame(), tol=1e-3).loc[("g", 2, "a"), "objective_mean"] == 20.0
    assert np.isnan(table.loc[("g", 1, "c"), "objective_mean"])  # an error's


def test_convergence_needs_a_history():
    no_history = frame().assign(history=[{}] * 6)
    with pytest.raises(ValueError, match="no cell of this study has a history"):
        report.convergence(no_history)
    fig = report.convergence(frame())
    assert fig.axes[0].get_ylabel() == "objective"
    with pytest.raises(ValueError, match="no cell of this study records 'nokey' as numbers"):
        report.convergence(frame(), "nokey")  # a ZeroDivisionError from an empty grid of panels


def test_report_of_a_real_study_saves_every_plot_as_png(tmp_path):
    store = tmp_path / "r.sqlite"
    so.compare(
        (duopoly, {"A": [90, 100]}),
        [dict(label="gd", method="gradient", max_iter=20), dict(label="initial", method="initial")],
        seeds=[0, 1],
        store=store,
        timeout=120,
        progress=False,
    )
    figures = report.report(store, tmp_path / "plots", param="A")
    assert set(figures) == {
        "violation",
        "runtime",
        "performance_profile",
        "objective_vs_A",
        "convergence",
    }
    for name in figures:
        data = (tmp_path / "plots" / f"{name}.png").read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    assert figures["runtime"].axes[0].get_yscale() == "log"
    report.close(figures.values())


def test_a_point_that_is_not_valid_is_marked_and_never_enters_the_mean():
    rows = frame()
    big = rows.iloc[[0]].assign(game="h", params=[{"B": 1}], leader_objective=500.0)
    df = pd.concat([rows, big.assign(method="a", violation=0.5),
                    big.assign(method="a", seed=1, violation=0.0)], ignore_index=True)  # fmt: skip
    fig = report.objective_vs_param(df, "B")
    panels = {ax.get_title(): ax for ax in fig.axes if ax.get_visible()}
    assert set(panels) == {"g", "h"}  # one panel per game
    a = {c.get_label(): c for c in panels["h"].containers}["a"]
    assert list(a.lines[0].get_ydata()) == [500.0]  # the infeasible copy is not averaged in
    crosses = [c for c in panels["h"].collections if isinstance(c, PathCollection)]
    crosses = [c for c in crosses if len(c.get_offsets())]
    assert len(crosses) == 1 and list(crosses[0].get_offsets()[0])[1] == 500.0
    g = {c.get_label(): c for c in panels["g"].containers}
    assert list(g["a"].lines[0].get_ydata()) == [10.0]  # seed 1 has violation 1e-3 > 1e-6
    assert panels["g"].get_legend() is None and len(fig.legends) == 1  # legend outside
    assert "failed, no point: c 1" in " ".join(t.get_text() for t in panels["g"].texts)
    assert report.outcomes(df).tolist()[:4] == ["valid", "valid", "error", "infeasible"]


def test_a_parameter_given_as_words_gets_one_position_per_value():
    df = frame().assign(params=[{"rule": "patrol"}, {"rule": "patrol"}, {"rule": "all"}] * 2)
    ax = report.objective_vs_param(df, "rule").axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["patrol", "all"]


def test_every_method_has_its_own_colour_marker_and_line_style():
    styles = report.method_styles([f"m{i}" for i in range(12)])
    assert len({(s["color"], s["marker"], s["ls"]) for s in styles.values()}) == 12
    assert len({(s["marker"], s["ls"]) for s in styles.values()}) == 12
    assert not {s["marker"] for s in styles.values()} & {m for m, _ in
                                                          report.OUTCOME_MARKERS.values()}  # fmt: skip


def test_a_history_spanning_decades_gets_a_log_axis_and_the_profile_states_its_rule():
    df = frame().assign(history=[{"grad_norm": [1.0, 1e-2, 1e-5]}] * 6)
    assert report.convergence(df, "grad_norm").axes[0].get_yscale() == "log"
    assert report.convergence(frame(), "objective").axes[0].get_yscale() == "linear"
    fig = report.performance_profile(frame(), tol=1e-6, rtol=1e-3)
    rule = " ".join(t.get_text() for t in fig.texts)
    assert "solved: status optimal / locally_optimal / feasible, violation ≤ 1e-06" in rule
    assert "within 0.001 (relative) of the best found on the instance" in rule


def test_a_study_whose_cells_all_failed_is_reported():
    """No objective anywhere (a store of time-limited or failed cells: its column held None only,
    and the profile's negation raised TypeError): the summary and every plot still come."""
    failed = frame().assign(status="time_limit", leader_objective=None, violation=None)
    failed = failed.astype({"leader_objective": object})
    table = report.summary(failed)
    assert table["solved"].sum() == 0 and table["objective_mean"].isna().all()
    figures, skipped = report.draw(failed)
    assert set(figures) >= {"runtime", "performance_profile"}, skipped
    report.close(figures.values())


def test_a_plot_that_cannot_be_drawn_leaves_the_others_and_says_why():
    """Cells a lost worker never ran (0 s) are no runtime; a history with numbers under the
    dynamics' own key and x by ``iteration`` is plotted by default (messages are no key)."""
    rows = frame().assign(wall_time=0.0)
    history = {"iteration": [10, 20, 30], "leader_cost": [3.0, 2.0, 1.0], "message": ["a"] * 3}
    rows = rows.assign(history=[history] * 6)
    figures, skipped = report.draw(rows)
    assert (
        "runtime" not in figures and "no cell of this study has a wall time" in skipped["runtime"]
    )
    ax = figures["convergence"].axes[0]
    assert ax.get_ylabel() == "leader_cost" and list(ax.get_lines()[0].get_xdata()) == [10, 20, 30]
    with pytest.raises(ValueError, match=r"records \['iteration', 'leader_cost'\]"):
        report.convergence(rows, "message")
    report.close(figures.values())


def seedless() -> so.StackelbergGame:
    """The duopoly as a game without an instance seed."""
    return duopoly()


def test_a_store_shared_by_studies_counts_each_run_once_and_warns_of_mixed_options(tmp_path):
    """A seedless game and method stored for seeds [0, 1], then again for [0, 1, 2], is one run
    of three seeds (the summary said 5); a label whose runs differ in options is reported with a
    warning."""
    store = tmp_path / "shared.sqlite"
    study = dict(label="initial", method="initial")
    for seeds in ([0, 1], [0, 1, 2]):
        so.compare(seedless, [study], seeds=seeds, store=store, progress=False)
    table = report.summary(store)
    assert (table["cells"].item(), table["seeds"].item()) == (1, 3)
    so.compare(seedless, [dict(study, method="mpec", multistart=1)], store=store, progress=False)
    with pytest.warns(UserWarning, match="label 'initial': runs of 2 option sets"):
        report.load(store)


def test_the_convergence_plot_names_the_methods_it_leaves_out():
    """c records no history at all (a one-shot method): it is named under the plot too."""
    rows = frame()
    rows["history"] = [h if m != "c" else {} for h, m in zip(rows["history"], rows["method"])]
    fig = report.convergence(rows)
    notes = [t.get_text() for t in fig.texts]
    assert "not shown, no 'objective' in their history: c" in notes
    report.close([fig])
