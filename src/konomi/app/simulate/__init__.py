"""`konomi simulate`'s work around the pure replay of `learn/simulate/`: the pool file read,
the runs spread over worker processes, rounds.csv, summary.csv and curves.png written."""
