"""Ctrl-C during a solve is a status, never a lost run."""

import stackopt as so


def test_ctrl_c_in_a_method_without_a_best_point_is_an_interrupted_status(monkeypatch):
    import stackopt.backends.initial as initial

    def interrupted(game):
        raise KeyboardInterrupt

    monkeypatch.setattr(initial, "run", interrupted)
    res = so.solve(so.models.duopoly(), method="initial")
    assert res.status == "interrupted" and not res.success and "Ctrl-C" in res.message
