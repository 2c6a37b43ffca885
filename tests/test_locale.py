"""The shipped catalogs: complete, compiled from their .po, and covering every
string of the code; and every page in Filipino shows no English left over."""

from __future__ import annotations

import gettext
import io
import re
import shutil
import subprocess
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

import django_sms2fa

from .conftest import last_code, password_step, step_up, wrong_code

PACKAGE = Path(django_sms2fa.__file__).resolve().parent
LOCALE = PACKAGE / "locale"
LANGUAGES = ["en", "fil"]
# The app's catalog, and the example project's for the demo site's own pages.
EXAMPLE = Path(__file__).resolve().parents[1] / "example_project"
CATALOGS = {"app": PACKAGE, "example": EXAMPLE}


def po_path(language: str, root: Path = PACKAGE) -> Path:
    return root / "locale" / language / "LC_MESSAGES" / "django.po"


def compile_po(po: Path, out: Path) -> gettext.GNUTranslations:
    """Compile ``po`` with ``msgfmt --check`` (formats, placeholders, header) and load it."""
    subprocess.run(["msgfmt", "--check", "-o", str(out), str(po)], check=True,
                   capture_output=True, text=True)
    with out.open("rb") as handle:
        return gettext.GNUTranslations(handle)


def msgids(po: Path) -> set[str]:
    """The msgids of ``po`` (with context, as ``context\\x04msgid``), read by msgfmt."""
    # An English catalog has empty msgstrs; msgen fills them with the msgids
    # so that msgfmt keeps every entry.
    filled = subprocess.run(["msgen", str(po)], check=True, capture_output=True).stdout
    mo = subprocess.run(["msgfmt", "-o", "-", "-"], input=filled, check=True,
                        capture_output=True).stdout
    catalog = gettext.GNUTranslations(io.BytesIO(mo))._catalog
    return {key[0] if isinstance(key, tuple) else key for key in catalog} - {""}


def untranslated(po: Path) -> list[str]:
    """The msgids of ``po`` without a translation or marked fuzzy."""
    found = []
    for which in ("--untranslated", "--only-fuzzy"):
        out = subprocess.run(["msgattrib", "--no-obsolete", "--no-wrap", which, str(po)],
                             check=True, capture_output=True, text=True).stdout
        found += [m for m in re.findall(r'^msgid "(.*)"$', out, re.MULTILINE) if m]
    return found


@pytest.mark.parametrize("catalog", CATALOGS)
def test_every_string_has_a_filipino_translation(catalog):
    assert untranslated(po_path("fil", CATALOGS[catalog])) == []


@pytest.mark.parametrize("catalog", CATALOGS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalog_is_the_po_compiled(catalog, language, tmp_path):
    root = CATALOGS[catalog]
    fresh = compile_po(po_path(language, root), tmp_path / "django.mo")
    with (root / "locale" / language / "LC_MESSAGES" / "django.mo").open("rb") as handle:
        shipped = gettext.GNUTranslations(handle)
    assert shipped._catalog == fresh._catalog
    assert shipped.plural(1) == fresh.plural(1) and shipped.plural(2) == fresh.plural(2)


@pytest.mark.parametrize("catalog", CATALOGS)
def test_makemessages_finds_no_string_missing_from_the_catalogs(catalog, tmp_path, monkeypatch):
    copy = tmp_path / catalog
    shutil.copytree(CATALOGS[catalog], copy,
                    ignore=shutil.ignore_patterns("__pycache__", "*.mo", "*.sqlite3"))
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=LANGUAGES, verbosity=0, no_obsolete=True)
    for language in LANGUAGES:
        found = msgids(copy / "locale" / language / "LC_MESSAGES" / "django.po")
        shipped = msgids(po_path(language, CATALOGS[catalog]))
        # See docs/translations.md for the commands that bring a catalog up to date.
        assert found - shipped == set(), f"strings missing from the {language} catalog"
        assert shipped - found == set(), f"strings gone from the code, still in {language}"


def test_the_sms_keeps_its_webotp_line_in_every_language():
    from django.utils import translation

    from django_sms2fa.challenges import render_message

    for language in LANGUAGES:
        with translation.override(language):
            text = render_message("123456", None)
        assert text.endswith("\n\n@ #123456") and text.startswith("123456 ")


# GSM 03.38's basic alphabet: an SMS outside it is sent as UCS-2, 70 characters a part.
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_sms_text_fits_one_gsm_sms(language, settings):
    """A curly quote or a long translation would double what each code costs."""
    from django.utils import translation

    from django_sms2fa.challenges import render_message
    from django_sms2fa.lockout import lockout_sms

    settings.SMS2FA_SITE_NAME = site = "Example Shop"
    settings.SMS2FA_DOMAIN = "login.example-shop.ph"
    with translation.override(language):
        changes = [translation.pgettext("the phone number was ...", "removed")] + [
            translation.gettext(change) % {"phone": "+63 ******4567"}
            for change in ("changed to %(phone)s", "changed to %(phone)s by support")
        ]
        notice = settings_text("NOTICE_TEMPLATE")
        texts = [render_message("123456", None)]
        texts += [notice.format(site_name=site, change=change) for change in changes]
        texts.append(lockout_sms(datetime(2026, 12, 1, 23, 45, tzinfo=timezone.utc)))
    for text in texts:
        assert set(text) <= GSM7, set(text) - GSM7
        assert len(text) <= 160, text


def settings_text(name: str) -> str:
    from django_sms2fa.conf import app_settings

    return str(getattr(app_settings, name))


# --- Pages in Filipino ---------------------------------------------------------

VISIBLE_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}


class PageText(HTMLParser):
    """The text a person sees on a page: text nodes outside scripts and styles,
    titles and labels in attributes, and the labels of submit inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0
        self.lang = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang", "")
        if tag in ("script", "style"):
            self.skip += 1
        for name in VISIBLE_ATTRIBUTES & attrs.keys():
            self.parts.append(attrs[name] or "")
        if tag == "input" and attrs.get("type") in ("submit", "button"):
            self.parts.append(attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def page_text(html: str) -> tuple[str, set[str]]:
    parser = PageText()
    parser.feed(html)
    segments = {" ".join(part.split()) for part in parser.parts}
    return parser.lang, {s for s in segments if s}


def visit(client: Client, method: str, url: str, data: dict | None = None) -> str:
    response = getattr(client, method)(url, data or {}, follow=True)
    assert response.status_code in (200, 429), (url, response.status_code)
    return response.content.decode()


def walk(client: Client, clock, plain_user) -> dict[str, str]:
    """Every page of the app in its states, as a person meets them."""
    pages: dict[str, str] = {}
    password_step(client)
    pages["code sent"] = visit(client, "get", "/2fa/verify/")
    code = last_code()
    pages["malformed code"] = visit(client, "post", "/2fa/verify/", {"code": "12ab"})
    pages["null in code"] = visit(client, "post", "/2fa/verify/", {"code": "12\x00"})
    pages["wrong code"] = visit(client, "post", "/2fa/verify/", {"code": wrong_code(code)})
    pages["resend too soon"] = visit(client, "post", "/2fa/resend/")
    pages["recovery page"] = visit(client, "get", "/2fa/recovery/")
    pages["bad recovery code"] = visit(client, "post", "/2fa/recovery/", {"recovery_code": "x\x00"})
    pages["wrong recovery code"] = visit(client, "post", "/2fa/recovery/",
                                         {"recovery_code": "abcd-efgh-jkmn"})
    visit(client, "post", "/2fa/verify/", {"code": code})
    pages["settings"] = visit(client, "get", "/2fa/setup/")
    pages["step-up"] = visit(client, "get", "/payout/")
    clock.advance(61)
    url = "/2fa/step-up/?purpose=payout&next=/payout/"
    pages["step-up sent"] = visit(client, "post", url, {"send": "1"})
    pages["step-up wrong"] = visit(client, "post", url, {"code": wrong_code(last_code())})
    pages["step-up bad recovery code"] = visit(client, "post", url, {"recovery_code": "x"})
    for name, purpose, page in [("turn off", "disable", "/2fa/setup/disable/"),
                                ("new recovery codes", "recovery_codes",
                                 "/2fa/setup/recovery-codes/"),
                                ("phone form", "phone_change", "/2fa/setup/phone/")]:
        clock.advance(61)
        step_up(client, purpose, page)
        pages[name] = visit(client, "get", page)
    pages["recovery codes shown"] = visit(client, "post", "/2fa/setup/recovery-codes/")
    for name, number in [("phone empty", ""), ("phone invalid", "12"), ("phone null", "0917\x00"),
                         ("phone landline", "+63 2 8123 4567"),
                         ("phone abroad", "+1 202 555 0143"), ("phone confirm", "0918 765 4321")]:
        pages[name] = visit(client, "post", "/2fa/setup/phone/", {"phone_number": number})
    pages["phone confirm wrong"] = visit(client, "post", "/2fa/setup/phone/confirm/",
                                         {"code": wrong_code(last_code())})
    client.logout()
    client.force_login(plain_user)
    pages["settings without phone"] = visit(client, "get", "/2fa/setup/")
    pages["step-up without phone"] = visit(client, "get", "/payout/")
    client.logout()
    return pages


@pytest.fixture
def staff_without_phone(django_user_model):
    return django_user_model.objects.create_superuser("carol", "carol@example.com", "x" * 12)


@pytest.mark.django_db
def test_every_page_in_filipino_shows_no_english(user, plain_user, staff_without_phone,
                                                 settings, tmp_path, frozen_clock):
    settings.SMS2FA_REQUIRED = "staff"
    # One walk sends more codes in a few minutes than the default limits allow.
    settings.SMS2FA_SEND_RATE_USER = settings.SMS2FA_SEND_RATE_PHONE = "50/10m"
    mo = compile_po(po_path("fil"), tmp_path / "fil.mo")
    # Strings whose Filipino is the English word on purpose ("Code", "SMS").
    same = {v for k, v in mo._catalog.items() if isinstance(k, str) and k == v}
    seen = {}
    for language in LANGUAGES:
        cache.clear()  # the rate limits of the walk in English
        client = Client(headers={"accept-language": language})
        seen[language] = walk(client, frozen_clock, plain_user)
        client.logout()
        password_step(client, username="carol", password="x" * 12)
        seen[language]["enroll at sign-in"] = visit(client, "get", "/2fa/enroll/")
        seen[language]["enroll invalid"] = visit(client, "post", "/2fa/enroll/",
                                                 {"phone_number": "12"})
        user.sms2fa_phones.update(language="")
    words = re.compile(r"[A-Za-z]{3,}")
    leftovers = {}
    for name, fil_html in seen["fil"].items():
        lang, fil_text = page_text(fil_html)
        assert lang == "fil", (name, fil_html[:1500])
        _, en_text = page_text(seen["en"][name])
        assert en_text != fil_text, name
        english = {s for s in fil_text & en_text if words.search(s) and s not in same
                   and not re.fullmatch(r"[\w.@+*\- ]*(alice|bob|carol|Example)[\w.@ ]*", s)}
        if english:
            leftovers[name] = sorted(english)
    assert leftovers == {}
