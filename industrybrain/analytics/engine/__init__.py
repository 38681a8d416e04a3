"""The analytical engine: the only package that talks to the analytical store (DuckDB by default, DESIGN §2).

- `store.py`: the fact tables, landing of batches with history, the incrementally maintained cube;
- `staging.py`: turning a file's rows into validated facts (vectorised checks, rule checks, outlier flags).

Code elsewhere calls these functions, or builds Ibis expressions over `store().ibis()` tables.
"""

from .store import LandingResult, Store, StoreBusy, configure, store

__all__ = ["LandingResult", "Store", "StoreBusy", "configure", "store"]
