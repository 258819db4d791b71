"""The seams between the domain packages and the HTTP layer, as scripts/check_imports.py walks them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("check_imports", ROOT / "scripts" / "check_imports.py")
assert _spec is not None and _spec.loader is not None
check_imports = importlib.util.module_from_spec(_spec)
sys.modules["check_imports"] = check_imports
_spec.loader.exec_module(check_imports)


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in {"telehealth/__init__.py": "", "worker/__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_the_code_has_no_import_circle_and_reaches_the_http_layer_only_from_routes(capsys):
    assert check_imports.main([str(ROOT)]) == 0
    assert "no import circle" in capsys.readouterr().out


def test_a_deferred_import_that_closes_a_circle_is_found(tmp_path, capsys):
    root = _tree(
        tmp_path,
        {
            "telehealth/errors.py": "def register():\n    from telehealth.http import policy\n",
            "telehealth/http/__init__.py": "from telehealth.accounts import security\n",
            "telehealth/accounts/__init__.py": "",
            "telehealth/accounts/security.py": "from telehealth.errors import register\n",
        },
    )
    assert check_imports.main([str(root)]) == 1
    out = capsys.readouterr().out
    assert "import circle: telehealth.accounts.security -> telehealth.errors -> telehealth.http" in out


def test_a_service_importing_the_http_layer_or_a_route_reaching_inside_it_is_found(tmp_path, capsys):
    root = _tree(
        tmp_path,
        {
            "telehealth/http/__init__.py": "from telehealth.http.policies import policy\n",
            "telehealth/http/policies.py": "def policy(): ...\n",
            "telehealth/visits/__init__.py": "",
            "telehealth/visits/service.py": "from telehealth.http import policy\n",
            "telehealth/visits/routes.py": "from telehealth.http.policies import policy\n",
        },
    )
    assert check_imports.main([str(root)]) == 1
    out = capsys.readouterr().out
    assert "telehealth.visits.service imports telehealth.http: only routes" in out
    assert "telehealth.visits.routes imports telehealth.http.policies: import the public face" in out
