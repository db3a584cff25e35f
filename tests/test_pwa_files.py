"""The PWA's files agree with each other: every citizen-mode module is in the service worker's precache (or the
app would break offline on the first screen not yet visited), no officer, kiosk or admin module is (citizens must
not download them), every precached file exists, and every string key used in the code exists in both languages."""

from __future__ import annotations

import json
import re
from pathlib import Path

PWA = Path(__file__).resolve().parent.parent / "pwa"
SW = (PWA / "sw.js").read_text()


def precached() -> set[str]:
    core = re.search(r"const CORE = \[(.*?)\];", SW, re.S)
    assert core, "sw.js has no CORE precache list"
    return set(re.findall(r"'([^']+)'", core.group(1)))


# The figures' screens (views/stats/) and their chart component are loaded by their routes only: the dashboards in
# officer/admin mode, the public MPP page when someone opens it (it needs fresh figures, so there is nothing to
# gain from having it on every citizen's phone offline).
OTHER_MODES = (
    r"/views/(officer|kiosk|admin|stats)/|/components/(officer|kiosk|admin)-|/components/chart\.js$"
    r"|/css/(officer|kiosk|admin|stats)\.css"
)


def is_other_mode(path: str) -> bool:
    return bool(re.search(OTHER_MODES, path))


def test_every_citizen_module_is_precached_and_no_other_mode_is() -> None:
    listed = precached()
    modules = {"/" + str(p.relative_to(PWA)) for p in (PWA / "js").rglob("*.js")}
    citizen = {m for m in modules if not is_other_mode(m)}
    assert citizen - listed == set(), "citizen modules missing from the precache"
    assert {m for m in listed if is_other_mode(m)} == set()


def test_admin_code_is_loaded_only_by_admin_routes() -> None:
    """Admin modules are reached only through the router's admin routes (import() on first use), never imported by
    a module of another mode, so no citizen, officer or kiosk device downloads them."""
    admin = re.compile(r"""(?:from|import\()\s*['"][^'"]*(?:views/admin/|/css/admin\.css)""")
    for source in (PWA / "js").rglob("*.js"):
        path = "/" + str(source.relative_to(PWA))
        if "/views/admin/" in path or path == "/js/router.js":
            continue
        assert not admin.search(source.read_text()), f"{path} imports admin code"
    router = (PWA / "js" / "router.js").read_text()
    for line in router.splitlines():
        if "views/admin/" in line:
            assert "access: 'admin'" in line, line
    assert "/css/admin.css" in (PWA / "js" / "views" / "admin" / "common.js").read_text()


def test_every_precached_file_exists() -> None:
    for path in precached():
        target = PWA / "index.html" if path == "/index.html" else PWA / path.lstrip("/")
        if path == "/v/":
            target = PWA / "v" / "index.html"
        assert target.is_file(), path


def test_every_string_key_in_the_code_exists_in_both_languages() -> None:
    ids = json.loads((PWA / "i18n" / "id.json").read_text())
    ens = json.loads((PWA / "i18n" / "en.json").read_text())
    assert set(ids) == set(ens)
    used: set[str] = set()
    for source in (PWA / "js").rglob("*.js"):
        used |= set(re.findall(r"\bt\('([A-Za-z0-9_]+)'", source.read_text()))
    assert used - set(ids) == set(), "keys used in code but missing from pwa/i18n"
