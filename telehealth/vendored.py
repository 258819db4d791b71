"""Browser libraries we serve ourselves, pinned: `make vendor` copies these files from npm.

The copies are committed under telehealth/static/vendor/<name>-<version>/, so the pages work on a
network with no internet and nothing is built before the app runs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    integrity: str  # npm's sha512 of the tarball: the bytes are pinned, not only the version number
    files: tuple[str, ...]  # paths inside the package, licence files included

    @property
    def folder(self) -> str:
        return f"{self.name.lstrip('@').replace('/', '-')}-{self.version}"


PACKAGES: tuple[Package, ...] = (
    Package(
        "swagger-ui-dist",
        "5.35.0",
        "sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ==",
        (
            "swagger-ui-bundle.js",
            "swagger-ui.css",
            "LICENSE",
            "NOTICE",
            "swagger-ui-bundle.js.LICENSE.txt",
        ),
    ),
    # For the browser tests only (tests/browser: axe checks every screen of the patient app).
    Package(
        "axe-core",
        "4.14.1",
        "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==",
        ("axe.min.js", "LICENSE", "LICENSE-3RD-PARTY.txt"),
    ),
)
_BY_NAME = {package.name: package for package in PACKAGES}


def asset(name: str, path: str) -> str:
    """A vendored file's path inside the static folder, for `url_for('static', filename=...)`."""
    package = _BY_NAME[name]
    if path not in package.files:
        raise LookupError(f"{path} is not vendored from {name}; list it in telehealth/vendored.py")
    return f"vendor/{package.folder}/{path}"
