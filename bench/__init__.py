"""Benchmarks: ``python -m bench`` runs every ``bench/bench_*.py``; see ``bench/_common.py``."""
