"""A public benchmark collection: the bilevel and Nash-Stackelberg problems of MacMPEC and PAO's
examples, each written as a stackopt game with its known optimum and source.

``problems()`` lists the records (:class:`Problem`: name, family, source, factory, optimum, sense,
tolerance, tags); ``problems(exclude=["integer_leader", "integer_follower"])`` is what the KKT
reformulation can take. MacMPEC (S. Leyffer, 2000; the AMPL sources and ``data/collection.csv`` of
github.com/blegat/MacMPEC.jl) writes each problem as an MPEC; here each follower's problem is
recovered from its stationarity rows, and MPEC files that encode one bilevel program are one record
that names them all (``bard2`` is also ``bilevel2``). Where MacMPEC's listed value is a local
solution of the program, the record holds the better value with the point that attains it
(``note``).

Left out, with the reason:

- Of MacMPEC's ``bard``, ``bilevel``, ``bilin``, ``dempe``, ``ex9``, ``gnash``, ``nash`` and
  ``stackelberg`` families (each file the KKT system of a follower problem), only ``ex9.1.7``:
  ``ex9.1.3``'s followers with ``+4 y3`` in the leader's objective where ``ex9.1.3`` has
  ``-4 y3``, a program of its own with optimum -26 (SCIP on the MPEC as written), attained at
  ``ex9.1.3``'s optimal point; it has no record (``ex9.1.3``'s note names it).
- PAO ``anadalingam``: a trilevel program (a submodel inside a submodel).
- PAO ``sip_example1``: no known optimum (its PAO test is disabled), and the followers' objective
  is a leader Var.
"""

from stackopt.models.benchmarks.registry import TAGS, Problem, problems

__all__ = ["TAGS", "Problem", "problems"]
