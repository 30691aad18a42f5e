"""Bayesian multi-follower Stackelberg games (Personnat, Lin, Hossain, Parkes)."""
