"""The README's "Add it to your project", followed literally on a fresh
``django-admin startproject``: the snippets are read from README.md, so this
fails when the README changes in a way that no longer works."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

LOGIN_THROUGH_THE_PAGES = r"""
import contextlib, io, re
from django.test import Client

client = Client(HTTP_HOST="localhost")
page = client.get("/accounts/login/")
assert page.status_code == 200 and b'name="username"' in page.content, page.status_code
printed = io.StringIO()
with contextlib.redirect_stdout(printed):
    response = client.post("/accounts/login/", {"username": "alice", "password": "pw-Alice-2026"})
assert response.status_code == 302 and response["Location"] == "/2fa/verify/", response
assert client.get("/admin/").status_code == 302, "signed in before the code"
code = re.search(r"#(\d{6})", printed.getvalue()).group(1)
response = client.post("/2fa/verify/", {"code": code})
assert response.status_code == 302 and response["Location"] == "/2fa/setup/", response
assert client.get("/2fa/setup/").status_code == 200
assert client.get("/admin/").status_code == 200
print("signed in with the code")
"""


def section(text: str, title: str) -> str:
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else None]


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


@pytest.fixture(scope="module")
def steps():
    add = section((ROOT / "README.md").read_text(), "Add it to your project")
    python = blocks(add, "python")
    shell = [line for block in blocks(add, "sh") for line in block.splitlines() if line.strip()]
    settings = next(b for b in python if b.startswith("# settings.py"))
    urls = next(b for b in python if b.startswith("# urls.py"))
    return settings, urls, shell


@pytest.fixture(scope="module")
def project(tmp_path_factory, steps):
    settings, urls, _ = steps
    where = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "django", "startproject", "mysite", str(where)],
                   check=True)
    with open(where / "mysite" / "settings.py", "a") as f:
        f.write("\n" + settings)
    with open(where / "mysite" / "urls.py", "a") as f:
        f.write("\n" + urls)
    return where


def env(**extra):
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("IPROG_API_TOKEN", "DJANGO_SETTINGS_MODULE")}
    environment["PYTHONPATH"] = str(ROOT)  # this checkout's django_sms2fa
    environment.update(extra)
    return environment


def manage(project, command, **extra):
    args = command.split()
    assert args[:2] == ["python", "manage.py"], command
    return subprocess.run([sys.executable, "manage.py", *args[2:]], cwd=project, env=env(**extra),
                          capture_output=True, text=True, timeout=300)


def test_each_step_works_as_written(project, steps):
    _, _, shell = steps
    assert shell[0] == "pip install django-sms2fa"  # here: this checkout, on PYTHONPATH
    ran = []
    for command in shell[1:]:
        name = command.split()[2]
        if name == "createsuperuser":  # asks for a password: given as Django reads it unattended
            result = manage(project, command + " --noinput", DJANGO_SUPERUSER_PASSWORD="pw-Alice-2026")
        elif name == "runserver":  # a sign-in through the site's own pages instead
            result = subprocess.run(
                [sys.executable, "manage.py", "shell", "-c", LOGIN_THROUGH_THE_PAGES],
                cwd=project, env=env(), capture_output=True, text=True, timeout=300,
            )
            assert "signed in with the code" in result.stdout, result.stdout + result.stderr
        else:
            result = manage(project, command)
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
        ran.append(name)
    assert ran == ["migrate", "check", "createsuperuser", "sms2fa_enroll", "runserver"]


def test_check_deploy_reports_what_the_readme_says(project):
    result = manage(project, "python manage.py check --deploy")
    assert result.returncode != 0
    found = set(re.findall(r"sms2fa\.[EW]\d+", result.stderr + result.stdout))
    assert found == {"sms2fa.E008", "sms2fa.E009"}
    with_token = manage(project, "python manage.py check --deploy", IPROG_API_TOKEN="not-a-real-token")
    found = set(re.findall(r"sms2fa\.[EW]\d+", with_token.stderr + with_token.stdout))
    assert found == {"sms2fa.E009"}


def test_the_production_settings_of_the_deployment_guide_pass_check_deploy(tmp_path, steps):
    """docs/deployment.md's settings (all but its placeholder DATABASES) on top of
    the README's: no sms2fa issue is left for ``check --deploy``."""
    settings, urls, _ = steps
    guide = blocks((ROOT / "docs" / "deployment.md").read_text(), "python")[0]
    production = "\n".join(line for line in guide.splitlines() if not line.startswith("DATABASES"))
    subprocess.run([sys.executable, "-m", "django", "startproject", "mysite", str(tmp_path)],
                   check=True)
    with open(tmp_path / "mysite" / "settings.py", "a") as f:
        f.write("\n" + settings + "\n" + production)
    with open(tmp_path / "mysite" / "urls.py", "a") as f:
        f.write("\n" + urls)
    result = manage(tmp_path, "python manage.py check --deploy", IPROG_API_TOKEN="not-a-real-token")
    output = result.stdout + result.stderr
    assert "System check identified" in output or result.returncode == 0, output
    assert re.findall(r"sms2fa\.[EW]\d+|django_ratelimit\.[EW]\d+", output) == []
