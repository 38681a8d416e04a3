"""What one import batch did to the store: every value it landed, the value it replaced (a correction) and
the batch that replaced it in turn, if any. Read by the batch page of the data hub.

A batch lands only new and changed values (an unchanged one is not landed again), and a value it landed is
either still current (`facts`) or was superseded by a later batch (`fact_history`): together the two tables
hold every (key, value, batch) ever landed, so ordering a key's versions by batch gives each landing's
predecessor and successor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .engine import store
from .engine.store import FACT_KEY

MAX_ROWS = 10_000  # a page lists this many values at most; corrections come first

_KEY = ", ".join(FACT_KEY)
# Only superseded values are in `fact_history`, which stays small beside `facts`: a value's predecessor is always
# there, and so is its successor unless the successor is the current value. `facts` is read for this batch's
# rows (its batch ids are clustered, so DuckDB skips most of the table) and, only when some of the batch's values
# were superseded, for the current values of those keys.
_VALUES = f"""
WITH said AS (
    SELECT {_KEY}, value, TRUE AS current FROM facts WHERE batch_id = $batch
    UNION ALL
    SELECT {_KEY}, value, FALSE FROM fact_history WHERE batch_id = $batch
), hist AS (
    SELECT * FROM fact_history SEMI JOIN said USING ({_KEY}) WHERE batch_id <> $batch
), earlier AS (
    SELECT {_KEY}, arg_max(value, batch_id) AS previous_value, max(batch_id) AS previous_batch
    FROM hist WHERE batch_id < $batch GROUP BY ALL
), later AS (
    SELECT {_KEY}, min(batch_id) AS replaced_by FROM hist WHERE batch_id > $batch GROUP BY ALL
    {{current_successors}}
)
SELECT s.entity_kind, s.entity_id, s.indicator, s.pkind, s.year, s.idx, s.ytd, CAST(s.value AS DOUBLE) AS value,
       CAST(e.previous_value AS DOUBLE) AS previous_value, e.previous_batch, l.replaced_by
FROM said s LEFT JOIN earlier e USING ({_KEY})
LEFT JOIN (SELECT {_KEY}, min(replaced_by) AS replaced_by FROM later GROUP BY ALL) l USING ({_KEY})
ORDER BY e.previous_value IS NULL, s.entity_id, s.indicator, s.year, s.pkind, s.idx, s.ytd
LIMIT $limit
"""
# A superseded value whose successor was never superseded: the successor is the current value.
_CURRENT_SUCCESSORS = f"""
    UNION ALL
    SELECT {_KEY}, batch_id FROM facts SEMI JOIN (SELECT {_KEY} FROM said WHERE NOT current) USING ({_KEY})
"""
_COUNTS = """
SELECT (SELECT count(*) FROM facts WHERE batch_id = $batch), (SELECT count(*) FROM fact_history WHERE batch_id = $batch)
"""


@dataclass(frozen=True)
class BatchValues:
    rows: list[dict[str, Any]]  # entity_kind, entity_id, indicator, pkind, year, idx, ytd, value, previous_*, …
    total: int  # values the batch landed; more than len(rows) when the list was cut at the limit

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


def batch_values(batch_id: int, limit: int = MAX_ROWS) -> BatchValues:
    """The values batch `batch_id` landed (corrections first), with what they replaced and what replaced them."""
    cursor = store().cursor()
    current, superseded = cursor.execute(_COUNTS, {"batch": batch_id}).fetchall()[0]
    if not current + superseded:
        return BatchValues(rows=[], total=0)
    sql = _VALUES.format(current_successors=_CURRENT_SUCCESSORS if superseded else "")
    found = cursor.execute(sql, {"batch": batch_id, "limit": limit}).fetchall()
    names = [column[0] for column in cursor.description]
    return BatchValues(rows=[dict(zip(names, row, strict=True)) for row in found], total=int(current + superseded))
