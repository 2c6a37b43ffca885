"""The version matrix: the test suite on each supported Python + Django pair.

    nox                         # all three pairs
    nox -s "tests-3.13(django='6.1')"   # one pair; see `nox --list`

Each session installs the project and its test extra into a fresh virtualenv
(nox's venv backend) with the interpreters that pyenv provides. The newest pair
turns every deprecation warning into an error, so a Django deprecation shows up
here a release before it breaks the package. SQLite and the local-memory cache
only: the PostgreSQL + Redis pass runs on the main interpreter in .ci/run.
"""

from __future__ import annotations

import glob
import os

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True

#: (Python, Django) pairs; the first is the oldest supported, the last the newest.
MATRIX = [("3.10", "5.2"), ("3.12", "6.0"), ("3.13", "6.1")]
NEWEST = MATRIX[-1]


def interpreter(version: str) -> str:
    """pyenv's interpreter for ``version`` if there is one, else nox finds it on PATH."""
    pattern = os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python{version}")
    found = sorted(glob.glob(pattern))
    return found[-1] if found else version


@nox.session
@nox.parametrize(
    "python,django",
    [(interpreter(py), dj) for py, dj in MATRIX],
    ids=[f"py{py}-django{dj}" for py, dj in MATRIX],
)
def tests(session: nox.Session, django: str) -> None:
    session.install("-e", ".[test]", f"django~={django}.0")
    session.run("python", "-c", "import django, sys; print(sys.version, django.get_version())")
    args = list(session.posargs)
    if (session.python, django) == (interpreter(NEWEST[0]), NEWEST[1]):
        args = ["-W", "error::DeprecationWarning", "-W", "error::PendingDeprecationWarning", *args]
    session.run("python", "-m", "pytest", "-q", *args,
                env={"SMS2FA_TEST_SERVICES": ""})
