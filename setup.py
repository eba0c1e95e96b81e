"""Build step beside setup.cfg (which holds the metadata): the package carries the files of
the Shopify extensions that the app reads at runtime.

They live once, in ``extensions/``, where Shopify's CLI deploys them from; building copies
them into ``shopify_loyalty/shopify_extensions/`` of the built package (found there by
``shopify_loyalty.app_extensions``), so no copy is ever kept by hand.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

EXTENSIONS = Path(__file__).resolve().parent / "extensions"
# The Flow trigger declarations (read by the stand-in shop) and the widget (GET /widget.js).
READ_AT_RUNTIME = ("*/shopify.extension.toml", "loyalty-widget/assets/widget.js")


class BuildWithExtensionFiles(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "shopify_loyalty" / "shopify_extensions"
        for pattern in READ_AT_RUNTIME:
            sources = sorted(EXTENSIONS.glob(pattern))
            if not sources:
                raise FileNotFoundError(f"no extensions/{pattern} to build into the package")
            for source in sources:
                destination = target / source.relative_to(EXTENSIONS)
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, destination)


setup(cmdclass={"build_py": BuildWithExtensionFiles})
