"""Experiment sweeps: design, runner, store and analysis (see docs/experiments.md)."""
