"""Statistics API: breakdowns, top enterprises and trends, each answer with its "data as of"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import statistics
from .serializers import QuestionSerializer


def _answer(request: Request, compute: Callable[[statistics.Question], dict[str, Any]]) -> Response:
    params = QuestionSerializer(data=request.query_params)
    params.is_valid(raise_exception=True)
    scope = request.user.scope_path or ""
    question = statistics.authorise(params.question(scope.strip("/").split("/")[-1]), request.user)
    try:
        return Response(compute(question))
    except statistics.QuestionError as exc:
        raise drf_serializers.ValidationError({"detail": str(exc)}) from exc


def _bounded(raw: str | None, default: int, high: int) -> int:
    """A small positive count from a query parameter; anything unreadable is the default."""
    text = (raw or "").strip()
    return min(max(int(text), 1), high) if text.isdigit() else default


class BreakdownView(APIView):
    """An indicator for the parts of a region (its children, parks, industries, digital-economy categories or
    规上/规下), with 同比 and 环比 growth, shares and ranks."""

    @extend_schema(parameters=[QuestionSerializer], responses={200: dict})
    def get(self, request: Request) -> Response:
        return _answer(request, lambda q: statistics.breakdown(q).as_dict())


class TopEnterprisesView(APIView):
    """The enterprises with the highest values of an indicator, among those you may see."""

    @extend_schema(parameters=[QuestionSerializer], responses={200: dict})
    def get(self, request: Request) -> Response:
        limit = _bounded(request.query_params.get("limit"), default=10, high=100)
        return _answer(request, lambda q: statistics.top_enterprises(q, request.user, limit))


class TrendView(APIView):
    """The region's total over the last `periods` periods."""

    @extend_schema(parameters=[QuestionSerializer], responses={200: dict})
    def get(self, request: Request) -> Response:
        periods = _bounded(request.query_params.get("periods"), default=12, high=60)
        return _answer(request, lambda q: statistics.trend(q, periods))
