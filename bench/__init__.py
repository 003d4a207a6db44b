"""Benchmarks, run by `onewindow bench …`; each prints a table with ratios to a baseline measured in the same run."""
