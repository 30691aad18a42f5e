"""The checks behind a Result's certificate (:mod:`stackopt.certificate`): each follower's Nash gap
by a best-response solve (:mod:`.nash_gap`), its second-order condition (:mod:`.second_order`) and the leader's stationarity on the linearized MPEC
(:mod:`.stationarity`), run at the recomputed equilibrium by :func:`stackopt.backends.evaluation.
honest_result`, after the tied response best for the leader is selected where a follower's
response ties (:mod:`.tie_selection`)."""

from stackopt.backends.certification.nash_gap import NashGap
from stackopt.backends.certification.second_order import reduced_curvatures
from stackopt.backends.certification.stationarity import leader_stationarity

__all__ = ["NashGap", "leader_stationarity", "reduced_curvatures"]
