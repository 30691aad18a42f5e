"""Comparison studies: grids of games x seeds x methods, a durable store, executors."""
