"""The committed tables of the reproductions, installed as package data (``stackopt.results``).

Read them with ``importlib.resources.files("stackopt.results") / "wang2022" / "cells.csv"``, which
works from a checkout and from an installed wheel alike.
"""
