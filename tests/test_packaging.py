"""The built wheel carries every file the app reads at runtime, and an installed app reads
them from itself: templates, static files, webhook samples, migrations, and the Shopify
extension files (the Flow trigger declarations and the widget) that live in ``extensions/``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from shopify_loyalty.flow.triggers import TRIGGERS

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("shopify_loyalty", "webhooks", "migrations")
NOT_SOURCES = shutil.ignore_patterns(
    ".*", "build", "dist", "*.egg-info", "__pycache__", "instance", "tests", "benchmarks"
)

INSTALLED_APP_REPORT = """
import json, migrations, webhooks
from importlib import resources
from shopify_loyalty.app_extensions import extensions_folder
from shopify_loyalty.standin.flow_triggers import deployed_triggers
from shopify_loyalty.storefront.widget_file import widget_path
print(json.dumps({
    "extensions": str(extensions_folder()),
    "triggers": sorted(deployed_triggers()),
    "widget": str(widget_path()),
    "migrations": migrations.__file__,
    "samples": str(resources.files("webhooks") / "samples"),
}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The wheel pip builds from a clean copy of the sources (no stale build folder)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCES)
    subprocess.run(  # noqa: S603  (our own interpreter)
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", work, source],
        check=True,
        cwd=work,
    )
    [built] = work.glob("shopify_loyalty-*.whl")
    yield built


def test_the_wheel_carries_every_file_of_the_packages_and_the_extension_files(
    wheel: Path,
) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    package_files = {
        path.relative_to(ROOT).as_posix()
        for package in PACKAGES
        for path in (ROOT / package).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    extension_files = {
        "shopify_loyalty/shopify_extensions/" + path.relative_to(ROOT / "extensions").as_posix()
        for path in [
            *(ROOT / "extensions").glob("*/shopify.extension.toml"),
            ROOT / "extensions" / "loyalty-widget" / "assets" / "widget.js",
        ]
    }

    assert package_files - names == set()
    assert extension_files - names == set()
    assert {name for name in package_files if name.endswith((".html", ".j2"))}
    assert "migrations/script.py.mako" in names
    assert "shopify_loyalty/shopify_extensions/flow-tier-changed/shopify.extension.toml" in names


def test_an_installed_app_reads_its_flow_triggers_and_widget_from_the_package(
    wheel: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    environment = {**os.environ, "PYTHONPATH": str(site)}

    report = subprocess.run(  # noqa: S603  (our own interpreter)
        [sys.executable, "-c", INSTALLED_APP_REPORT],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
    )

    found = json.loads(report.stdout)
    assert found["triggers"] == sorted(trigger.handle for trigger in TRIGGERS.values())
    assert found["extensions"] == str(site / "shopify_loyalty" / "shopify_extensions")
    for key in ("widget", "migrations", "samples"):
        assert Path(found[key]).is_relative_to(site), (key, found[key])
