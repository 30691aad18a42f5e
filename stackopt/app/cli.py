"""The ``stackopt`` command line: solve a game, run a study, report on it, list the methods.

::

    stackopt solve MODEL [--param k=v ...] [--seed N] --method M [--json] [--OPTION VALUE ...]
    stackopt compare STUDY.toml [--store PATH] [--executor X] [--workers N] [--timeout S] [--retry]
                     [--worker-timeout S] [--no-progress]
    stackopt report RESULTS.sqlite [--out DIR] [--param NAME] [--history-key KEY]
                    [--export FILE.csv|.parquet ...]
    stackopt methods
    stackopt bench [--method M[:STRATEGY] ...] [--problem NAME ... | --tag T ...] [--time-limit S]
                   [--out PROFILE.png] [--csv FILE] [--list]

MODEL is a library game (``stackopt.models``), a ``.py`` file defining ``build(**params)``, or
``module:function``. Values (``--param A=90``, ``--steps 300``) are read as TOML values (numbers,
booleans, ``[lists]``, ``{inline = tables}``), else as JSON (``--start '{"x": 2}'``), else as
plain strings. An error is one line on stderr
and a non-zero exit; a warning is one line too (``stackopt: warning: ...``); ``--debug`` shows the
traceback, and where each warning was raised, instead.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from stackopt import __version__
from stackopt.errors import ModelError, OptionError, SolverUnavailableError
from stackopt.near_names import did_you_mean

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

CLEAR_ERRORS = (OptionError, ModelError, SolverUnavailableError, FileNotFoundError, ValueError)
#: ``stackopt solve``'s exit status by the Result's status; any other status exits with 0
SOLVE_EXIT = {"error": 1, "interrupted": 130}
SOLVE_EPILOG = """\
exit status:
  0    the method returned a Result whose status is neither error nor interrupted
       (optimal, locally_optimal, feasible, infeasible, iteration_limit, time_limit:
       read the status, or --json, to know whether the game was solved)
  1    the Result's status is error, or an error (one line on stderr) stopped the
       command before a Result: an unknown game, method or option, a bad model
  2    the command line itself is wrong (a missing --method, an unknown argument)
  130  Ctrl-C: the Result, status interrupted, holds the best point so far, if any"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    argv = [a for a in argv if a != "--debug"]
    top = parser()
    if argv[:1] == ["solve"]:
        _near_method(top.commands["solve"], argv[1:])
    args, extra = top.parse_known_args(argv)
    if extra and args.command != "solve":
        _unrecognized(top, args.command, extra)
    try:
        with warnings.catch_warnings():
            if not debug:  # --debug keeps Python's form, with the line that warned
                warnings.showwarning = _show_warning
            return args.run(args, extra)
    except BrokenPipeError:  # the reader (``| head``) left: not an error of ours
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        kept = "; every finished cell is in the store" if args.command == "compare" else ""
        print(f"stackopt: interrupted{kept}", file=sys.stderr)
        return 130
    except Exception as exc:
        if debug:
            raise
        text = str(exc) if _clear(exc) else f"{type(exc).__name__}: {exc}"
        print(f"stackopt: error: {text}", file=sys.stderr)
        return 1


def _clear(exc: Exception) -> bool:
    """Whether ``exc``'s message says it all: one of :data:`CLEAR_ERRORS`, or a study executor's
    ExecutorError (which names the scheduler and what to do), looked up where a study loaded it:
    the command line does not load the study code to print an error."""
    executors = sys.modules.get("stackopt.app.study.executors")
    study_errors = (executors.ExecutorError,) if executors is not None else ()
    return isinstance(exc, (*CLEAR_ERRORS, *study_errors))


def _show_warning(message: Warning | str, category: type[Warning], *_: Any, **__: Any) -> None:
    """A warning as one line, ``stackopt: warning: ...`` (a category other than UserWarning named),
    without the source line that raised it."""
    kind = "" if category is UserWarning else f"{category.__name__}: "
    print(f"stackopt: warning: {kind}{message}", file=sys.stderr)


def _unrecognized(top: CommandParser, command: str, extra: list[str]) -> None:
    """Exit (status 2) naming the arguments that ``command`` does not take, with its usage and
    the nearest option names (``--problems``: did you mean ``--problem``?)."""
    command_parser = top.commands[command]
    known = command_parser.long_options
    near = [
        match
        for arg in extra
        if arg.startswith("--")
        for match in difflib.get_close_matches(arg.split("=")[0], known, n=1)
    ]
    hint = f" (did you mean {', '.join(dict.fromkeys(near))}?)" if near else ""
    command_parser.error(f"unrecognized arguments: {' '.join(extra)}{hint}")


def _near_method(solve: CommandParser, argv: list[str]) -> None:
    """Exit (status 2) where ``stackopt solve`` has no --method but an option near it
    (``--methd``), which argparse would leave to the method as an option of its own."""
    given = [a.split("=")[0] for a in argv if a.startswith("--")]
    if "--method" in given:
        return
    near = [a for a in given if difflib.get_close_matches(a, ["--method"], n=1)]
    if near:
        solve.error(f"unrecognized argument {near[0]}: did you mean --method? (it is required)")


class CommandParser(argparse.ArgumentParser):
    """An argument parser that keeps its subcommands' parsers (``commands``, filled by
    :func:`parser`) and the long options given to its ``add_argument`` (``long_options``, with
    ``--help``), from which an unknown option's nearest names are suggested."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.commands: dict[str, CommandParser] = {}
        self.long_options: list[str] = []  # before __init__, which adds --help
        super().__init__(*args, **kwargs)

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        action = super().add_argument(*args, **kwargs)
        self.long_options += [o for o in action.option_strings if o.startswith("--")]
        return action


def parser() -> CommandParser:
    """The argument parser of every subcommand."""
    top = CommandParser(
        prog="stackopt",
        description="Stackelberg games with several followers.",
        epilog="--debug (anywhere): show the traceback of an error",
    )
    top.add_argument("--version", action="version", version=f"stackopt {__version__}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, **kwargs: Any) -> CommandParser:
        top.commands[name] = sub.add_parser(name, **kwargs)
        return top.commands[name]

    solve = command(
        "solve",
        help="solve one game; any --OPTION VALUE goes to the method",
        allow_abbrev=False,
        epilog=SOLVE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    solve.add_argument("model", help="library game, path to a .py file with build(), or mod:func")
    solve.add_argument(
        "--param", action="append", default=[], metavar="K=V", help="a game parameter (repeatable)"
    )
    solve.add_argument(
        "--seed", type=int, help="the instance seed, for a game that takes one (default 0)"
    )
    solve.add_argument("--method", required=True, help="a method name (see `stackopt methods`)")
    solve.add_argument("--json", action="store_true", help="print the whole Result as JSON")
    solve.set_defaults(run=run_solve)

    compare = command("compare", help="run (or resume) a study written as TOML")
    compare.add_argument("study", type=Path, help="the study file")
    compare.add_argument("--store", type=Path, help="results file (overrides the study's)")
    compare.add_argument(
        "--executor",
        help="local, or a Dask scheduler address tcp://host:port (overrides the study's)",
    )
    compare.add_argument("--workers", type=int, help="local worker processes")
    compare.add_argument("--timeout", type=float, help="seconds per cell")
    compare.add_argument(
        "--worker-timeout", type=float, help="seconds a Dask study waits without a worker (60)"
    )
    compare.add_argument(
        "--retry",
        action="store_true",
        default=None,
        help="run failed cells (error, time_limit) again",
    )
    compare.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    compare.set_defaults(run=run_compare)

    report = command("report", help="tables and plots of a results file")
    report.add_argument("results", type=Path, help="the SQLite results file")
    report.add_argument(
        "--out", type=Path, help="folder for the PNG plots (default: RESULTS_report)"
    )
    report.add_argument("--param", help="a game parameter to plot the objective against")
    report.add_argument(
        "--history-key",
        help="the history entry to plot (default: the first objective-like entry the study "
        "records; an entry it does not record is refused with the list of those it does)",
    )
    report.add_argument(
        "--export",
        type=Path,
        action="append",
        default=[],
        help="also write the rows to FILE.csv or FILE.parquet (repeatable)",
    )
    report.set_defaults(run=run_report)

    bench = command(
        "bench",
        help="run methods over the benchmark collection; draw a performance profile",
        description="Run methods over the benchmark collection. Problems with integer Vars are "
        "left out unless a --tag integer_leader / integer_follower or a --problem names them. A "
        "game a method refuses is an error row. Ctrl-C stops the bench: the runs that ended are "
        "printed and written, and the exit status is 130.",
    )
    bench.add_argument(
        "--method",
        action="append",
        metavar="M[:STRATEGY]",
        help="a method, e.g. mpec:scholtes or gradient (repeatable; default mpec:sos1, "
        "mpec:penalty)",
    )
    bench.add_argument(
        "--problem", action="append", metavar="NAME", help="a problem (repeatable; not with --tag)"
    )
    bench.add_argument(
        "--tag",
        action="append",
        default=[],
        help="only problems with this tag (repeatable: every tag; not with --problem)",
    )
    bench.add_argument(
        "--list", action="store_true", help="list the problems chosen (name, optimum, tags, source)"
    )
    bench.add_argument("--time-limit", type=float, default=60.0, help="seconds per run")
    bench.add_argument(
        "--out", type=Path, default=Path("profile.png"), help="the performance profile PNG"
    )
    bench.add_argument("--csv", type=Path, help="also write the table to this CSV file")
    bench.set_defaults(run=run_bench)

    methods = command("methods", help="the methods, strategies and solvers runnable here")
    methods.add_argument("name", nargs="?", help="a method: print its description and options")
    methods.set_defaults(run=run_methods)
    return top


def value(text: str) -> Any:
    """``text`` read as a TOML value (``3``, ``0.5``, ``true``, ``[1, 2]``, ``{x = 2}``), else as
    JSON (``{"x": 2}``), else as a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        pass
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def pairs(items: Sequence[str], what: str) -> dict[str, Any]:
    """``["k=v", ...]`` as a dictionary of values."""
    out = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise OptionError(f"{what} {item!r}: expected KEY=VALUE")
        out[key.strip()] = value(text.strip())
    return out


def options(extra: Sequence[str]) -> dict[str, Any]:
    """``--name value`` / ``--name=value`` pairs as method options (dashes become underscores)."""
    out, items = {}, list(extra)
    while items:
        token = items.pop(0)
        if not token.startswith("--") or len(token) < 3:
            raise OptionError(f"unexpected argument {token!r}: method options are --NAME VALUE")
        name, sep, text = token[2:].partition("=")
        if not sep:
            if not items or items[0].startswith("--"):
                raise OptionError(f"option --{name} needs a value")
            text = items.pop(0)
        out[name.replace("-", "_")] = value(text)
    return out


def run_solve(args: argparse.Namespace, extra: Sequence[str]) -> int:
    """``stackopt solve``: build the game, solve it, print the Result; the exit status is the
    Result's (:data:`SOLVE_EXIT`, :data:`SOLVE_EPILOG`)."""
    from stackopt.app.study.factories import build_game, resolve_factory
    from stackopt.app.study.option_checks import check_call, takes_keyword
    from stackopt.solve import solve

    name, factory = resolve_factory(args.model)
    params = pairs(args.param, "--param")
    # the seed goes to a game whose builder takes one (a user's build() need not)
    if takes_keyword(factory, "seed"):
        params = {"seed": 0 if args.seed is None else args.seed} | params
    elif args.seed is not None:
        raise OptionError(f"game {name!r} takes no seed: its builder has no seed parameter")
    check_call(factory, f"game {name!r}", params, kind="parameter")
    game = build_game(args.model, factory, params)
    result = solve(game, method=args.method, **options(extra))
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, default=str))
    else:
        print(_result_table(result))
    return SOLVE_EXIT.get(result.status, 0)


def _result_table(result: Any) -> str:
    rows = [
        ("status", result.status),
        ("leader objective", _number(result.leader_objective)),
        ("reported objective", _number(result.reported_objective)),
        ("violation", _number(result.violation)),
        ("wall time", f"{result.wall_time:.3f} s"),
        ("leader", _decisions(result.leader)),
        *((name, _decisions(values)) for name, values in result.followers.items()),
        ("message", result.message),
        *(("warning", text) for text in result.warnings),
    ]
    return "\n".join(f"{name:<20}{text}" for name, text in rows)


def _decisions(values: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {_number(v)}" for k, v in values.items())


def _number(value: Any) -> Any:
    """A float as Python prints it, but 0.0 for -0.0 (a solver's zero, not a negative number)."""
    return value + 0.0 if isinstance(value, float) else value


def run_compare(args: argparse.Namespace, extra: Sequence[str]) -> int:
    """``stackopt compare``: run or resume the study, then print its summary."""
    from stackopt.app.report import summary
    from stackopt.app.study.toml_study import load_study

    study = load_study(args.study)
    df = study.run(
        store=args.store,
        executor=args.executor,
        workers=args.workers,
        timeout=args.timeout,
        worker_timeout=args.worker_timeout,
        retry=args.retry,
        progress=not args.no_progress,
    )
    print(summary(df).to_string())
    store = args.store or study.settings.get("store", "results.sqlite")
    print(f"{len(df)} cells in {store}")
    return 0


def run_report(args: argparse.Namespace, extra: Sequence[str]) -> int:
    """``stackopt report``: print the summary, save the plots, export the rows."""
    try:
        import matplotlib
    except ModuleNotFoundError as exc:
        from stackopt.catalog import install_hint

        raise ImportError(f"stackopt report {install_hint(exc.name or 'matplotlib')}") from None

    matplotlib.use("Agg")
    from stackopt.app import report
    from stackopt.app.study.store import EXPORT_SUFFIXES, Store

    for path in args.export:  # every option is checked before anything is drawn or written
        _check_output(path, "--export", tuple(EXPORT_SUFFIXES))
    df = report.load(args.results)
    if df.empty:
        raise ValueError(f"{args.results} holds no finished cell yet")
    if args.param is not None:
        _check_choice("--param", args.param, report.parameters(df), "game parameters")
    if args.history_key is not None:
        _check_choice("--history-key", args.history_key, report.history_keys(df), "history keys")
    print(report.summary(df).to_string())
    out = args.out or args.results.with_name(f"{args.results.stem}_report")
    figures, skipped = report.draw(df, param=args.param, history_key=args.history_key)
    report.save(figures, out)
    report.close(figures.values())
    print(f"plots: {', '.join(str(out / f'{name}.png') for name in figures)}")
    for name, why in skipped.items():
        warnings.warn(f"{name} not drawn: {why}", stacklevel=1)
    with Store(args.results, readonly=True) as store:
        for path in args.export:
            print(f"exported: {store.export(path)}")
    return 0


def run_bench(args: argparse.Namespace, extra: Sequence[str]) -> int:
    """``stackopt bench``: the benchmark table, its solved counts and a performance profile;
    ``--list``: the problems chosen. Ctrl-C prints and writes the runs that ended, exit 130."""
    try:
        import matplotlib
    except ModuleNotFoundError as exc:
        from stackopt.catalog import install_hint

        raise ImportError(f"stackopt bench {install_hint(exc.name or 'matplotlib')}") from None

    matplotlib.use("Agg")
    from stackopt.app.study import performance_profile
    from stackopt.app.study.benchmark import BenchmarkInterrupted, benchmark, select
    from stackopt.backends.solver_interrupt import interruptible

    if args.list:
        print(_problem_list(select(args.problem, args.tag)))
        return 0
    _check_output(args.out, "--out", _figure_formats())
    if args.csv:
        _check_output(args.csv, "--csv")
    try:
        table, stopped = benchmark(args.problem, args.method, args.time_limit, args.tag), None
    except BenchmarkInterrupted as exc:
        table, stopped = exc.table, exc
    if table.empty:
        raise KeyboardInterrupt  # Ctrl-C before a run ended: nothing to show
    with interruptible():  # a second Ctrl-C is raised once the table is printed, not before
        print(_bench_table(table))
    written = [str(args.csv)] if args.csv else []
    if args.csv:
        table.to_csv(args.csv, index=False)
    written.append(str(performance_profile.plot(table, args.out)))
    print(f"performance profile: {written[-1]}")
    if stopped is None:
        return 0
    last = " (the last one interrupted)" if table["status"].iloc[-1] == "interrupted" else ""
    print(
        f"stackopt: interrupted; {len(table)} of {stopped.planned} runs ended{last}: in the "
        f"table above and in {' and '.join(written)}",
        file=sys.stderr,
    )
    return 130


def _bench_table(table: Any) -> str:
    """The rows (numbers per value, ``:.6g``; times in seconds), the messages of error rows, and
    the solved counts per method."""
    from stackopt.app.study.benchmark import SOLVED_RULE

    columns = ["problem", "method", "status", "leader_objective", "optimum", "solved"]
    number = {c: _g6 for c in ("leader_objective", "optimum")}
    seconds = {c: "{:.3f}".format for c in ("wall_time", "cpu_time")}
    text = table[[*columns, *seconds]].to_string(
        index=False, formatters={**number, **seconds}, na_rep="-"
    )
    errors = table[table["status"] == "error"]
    if not errors.empty:
        text += "\n\nerrors:\n" + "\n".join(
            f"  {r.problem} {r.method}: {r.message}" for r in errors.itertuples()
        )
    summary = table.groupby("method", sort=False).agg(
        solved=("solved", "sum"),
        attempted=("solved", "size"),
        errors=("status", lambda s: int((s == "error").sum())),
        median_wall=("wall_time", "median"),
        median_cpu=("cpu_time", "median"),
    )
    return f"{text}\n\n{SOLVED_RULE}\n{summary.to_string(float_format='{:.3f}'.format)}"


def _g6(value: Any) -> str:
    """A number to 6 significant digits (``-`` where there is none), 0 for -0."""
    return "-" if value is None or value != value else f"{value + 0.0:.6g}"


def _problem_list(chosen: Sequence[Any]) -> str:
    """One line per benchmark problem: name, known optimum with its sense, tags, source."""
    from stackopt.app.study.benchmark import INTEGER_TAGS

    width = max(len(p.name) for p in chosen)
    lines = [
        f"{p.name:<{width}}  {p.sense[:3]} {_g6(p.optimum):<10}  "
        f"{','.join(sorted(p.tags)):<45}  {p.source}"
        for p in chosen
    ]
    note = f"({len(chosen)} problems; those tagged {' or '.join(INTEGER_TAGS)} run only where "
    note += "a --tag or --problem names them)"
    return "\n".join([*lines, note])


def _check_choice(option: str, given: str, known: Sequence[str], what: str) -> None:
    """Refuse ``given`` for ``option`` where it is none of the study's ``known`` names (``what``
    they are), naming the nearest ones."""
    if given in known:
        return
    has = f"its {what} are {', '.join(known)}" if known else f"it has no {what}"
    raise OptionError(f"{option} {given!r}: not in this study ({has}){did_you_mean(given, known)}")


def _figure_formats() -> list[str]:
    """The file suffixes matplotlib can save a figure as."""
    from matplotlib.backend_bases import FigureCanvasBase

    return sorted(FigureCanvasBase.get_supported_filetypes())


def _check_output(path: Path, option: str, suffixes: Sequence[str] = ()) -> None:
    """Refuse, before anything runs, an output file that cannot be written (a folder, a folder that
    does not exist or is read-only, a read-only file) or, given ``suffixes``, of another type."""
    folder = path.parent
    if suffixes and path.suffix.lstrip(".").lower() not in suffixes:
        raise OptionError(f"{option} {path}: give a file ending in .{', .'.join(suffixes)}")
    if path.is_dir():
        raise OptionError(f"{option} {path}: is a folder; give a file name")
    if not folder.is_dir():
        raise OptionError(f"{option} {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise OptionError(f"{option} {path}: not writable")


def run_methods(args: argparse.Namespace, extra: Sequence[str]) -> int:
    """``stackopt methods [NAME]``: the runnable methods, or one method's options, as plain
    text (the docstrings' reST markup as the words it shows)."""
    from stackopt.app.plain_text import plain_text
    from stackopt.catalog import methods, options_text

    print(plain_text(repr(methods()) if args.name is None else options_text(args.name)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
