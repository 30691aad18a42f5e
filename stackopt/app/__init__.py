"""The application layer: studies (:mod:`stackopt.app.study`), the ``stackopt`` command
(:mod:`stackopt.app.cli`), reports (:mod:`stackopt.app.report`) and the demo
(:mod:`stackopt.app.demo`). It sits on top of the core and the backends; nothing below imports it.
"""
