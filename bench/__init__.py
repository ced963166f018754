"""Benchmark of the explain and align stages against naive baselines (issue: performance).

Each module measures one ratio in the same run on the same machine; `run.py`
puts them together into results/benchmarks/summary.json and a table.
"""
