"""Formulas of derived indicators, e.g. `tax_paid / land_area` for 亩均税收.

A formula is arithmetic (+ - * / and parentheses) over indicator codes and numbers, plus `count(code)`, the
number of enterprises with a value (for rates such as 数字化研发设计工具普及率 = `digital_design_tools /
count(digital_design_tools)`); nothing else parses, so a formula typed by an administrator can never run code.
It is evaluated over *aggregated* components: a county's 亩均税收 is the county's tax divided by the county's
land, never the mean of the enterprises' ratios.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.utils.translation import gettext as _

T = TypeVar("T")


class FormulaError(ValueError):
    pass


_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}


@dataclass(frozen=True)
class Formula:
    text: str
    tree: ast.expr

    @property
    def names(self) -> frozenset[str]:
        """The indicator codes the formula reads (inside count() too)."""
        functions = {id(n.func) for n in ast.walk(self.tree) if isinstance(n, ast.Call)}
        return frozenset(n.id for n in ast.walk(self.tree) if isinstance(n, ast.Name) and id(n) not in functions)

    def build(
        self,
        name: Callable[[str], T],
        number: Callable[[float], T],
        divide: Callable[[T, T], T],
        count: Callable[[str], T] | None = None,
    ) -> T:
        """Fold the formula with the given constructors: numbers for one entity, SQL text for a rule."""

        def fold(node: ast.expr) -> Any:
            if isinstance(node, ast.Name):
                return name(node.id)
            if isinstance(node, ast.Call):
                if count is None:
                    raise FormulaError(_("count() is not available here"))
                return count(node.args[0].id)  # type: ignore[attr-defined]
            if isinstance(node, ast.Constant):
                return number(float(node.value))
            if isinstance(node, ast.UnaryOp):
                return -fold(node.operand)
            assert isinstance(node, ast.BinOp)
            left, right = fold(node.left), fold(node.right)
            if isinstance(node.op, ast.Div):
                return divide(left, right)
            return _BINARY[type(node.op)](left, right)

        return fold(self.tree)

    def evaluate(self, values: Mapping[str, float | None], counts: Mapping[str, int] | None = None) -> float | None:
        """The value for one set of component values (and, for count(), how many enterprises had each);
        None when a component is missing or a divisor is 0."""
        if any(values.get(n) is None for n in self.names):
            return None
        known = counts or {}
        try:
            return self.build(  # type: ignore[return-value]
                lambda n: float(values[n]),  # type: ignore[arg-type]
                lambda x: x,
                operator.truediv,
                lambda n: float(known.get(n, 0)),
            )
        except ZeroDivisionError:
            return None


def _check(node: ast.AST) -> None:
    allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Name, ast.Load, ast.Constant, ast.USub, ast.Div, ast.Call)
    allowed += tuple(_BINARY)
    for child in ast.walk(node):
        if isinstance(child, ast.Call) and not (
            isinstance(child.func, ast.Name)
            and child.func.id == "count"
            and len(child.args) == 1
            and isinstance(child.args[0], ast.Name)
            and not child.keywords
        ):
            raise FormulaError(_("the only function is count(indicator_code)"))
        if not isinstance(child, allowed):
            raise FormulaError(_("only + - * / ( ) numbers and indicator codes are allowed"))
        if isinstance(child, ast.Constant) and (
            isinstance(child.value, bool) or not isinstance(child.value, int | float)
        ):
            raise FormulaError(_("only numbers may appear as constants"))


def parse_formula(text: str) -> Formula:
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise FormulaError(_("cannot read the formula: %(error)s") % {"error": exc.msg}) from exc
    _check(tree)
    return Formula(text=text.strip(), tree=tree.body)
