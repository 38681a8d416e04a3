"""Conditions in specs: `above_scale == 1 and land_area >= 3`, `county_name in mountain_island_counties`.

A condition is a Python-like boolean expression over column names: comparisons (< <= > >= == !=), and, or,
not, parentheses, arithmetic (+ - * /) on numbers, `in` a named list of the spec or a literal list, and
`missing(column)` / `present(column)`. Nothing else parses, so a spec can never run code. It is evaluated
for every row at once; a comparison with a missing value is false (so `x < 0` and `x >= 0` are both false
when x is missing), which is why `missing()` exists.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _


class ConditionError(ValueError):
    pass


_COMPARE = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
            ast.Eq: operator.eq, ast.NotEq: operator.ne}  # fmt: skip
_ARITHMETIC = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_FUNCTIONS = ("missing", "present")


@dataclass(frozen=True)
class Condition:
    text: str
    tree: ast.expr
    lists: Mapping[str, tuple[Any, ...]]

    @property
    def columns(self) -> set[str]:
        skip = {id(n.func) for n in ast.walk(self.tree) if isinstance(n, ast.Call)}
        names = {n.id for n in ast.walk(self.tree) if isinstance(n, ast.Name) and id(n) not in skip}
        return names - set(self.lists)

    def evaluate(self, frame: pd.DataFrame) -> np.ndarray:
        """A boolean array: does each row meet the condition?"""
        missing = self.columns - set(frame.columns)
        if missing:
            raise ConditionError(
                _("%(condition)s needs the column(s) %(columns)s")
                % {"condition": repr(self.text), "columns": ", ".join(sorted(missing))}
            )
        result = _Evaluator(frame, self.lists).visit(self.tree)
        return np.broadcast_to(np.asarray(result, dtype=bool), (len(frame),)).copy()


class _Evaluator:
    def __init__(self, frame: pd.DataFrame, lists: Mapping[str, tuple[Any, ...]]) -> None:
        self.frame, self.lists = frame, lists

    def visit(self, node: ast.expr) -> Any:
        if isinstance(node, ast.BoolOp):
            parts = [np.asarray(self.visit(v), dtype=bool) for v in node.values]
            return np.logical_and.reduce(parts) if isinstance(node.op, ast.And) else np.logical_or.reduce(parts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return ~np.asarray(self.visit(node.operand), dtype=bool)
        if isinstance(node, ast.UnaryOp):
            return -self.visit(node.operand)
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.BinOp):
            left, right = self.visit(node.left), self.visit(node.right)
            with np.errstate(divide="ignore", invalid="ignore"):
                return _ARITHMETIC[type(node.op)](left, right)
        if isinstance(node, ast.Call):
            column = self.frame[node.args[0].id]  # type: ignore[attr-defined]
            present = column.notna().to_numpy()
            return present if node.func.id == "present" else ~present  # type: ignore[attr-defined]
        if isinstance(node, ast.Name):
            return self.frame[node.id].to_numpy()
        assert isinstance(node, ast.Constant)
        return node.value

    def _compare(self, node: ast.Compare) -> np.ndarray:
        result = np.ones(len(self.frame), dtype=bool)
        left = self.visit(node.left)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                options = self._options(right_node)
                found = pd.Series(np.broadcast_to(left, (len(self.frame),))).astype(str).isin(options).to_numpy()
                result &= found if isinstance(op, ast.In) else ~found
                continue
            right = self.visit(right_node)
            known = ~(pd.isna(left) | pd.isna(right))
            with np.errstate(invalid="ignore"):
                result &= np.asarray(known & np.asarray(_COMPARE[type(op)](left, right), dtype=bool), dtype=bool)
            left = right
        return result

    def _options(self, node: ast.expr) -> list[str]:
        if isinstance(node, ast.Name):
            return [str(v) for v in self.lists[node.id]]
        return [str(e.value) for e in node.elts]  # type: ignore[attr-defined]


def _check(tree: ast.AST, lists: Mapping[str, tuple[Any, ...]]) -> None:
    allowed = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.Compare,
               ast.BinOp, ast.Name, ast.Load, ast.Constant, ast.Call, ast.List, ast.Tuple, ast.In, ast.NotIn,
               *_COMPARE, *_ARITHMETIC)  # fmt: skip
    for node in ast.walk(tree):
        if not isinstance(node, allowed):
            raise ConditionError(_("%(element)s is not allowed in a condition") % {"element": type(node).__name__})
        if isinstance(node, ast.Call) and not (
            isinstance(node.func, ast.Name)
            and node.func.id in _FUNCTIONS
            and len(node.args) == 1
            and isinstance(node.args[0], ast.Name)
            and not node.keywords
        ):
            raise ConditionError(_("the only functions are missing(column) and present(column)"))
        if isinstance(node, ast.Compare):
            for op, right in zip(node.ops, node.comparators, strict=True):
                if isinstance(op, ast.In | ast.NotIn) and not (
                    (isinstance(right, ast.Name) and right.id in lists)
                    or (
                        isinstance(right, ast.List | ast.Tuple) and all(isinstance(e, ast.Constant) for e in right.elts)
                    )
                ):
                    raise ConditionError(_("`in` needs a list of the spec's `lists` or a literal list"))
        if isinstance(node, ast.Constant) and not isinstance(node.value, int | float | str):
            raise ConditionError(_("%(element)s is not allowed in a condition") % {"element": repr(node.value)})


def parse_condition(text: str, lists: Mapping[str, tuple[Any, ...]] | None = None) -> Condition:
    known = dict(lists or {})
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ConditionError(
            _("cannot read the condition %(condition)s: %(problem)s") % {"condition": repr(text), "problem": exc.msg}
        ) from exc
    _check(tree, known)
    return Condition(text.strip(), tree.body, known)
