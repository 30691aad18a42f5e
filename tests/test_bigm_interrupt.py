"""Ctrl-C during bigm's derivation of its M values: the solve returns "interrupted", the process
lives on.

The SIGINT is sent by the child process to itself from HiGHS's simplex interrupt callback, during
the k-th LP of the derivation (k = 1, 2, 3): Python handles a signal in the next Python code it
runs, which during an LP is that callback, where a Ctrl-C arrives in practice too. There a
KeyboardInterrupt would end the LP with HiGHS's model emptied, and the next LP on it would crash
the process.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

CHILD = textwrap.dedent(
    """
    import os, signal

    import highspy
    import numpy as np
    import pyomo.environ as pyo

    import stackopt as so
    from stackopt.backends.strategies import big_m_bounds

    state = {"deriving": False, "lp": 0, "at": 0, "sent": 0}

    def ctrl_c(event):
        if state["lp"] == state["at"] and state["sent"] < state["at"]:
            state["sent"] = state["at"]
            os.kill(os.getpid(), signal.SIGINT)

    run = highspy.Highs.run

    def counted_run(self):
        if state["deriving"]:
            state["lp"] += 1
            if state["lp"] == state["at"]:
                self.cbSimplexInterrupt.subscribe(ctrl_c)
        return run(self)

    derive = big_m_bounds.derive

    def marked_derive(*args, **kwargs):
        state["deriving"] = True
        try:
            return derive(*args, **kwargs)
        finally:
            state["deriving"] = False

    highspy.Highs.run = counted_run
    big_m_bounds.derive = marked_derive

    def game():
        rng = np.random.default_rng(0)
        g = so.StackelbergGame()
        g.x = pyo.Var(range(3), bounds=(0, 5))
        lead = -sum(g.x.values())
        for k in range(2):  # followers min -c y s.t. A y - B x <= b, 0 <= y <= 10
            f = so.Follower()
            setattr(g, f"F{k}", f)
            f.y = pyo.Var(range(3), bounds=(0, 10))
            A, B = rng.uniform(0.5, 2.0, (2, 3)), rng.uniform(0.0, 1.0, (2, 3))
            b, c = rng.uniform(1, 5, 2), rng.uniform(0.5, 2.0, 3)
            f.rows = pyo.Constraint(
                range(2),
                rule=lambda _, r: sum(A[r, j] * f.y[j] - B[r, j] * g.x[j] for j in range(3))
                <= b[r],
            )
            f.obj = pyo.Objective(expr=-sum(c[j] * f.y[j] for j in range(3)))
            lead += sum(rng.uniform(-1, 1) * f.y[j] for j in range(3))
        g.obj = pyo.Objective(expr=lead)
        return g

    for at in (1, 2, 3):
        state.update(lp=0, at=at, sent=0)
        result = so.solve(game(), method="mpec", strategy="bigm")
        print(f"LP {at}: signalled {state['sent'] == at}, status {result.status}", flush=True)
    """
)


def test_ctrl_c_in_a_derivation_lp_returns_interrupted(tmp_path) -> None:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    done = subprocess.run(
        [sys.executable, "-X", "faulthandler", str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 0, (done.returncode, done.stdout, done.stderr[-2000:])
    assert done.stdout.splitlines() == [
        f"LP {at}: signalled True, status interrupted" for at in (1, 2, 3)
    ], done.stdout
