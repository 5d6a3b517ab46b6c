"""One module per check: NAME (a short label) and check(case) -> relative difference."""
