"""The evaluation engine (docs/evaluations.md): specs in, scores, ranks, grades and explanations out.

- `spec.py`: what a spec is (dataclasses); `parsing.py`: reading one from YAML, every problem with its place;
  `conditions.py`: the safe expressions of filters, overrides and tiers;
- `methods.py`: the numerical methods (entropy, CRITIC, TOPSIS, winsorisation, ranks, alpha, PCA);
- `model.py`: a tree fitted to a population and applied to rows; `run.py`: populations, ranks, grades, tiers;
- `explain.py`, `audit.py`, `uncertainty.py`: why an entity scored so, is the index coherent, how sure are ranks;
- `files.py`: file mode; `sources.py`: the wide table read from the data hub through the statistics facade.

Everything but `sources.py` works on a pandas table and needs no database.
"""
