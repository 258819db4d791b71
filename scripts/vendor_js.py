"""Refresh telehealth/static/vendor/ from npm: exactly the packages, versions and files pinned in
telehealth/vendored.py, nothing else (`make vendor`).

    .venv/bin/python scripts/vendor_js.py

Each package is fetched with `npm pack` (no install scripts run), its tarball checked against the
pinned sha512 integrity, and only the listed files are copied. Folders of packages or versions no
longer listed are removed. Needs npm; the app itself never does.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telehealth.vendored import PACKAGES, Package

ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = ROOT / "telehealth" / "static" / "vendor"


class VendorError(RuntimeError):
    pass


def fetch(package: Package, workdir: Path) -> Path:
    """Pack `name@version` from the registry into workdir, check its integrity, unpack it."""
    npm = shutil.which("npm")
    if npm is None:
        raise VendorError("npm is not installed (Debian: apt-get install -y npm)")
    spec = f"{package.name}@{package.version}"
    done = subprocess.run(  # noqa: S603  (a fixed argument list, no shell)
        [npm, "pack", spec, "--json", "--ignore-scripts", "--pack-destination", str(workdir)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise VendorError(f"npm pack {spec} failed:\n{done.stderr}")
    packed = json.loads(done.stdout)[0]
    if packed["integrity"] != package.integrity:
        raise VendorError(
            f"{spec}: the registry's tarball has integrity {packed['integrity']}, "
            f"but telehealth/vendored.py pins {package.integrity}"
        )
    unpacked = workdir / package.folder
    with tarfile.open(workdir / packed["filename"]) as tarball:
        tarball.extractall(unpacked, filter="data")  # "data" refuses links and paths out of the folder
    return unpacked / "package"


def install(package: Package, source: Path) -> list[str]:
    missing = [name for name in package.files if not (source / name).is_file()]
    if missing:
        raise VendorError(f"{package.name}@{package.version} has no {', '.join(missing)}")
    target = VENDOR_DIR / package.folder
    shutil.rmtree(target, ignore_errors=True)
    for name in package.files:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / name, target / name)
    return [f"{package.folder}/{name}" for name in package.files]


def main() -> int:
    VENDOR_DIR.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix="telehealth-vendor-") as tmp:
            for package in PACKAGES:
                for path in install(package, fetch(package, Path(tmp))):
                    print(f"vendored {path}")
    except VendorError as exc:
        print(f"vendor: {exc}", file=sys.stderr)
        return 1
    kept = {package.folder for package in PACKAGES}
    for stale in sorted(p for p in VENDOR_DIR.iterdir() if p.name not in kept):
        print(f"removed {stale.name}")
        shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
