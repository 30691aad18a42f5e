"""Equilibrium oracles: given the leader decision pi, find the followers' equilibrium."""
