"""The wheel carries every file of the package: templates, catalogs, static
files and py.typed, not only the modules."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def package_files() -> set[str]:
    return {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "django_sms2fa").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


def test_the_wheel_holds_every_file_of_the_package(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(ROOT)],
        check=True, timeout=600,
    )
    [wheel] = tmp_path.glob("django_sms2fa-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        in_wheel = {name for name in archive.namelist() if name.startswith("django_sms2fa/")}
    assert package_files() - in_wheel == set()
    assert {"django_sms2fa/py.typed", "django_sms2fa/templates/sms2fa/login.html"} <= in_wheel
