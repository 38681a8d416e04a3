"""The UI speaks 简体中文 by default and English on request; the README's commands exist."""

import re
from pathlib import Path

from django.core.management import get_commands
from django.utils import translation

ROOT = Path(__file__).resolve().parents[3]
PO_FILE = ROOT / "industrybrain" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_message_has_a_chinese_translation() -> None:
    entries = PO_FILE.read_text(encoding="utf-8").split("\n\n")[1:]
    untranslated = [e for e in entries if re.search(r'^msgstr(\[0\])? ""\n?$', e, re.M) and "#~" not in e]
    fuzzy = [e for e in entries if "#, fuzzy" in e]
    assert untranslated == [] and fuzzy == []


def test_the_compiled_catalogue_is_loaded() -> None:
    with translation.override("zh-hans"):
        assert translation.gettext("Enterprises") == "企业"
    with translation.override("en"):
        assert translation.gettext("Enterprises") == "Enterprises"


def test_pages_default_to_chinese_and_switch_to_english(world, client) -> None:
    client.force_login(world["linhai_analyst"])
    assert "统一社会信用代码" in client.get("/enterprises/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/enterprises/"})
    page = client.get("/enterprises/").content.decode()
    assert "Unified social credit code" in page and 'lang="en"' in page


def test_every_command_the_readme_names_exists() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"industrybrain ([a-z_]+)", readme))
    assert {"demo", "serve", "uscc", "import_registry"} <= named
    assert named <= set(get_commands())


def test_an_english_browser_still_gets_chinese_until_the_user_switches(world, client) -> None:
    client.force_login(world["linhai_analyst"])
    page = client.get("/enterprises/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "统一社会信用代码" in page.content.decode() and page["Content-Language"] == "zh-hans"
