"""The figures' screens (issue 18) at 360 px in Indonesian, in Debian's Chromium against the real server: a region
admin's dashboard shows the same figures as the API for applications made and decided through the API, keeps the
grain in the URL across a reload and downloads the CSV; a supervisor sees their own agency only (the tab bar still
fits); a national admin sees the ranking; a member of the public, signed out, opens an MPP's page from a service and
sees small counts as "–" with the reason. Every screen: nothing wider than the phone, no raw i18n key, no serious
axe violation, and a screenshot in docs/screenshots/ to be looked at.

The figures are a read model: the test brings it up to date with `mpp stats refresh` against the server's database
before it compares anything.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.a11y import axe_violations, describe
from tests.e2e.pwa import *  # noqa: F403  (fixtures: pwa_server, browser, phone)
from tests.e2e.pwa import MPP, PwaServer, bearer, kk_service, submitted_application, watch_errors

pytestmark = pytest.mark.e2e

REGION = "3510"  # Kabupaten Banyuwangi: no other browser test applies here, so its counts are this module's
VIEWPORT = {"width": 360, "height": 740}
# A catalogue key on screen (statsTitle, pubMonths, chartSummary, navStats…) means a string is missing.
RAW_KEY = re.compile(r"\b(?:stats|pub|chart|nav|title|accountErr)[A-Z_][A-Za-z_]*\b")


def refresh(pwa_server: PwaServer, applications: list[str]) -> None:
    """Bring the figures up to date with the record now (what the server's periodic job does every minute), until
    the consumer has passed every event of ``applications``: it takes only events of transactions older than every
    transaction still open (PgQ's watermark), and other tests' transactions on the shared database can hold that
    back for a moment."""
    env = {**os.environ, "DATABASE_URL": pwa_server.database_url, "MPP_DATA_DIR": str(pwa_server.data_dir)}

    async def passed() -> bool:
        conn = await asyncpg.connect(pwa_server.database_url)
        try:
            return bool(
                await conn.fetchval(
                    """SELECT (SELECT position FROM stats_cursor WHERE source = 'applications')
                              > (SELECT max(xid) FROM applications_event WHERE application = ANY($1::uuid[]))""",
                    applications,
                )
            )
        finally:
            await conn.close()

    deadline = time.monotonic() + 60
    while True:
        done = subprocess.run([MPP, "stats", "refresh"], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        # Playwright's sync API runs an event loop in this thread: the database call gets a thread of its own.
        with ThreadPoolExecutor(1) as pool:
            if pool.submit(asyncio.run, passed()).result():
                return
        assert time.monotonic() < deadline, "the figures' consumer did not pass this test's events in 60 s"
        time.sleep(0.5)


def decided_applications(pwa_server: PwaServer, officer: dict[str, Any], *, completed: int, waiting: int) -> list[str]:
    """``completed`` applications to kk-baru approved and completed by the officer, ``waiting`` left undecided;
    their ids."""
    ids: list[str] = []
    for i in range(completed + waiting):
        _citizen, application = submitted_application(pwa_server, REGION, name=f"Warga Banyuwangi {i}")
        ids.append(application["id"])
        if i >= completed:
            continue
        path = f"/api/v1/officer/applications/{application['id']}"
        with pwa_server.api() as client:
            assert client.post(f"{path}/assign", json={}, headers=bearer(officer)).status_code == 200
            for action in ("start_review", "approve", "complete"):
                decided = client.post(f"{path}/decision", json={"action": action}, headers=bearer(officer))
                assert decided.status_code == 200, decided.text
    return ids


def api_get(pwa_server: PwaServer, tokens: dict[str, Any] | None, path: str, **params: str) -> dict[str, Any]:
    with pwa_server.api() as client:
        found = client.get(path, params=params, headers=bearer(tokens) if tokens else {})
    assert found.status_code == 200, found.text
    body: dict[str, Any] = found.json()
    return body


def count_text(value: int) -> str:
    """A count as the Indonesian screen writes it (1.234)."""
    return f"{value:,}".replace(",", ".")


def looked_at(page: Page, pwa_server: PwaServer, name: str, found: dict[str, list[dict[str, Any]]]) -> None:
    """Nothing wider than the phone, no i18n key on screen, axe's serious findings kept; a screenshot of the top."""
    page.wait_for_load_state("networkidle")
    measured = page.evaluate(
        """() => {
            const wide = [...document.querySelectorAll('body *')]
                .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1
                    && getComputedStyle(el).position !== 'fixed' && !el.closest('.stats-table-wrap'))
                .slice(0, 8).map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '.' + el.className);
            return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth, wide};
        }"""
    )
    assert measured["scroll"] <= measured["inner"] == VIEWPORT["width"], f"{name}: wider than the phone: {measured}"
    assert measured["wide"] == [], f"{name}: wider than the phone: {measured}"
    text = page.locator("body").inner_text()
    assert not RAW_KEY.search(text), f"{name}: an i18n key on screen: {RAW_KEY.search(text)}\n{text}"
    found[name] = axe_violations(page)
    page.evaluate("() => window.scrollTo(0, 0)")
    pwa_server.screenshot(page, name)


def new_page(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext], tokens: dict[str, Any] | None, path: str
) -> Page:
    # axe-core is injected as an inline script, which the app's CSP forbids: these contexts ignore the CSP.
    page = phone(viewport=VIEWPORT, bypass_csp=True, accept_downloads=True).new_page()
    if tokens:
        pwa_server.open_signed_in(page, tokens, path)
    else:
        page.goto(f"{pwa_server.url}/#{path}")
    return page


def test_a_region_admin_sees_the_regions_figures_changes_the_grain_and_downloads_csv(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext], tmp_path: Path
) -> None:
    officer = pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region=REGION)
    refresh(pwa_server, decided_applications(pwa_server, officer, completed=2, waiting=1))
    admin = pwa_server.staff_sign_in("region_admin", region=REGION)
    page = new_page(pwa_server, phone, admin, "/admin/stats")
    errors = watch_errors(page)
    found: dict[str, list[dict[str, Any]]] = {}
    expect(page.get_by_role("heading", level=1, name="Kinerja layanan")).to_be_visible(timeout=20_000)
    expect(page.locator("#stats-scope")).to_contain_text("Kabupaten Banyuwangi", timeout=20_000)
    expect(page.get_by_role("link", name="Kinerja")).to_have_attribute("aria-current", "page")

    # The same figures as the API's answer for the same query (the screen's default: the last 30 days, by day).
    period = page.locator("#stats-period").inner_text()
    assert "Harian" in period, period
    from_day = page.locator("#stats-from").input_value()
    to_day = page.locator("#stats-to").input_value()
    report = api_get(
        pwa_server,
        admin,
        "/api/v1/stats/figures",
        scope=f"region:{REGION}",
        grain="day",
        **{"from": from_day, "to": to_day},
    )
    total = report["total"]
    assert total["applicationsReceived"] >= 3 and total["applicationsCompleted"] >= 2, total
    for key in ("applicationsReceived", "applicationsDecided", "applicationsCompleted", "applicationsRejected"):
        expect(page.locator(f"#stats-total-{key}")).to_have_text(count_text(total[key]))
    # The breakdown by agency: DISDUKCAPIL's row links one level down.
    disdukcapil = next(b for b in report["breakdown"] if b["figures"]["applicationsReceived"])
    row = page.locator(f"#stats-breakdown tr[data-unit='{disdukcapil['unit']['code']}']")
    expect(row.locator("td").first).to_have_text(count_text(disdukcapil["figures"]["applicationsReceived"]))
    # The chart is one image with a summary; its table is read by screen readers and shown on request.
    chart = page.locator("#stats-trend-svg")
    expect(chart).to_have_attribute("role", "img")
    expect(page.locator("#stats-trend-desc")).to_contain_text("tertinggi")
    expect(page.locator("#stats-trend-table tbody tr")).to_have_count(len(report["periods"]))
    looked_at(page, pwa_server, "stats-region", found)
    page.locator("#stats-trend-toggle").click()
    expect(page.locator("#stats-trend-toggle")).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#stats-trend-table")).to_be_visible()
    page.locator("#stats-trend").scroll_into_view_if_needed()
    pwa_server.screenshot(page, "stats-region-chart-table")

    # Weekly: chosen in the filters, kept in the address, still there after a reload.
    page.get_by_text("Periode dan tampilan").click()
    page.get_by_label("Rincian waktu").select_option("week")
    page.get_by_role("button", name="Tampilkan", exact=True).click()
    expect(page.locator("#stats-period")).to_contain_text("Mingguan", timeout=20_000)
    assert "grain=week" in page.url, page.url
    page.reload()
    expect(page.locator("#stats-period")).to_contain_text("Mingguan", timeout=20_000)
    expect(page.locator("#stats-grain")).to_have_value("week")
    weekly = api_get(
        pwa_server,
        admin,
        "/api/v1/stats/figures",
        scope=f"region:{REGION}",
        grain="week",
        **{"from": from_day, "to": to_day},
    )
    expect(page.locator("#stats-trend-table tbody tr")).to_have_count(len(weekly["periods"]))

    # "Unduh CSV": the same query as CSV, fetched with the token and saved.
    with page.expect_download() as download:
        page.get_by_role("button", name="Unduh CSV").click()
    saved = tmp_path / "figures.csv"
    download.value.save_as(saved)
    lines = saved.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("row,kind,code,name,from,to,") and "applicationsReceived" in lines[0], lines[0]
    total_row = next(line for line in lines if line.startswith("total,"))
    received = lines[0].split(",").index("applicationsReceived")
    assert total_row.split(",")[received] == str(weekly["total"]["applicationsReceived"]), total_row
    expect(page.locator("#stats-csv-status")).to_contain_text("sudah diunduh")

    # One level down: the agency, with its services, and the way back to the region.
    page.locator(f"#stats-breakdown tr[data-unit='{disdukcapil['unit']['code']}'] th a").click()
    expect(page.locator("#stats-scope")).to_contain_text("Instansi", timeout=20_000)
    expect(page.locator(".stats-trail")).to_contain_text("Kabupaten Banyuwangi")
    looked_at(page, pwa_server, "stats-agency", found)
    assert errors == []
    assert all(v == [] for v in found.values()), "\n".join(f"{k}:\n{describe(v)}" for k, v in found.items() if v)


def test_a_supervisor_sees_their_own_agency_only(pwa_server: PwaServer, phone: Callable[..., BrowserContext]) -> None:
    supervisor = pwa_server.staff_sign_in("supervisor", agency="DISDUKCAPIL", region=REGION)
    officer = pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region=REGION)
    refresh(pwa_server, decided_applications(pwa_server, officer, completed=1, waiting=0))
    page = new_page(pwa_server, phone, supervisor, "/officer")
    errors = watch_errors(page)
    found: dict[str, list[dict[str, Any]]] = {}
    # The tab is there (and the tab bar still fits: looked_at), and leads to the agency's figures.
    page.get_by_role("link", name="Kinerja").click()
    expect(page.get_by_role("heading", level=1, name="Kinerja layanan")).to_be_visible(timeout=20_000)
    expect(page.locator("#stats-scope")).to_contain_text("Instansi", timeout=20_000)
    expect(page.locator("#stats-breakdown-title")).to_have_text("Per layanan")
    # Their own agency (its name carries the region's), never the region's figures.
    expect(page.locator("#stats-scope")).to_contain_text("Dinas Kependudukan")
    looked_at(page, pwa_server, "stats-supervisor", found)

    # The officers' workload: read only when asked for (each reading is audited).
    expect(page.locator("#stats-officers-table")).to_have_count(0)
    page.get_by_role("button", name="Tampilkan beban kerja petugas").click()
    expect(page.locator("#stats-officers-table")).to_contain_text("Petugas", timeout=20_000)

    # The region above is not theirs: a hand-made address gets a sentence, not the region's figures.
    page.evaluate("(region) => { location.hash = '#/officer/stats?scope=region:' + region; }", REGION)
    expect(page.locator("#stats-error")).to_contain_text("tidak berwenang", timeout=20_000)
    assert errors == []
    assert all(v == [] for v in found.values()), "\n".join(f"{k}:\n{describe(v)}" for k, v in found.items() if v)


def test_a_national_admin_sees_the_ranking(pwa_server: PwaServer, phone: Callable[..., BrowserContext]) -> None:
    officer = pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region=REGION)
    refresh(pwa_server, decided_applications(pwa_server, officer, completed=1, waiting=0))
    national = pwa_server.staff_sign_in("national_admin")
    page = new_page(pwa_server, phone, national, "/admin/stats")
    errors = watch_errors(page)
    found: dict[str, list[dict[str, Any]]] = {}
    expect(page.locator("#stats-scope")).to_contain_text("Indonesia", timeout=20_000)
    looked_at(page, pwa_server, "stats-national", found)
    page.locator("#stats-ranking-link").click()
    expect(page.get_by_role("heading", level=1, name="Peringkat kinerja")).to_be_visible(timeout=20_000)
    page.get_by_text("Periode dan tampilan").click()
    page.get_by_label("Urutkan menurut").select_option("applicationsReceived")
    page.get_by_role("button", name="Tampilkan", exact=True).click()
    expect(page.locator("#stats-ranking")).to_be_visible(timeout=20_000)
    assert "figure=applicationsReceived" in page.url, page.url
    query = dict(re.findall(r"(\w+)=([\w-]+)", page.url.split("?", 1)[1]))
    ranking = api_get(
        pwa_server,
        national,
        "/api/v1/stats/ranking",
        level="region",
        figure="applicationsReceived",
        **{"from": query["from"], "to": query["to"]},
    )
    mine = next(i for i in ranking["items"] if i["unit"]["code"] == REGION)
    row = page.locator(f"#stats-ranking tr[data-unit='{REGION}']")
    expect(row.locator("td").first).to_have_text(str(mine["rank"]))
    expect(row.locator("td").last).to_have_text(count_text(mine["figures"]["applicationsReceived"]))
    expect(page.locator("#stats-ranking tbody tr")).to_have_count(len(ranking["items"]))
    looked_at(page, pwa_server, "stats-ranking", found)
    assert errors == []
    assert all(v == [] for v in found.values()), "\n".join(f"{k}:\n{describe(v)}" for k, v in found.items() if v)


def test_the_public_sees_an_mpps_page_with_small_counts_suppressed(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    officer = pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region=REGION)
    refresh(pwa_server, decided_applications(pwa_server, officer, completed=1, waiting=0))
    service = kk_service(pwa_server, REGION)
    page = new_page(pwa_server, phone, None, f"/services/{service['id']}")
    errors = watch_errors(page)
    found: dict[str, list[dict[str, Any]]] = {}
    page.get_by_role("link", name="Lihat kinerja MPP ini").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Mal Pelayanan Publik Kabupaten Banyuwangi", timeout=20_000
    )
    mpp_id = api_get(pwa_server, None, f"/api/v1/regions/{REGION}")["mpp"]["id"]
    public = api_get(pwa_server, None, f"/api/v1/stats/public/mpps/{mpp_id}", months="12")
    month = max(public["months"], key=lambda m: m["month"])
    # No ticket was served nor survey answered here: those figures are below the threshold, withheld, shown "–".
    assert "waitMinutesMedian" in month["suppressed"] and "skmIndex" in month["suppressed"], month
    row = page.locator(f"#pub-months tr[data-row='{month['month']}']")
    cell = row.locator("td[data-suppressed]").first
    expect(cell).to_contain_text("–")
    expect(cell).to_contain_text("disembunyikan")  # in words, for screen readers
    # What is shown is the API's number (or withheld as the API says).
    received = row.locator("td").first
    if "applicationsReceived" in month["suppressed"]:
        expect(received).to_have_attribute("data-suppressed", "true")
    else:
        expect(received).to_have_text(count_text(month["figures"]["applicationsReceived"]))
    expect(page.locator("#pub-suppressed-note")).to_contain_text(f"kurang dari {public['suppressBelow']}")
    expect(page.locator("#pub-open-data")).to_have_attribute("href", "/open-data/datapackage.json")
    looked_at(page, pwa_server, "stats-public-mpp", found)
    # The services fold away (a building has a hundred or more); opened, the busiest come first.
    page.locator("#pub-services-details summary").click()
    expect(page.locator("#pub-services")).to_contain_text(service["name"])
    page.locator("#pub-services-details").scroll_into_view_if_needed()
    pwa_server.screenshot(page, "stats-public-mpp-services")
    assert errors == []
    assert all(v == [] for v in found.values()), "\n".join(f"{k}:\n{describe(v)}" for k, v in found.items() if v)
