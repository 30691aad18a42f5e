"""Ctrl-C during a solve, and a success claimed past the certificate: statuses, never lost runs."""

import pytest

import stackopt as so


def test_ctrl_c_in_a_method_without_a_best_point_is_an_interrupted_status(monkeypatch):
    import stackopt.backends.initial as initial

    def interrupted(game):
        raise KeyboardInterrupt

    monkeypatch.setattr(initial, "run", interrupted)
    res = so.solve(so.models.duopoly(), method="initial")
    assert res.status == "interrupted" and not res.success and "Ctrl-C" in res.message


def test_a_success_claimed_without_a_certificate_is_not_granted(monkeypatch):
    import stackopt.backends.initial as initial

    monkeypatch.setattr(initial, "run", lambda game: so.Result(status="optimal"))
    res = so.solve(so.models.duopoly(), method="initial")
    assert res.status == "error" and "without a certificate" in res.message


def test_ctrl_c_during_an_mpec_continuation_returns_its_last_iterate_judged():
    """Ctrl-C after the third relaxation of MacMPEC bard1 (raised from the callback, as Python
    raises it from inside the next callback Ipopt makes): the third iterate, t = 1e-4, is judged
    at its recomputed equilibrium and returned as "interrupted"; no further solve runs."""
    seen = []

    def ctrl_c_on_the_third(state):
        seen.append(state)
        if len(seen) == 3:
            raise KeyboardInterrupt

    res = so.solve(so.models.bard1(), method="mpec", callback=ctrl_c_on_the_third)
    assert res.status == "interrupted" and "the last iterate is returned" in res.message
    assert [row["t"] for row in res.history] == pytest.approx([1.0, 1e-2, 1e-4])
    assert res.leader_objective == pytest.approx(17, abs=1e-3) and res.certificate is not None
