"""Ctrl-C during a solve, and a success claimed past the certificate: statuses, never lost runs."""

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
