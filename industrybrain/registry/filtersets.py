"""Filters shared by the enterprise list page, its exports and the REST API."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .choices import DigitalEconomyLevel, EnterpriseStatus, IndustryLevel, ParkKind, RegionLevel
from .models import DigitalEconomyCategory, DigitalEconomyVersion, Enterprise, Industry, Park, Region


def _region_subtree(queryset: QuerySet, name: str, value: str) -> QuerySet:
    """Enterprises registered in the region's subtree or operating in one of its parks."""
    region = Region.objects.filter(code=value).first()
    return queryset.in_region(region) if region else queryset.none()


def _industry_node(queryset: QuerySet, name: str, value: str) -> QuerySet:
    """Any level of GB/T 4754: a section letter, or a 2-, 3- or 4-digit code prefix."""
    node = Industry.objects.filter(code=value).first()
    if node is None:
        return queryset.none()
    if node.level == IndustryLevel.SECTION:
        return queryset.filter(industry__section=node.code)
    return queryset.filter(industry__code__startswith=node.code)


class EnterpriseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name or code"), method="search")
    region = django_filters.CharFilter(label=_("Region code"), method=_region_subtree)
    park = django_filters.CharFilter(label=_("Park code"), field_name="park__code")
    industry = django_filters.CharFilter(label=_("Industry code"), method=_industry_node)
    is_above_scale = django_filters.BooleanFilter(label=_("规上"))
    is_listed = django_filters.BooleanFilter(label=_("Listed"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=EnterpriseStatus.choices)
    name = django_filters.CharFilter(label=_("Name contains"), lookup_expr="icontains")
    founded_after = django_filters.DateFilter(
        label=_("Founded on or after"), field_name="founded_on", lookup_expr="gte"
    )
    founded_before = django_filters.DateFilter(
        label=_("Founded on or before"), field_name="founded_on", lookup_expr="lte"
    )
    min_land_area_mu = django_filters.NumberFilter(
        label=_("Land area at least (亩)"), field_name="land_area_mu", lookup_expr="gte"
    )
    max_land_area_mu = django_filters.NumberFilter(
        label=_("Land area at most (亩)"), field_name="land_area_mu", lookup_expr="lte"
    )

    class Meta:
        model = Enterprise
        fields: list[str] = []

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(name__icontains=value) | Q(uscc__startswith=value.upper()))


class RegionFilterSet(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=RegionLevel.choices)
    parent = django_filters.CharFilter(field_name="parent__code")
    within = django_filters.CharFilter(label=_("Within region"), method="within_region")
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Region
        fields = ["is_active"]

    def within_region(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        region = Region.objects.filter(code=value).first()
        return queryset.filter(path__startswith=region.path) if region else queryset.none()


class ParkFilterSet(django_filters.FilterSet):
    region = django_filters.CharFilter(label=_("Region code"), method="within_region")
    kind = django_filters.ChoiceFilter(choices=ParkKind.choices)
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Park
        fields: list[str] = []

    def within_region(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        region = Region.objects.filter(code=value).first()
        return queryset.filter(region__path__startswith=region.path) if region else queryset.none()


class IndustryFilterSet(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(label=_("Level"), choices=IndustryLevel.choices)
    parent = django_filters.CharFilter(label=_("Parent code"), field_name="parent_id")
    section = django_filters.CharFilter(label=_("section"))
    name = django_filters.CharFilter(label=_("Name contains"), lookup_expr="icontains")

    class Meta:
        model = Industry
        fields: list[str] = []


class DigitalEconomyCategoryFilterSet(django_filters.FilterSet):
    """Without `version`, the current version: statistics use it, and mixing editions would repeat codes."""

    version = django_filters.ModelChoiceFilter(label=_("Version"), queryset=DigitalEconomyVersion.objects.all())
    level = django_filters.ChoiceFilter(label=_("Level"), choices=DigitalEconomyLevel.choices)
    code = django_filters.CharFilter(label=_("Code"), lookup_expr="startswith")

    class Meta:
        model = DigitalEconomyCategory
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.form.cleaned_data.get("version") is None:
            queryset = queryset.filter(version__is_current=True)
        return super().filter_queryset(queryset)
