"""`industrybrain bench` (DESIGN §4): our implementation beside the baselines on the same workload.

- `workload.py`: the files, the correction batches and the monthly question set, written once per scale;
- `ours.py`: the measurements through the platform's own operations (import pipeline, statistics);
- `baselines.py`: the same work as an analyst's pandas script, and as the naive design with facts in an SQL
  table (SQLite, the embedded default's ORM database engine);
- `suite.py`: runs each measurement in a fresh process (so peak memory is the measurement's own) and
  reports `{"name", "unit", "ours", "baseline", "baseline_name", "ratio", "peak_mb"}` rows, ratio > 1 meaning
  we are better.
"""
