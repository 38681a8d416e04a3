"""The reference tables are in every database, and the digital-economy mapping is versioned."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from industrybrain.registry.choices import IndustryLevel
from industrybrain.registry.models import DigitalEconomyCategory, DigitalEconomyVersion, Industry, Region
from industrybrain.registry.operations import current_digital_economy_version, load_reference_data


@pytest.mark.django_db
def test_it_loads_the_whole_gbt4754_tree() -> None:
    counts = {level: Industry.objects.filter(level=level).count() for level in IndustryLevel.values}
    assert counts == {"section": 20, "division": 97, "group": 473, "class": 1381}
    assert Industry.objects.get(code="3553").name == "缝制机械制造"
    assert Industry.objects.get(code="3741").parent_id == "374"  # restored from the second source
    assert not Industry.objects.filter(level="division", parent__isnull=True).exists()


@pytest.mark.django_db
def test_it_loads_zhejiang_with_its_90_counties() -> None:
    assert Region.objects.filter(level="city").count() == 11
    assert Region.objects.filter(level="county").count() == 90
    assert Region.objects.get(code="331082").path == "330000/331000/331082/"
    assert Region.objects.filter(level="county", parent_id="330100").count() == 13  # 杭州 after 2021


@pytest.mark.django_db
def test_loading_again_changes_nothing() -> None:
    before = (Region.objects.count(), Industry.objects.count(), DigitalEconomyCategory.objects.count())
    load_reference_data()
    assert (Region.objects.count(), Industry.objects.count(), DigitalEconomyCategory.objects.count()) == before


@pytest.mark.django_db
def test_the_bundled_classification_keeps_each_rows_verification() -> None:
    version = current_digital_economy_version()
    assert version is not None and "provisional" in version.name
    computers = version.categories.get(code="01")
    assert (computers.name, computers.verification, computers.is_core) == ("数字产品制造业", "verified", True)
    assert version.categories.get(code="0101").verification == "inferred"
    item = version.categories.get(code="030408")
    assert item.verification == "unverified"
    assert sorted(item.industries.values_list("code", flat=True)) == ["6572", "6579"]
    assert not version.categories.get(code="05").is_core


@pytest.mark.django_db
def test_an_official_table_becomes_a_new_current_version(tmp_path: Path) -> None:
    old = current_digital_economy_version()
    table = tmp_path / "official.csv"
    table.write_text(
        "de_code,de_name,gbt4754_code\n01,数字产品制造业,\n0101,计算机制造,\n010101,计算机整机制造,3911\n",
        encoding="utf-8",
    )
    call_command("import_digital_economy", str(table), "--version-name", "NBS 2021 official")
    new = current_digital_economy_version()
    assert new.name == "NBS 2021 official" and new.pk != old.pk
    assert set(new.categories.values_list("verification", flat=True)) == {"verified"}
    assert DigitalEconomyVersion.objects.filter(pk=old.pk).exists() and old.categories.count() == 136


@pytest.mark.django_db
def test_a_bad_classification_table_changes_nothing(tmp_path: Path) -> None:
    table = tmp_path / "bad.csv"
    table.write_text(
        "de_code,de_name,gbt4754_code\n01,数字产品制造业,\n010101,没有中类,3911\n0101,计算机制造,\n0102,通讯,9999\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="2 error"):
        call_command("import_digital_economy", str(table), "--version-name", "broken")
    assert not DigitalEconomyVersion.objects.filter(name="broken").exists()


def test_province_administrators_load_a_version_on_the_web_and_others_cannot(world, client) -> None:
    import io

    table = b"de_code,de_name,gbt4754_code\n01,X,\n0101,Y,\n010101,Z,3911\n"
    client.force_login(world["linhai_admin"])
    upload = io.BytesIO(table)
    upload.name = "official.csv"
    assert client.post("/digital-economy/", {"version_name": "v2", "file": upload}).status_code == 403
    client.force_login(world["province_admin"])
    upload = io.BytesIO(table)
    upload.name = "official.csv"
    response = client.post("/digital-economy/", {"version_name": "v2", "source": "test", "file": upload})
    assert response.status_code == 302
    assert current_digital_economy_version().name == "v2"
    bad = io.BytesIO(b"de_code,de_name,gbt4754_code\n010101,Z,3911\n")
    bad.name = "bad.csv"
    page = client.post("/digital-economy/", {"version_name": "v3", "file": bad}, follow=True).content.decode()
    assert "010101" in page and not DigitalEconomyVersion.objects.filter(name="v3").exists()
