"""Benchmarks: `make bench` runs them all; each prints figures and ratios to a same-run baseline."""
