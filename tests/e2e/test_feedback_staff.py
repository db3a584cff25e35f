"""Feedback for staff (issue 17), at 360 px in Indonesian, in Debian's Chromium against the real server: an officer
finds a citizen's complaint in the complaints inbox, opens it and answers it (the citizen's API then says
"answered"), a stale answer is refused with "muat ulang", another agency's officer is kept out; a supervisor sees
the agency's IKM exactly as PermenPANRB 14/2017 computes it from the scores answered through the API, and replies
publicly to a comment (the public list then has the pair); a region admin sees an escalated complaint first and
reassigns it to another agency. Every screen: nothing wider than the phone, no raw i18n key, and screenshots into
docs/screenshots/ to be looked at.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.pwa import *  # noqa: F403  (fixtures: pwa_server, browser, phone)
from tests.e2e.pwa import (
    PwaServer,
    bearer,
    citizen_with_documents,
    kk_service,
    submit,
    submitted_application,
    watch_errors,
)
from tests.support.feedback import ELEMENTS

pytestmark = pytest.mark.e2e

REGION = "3371"  # Kota Magelang: no other browser test files complaints or answers surveys here
VIEWPORT = {"width": 360, "height": 740}
# A catalogue key on screen (stcTitle, sskmIkm, navSkm, accountErr_x…) means a string is missing.
RAW_KEY = re.compile(r"\b(?:stc|sskm|sskc|nav|title|accountErr|officer|admin|fbCmp)[A-Z_][A-Za-z_]*\b")


def looked_at(page: Page, pwa_server: PwaServer, name: str | None = None) -> None:
    """Nothing wider than the phone (the tab bar included), no i18n key on screen; a screenshot when named."""
    page.wait_for_load_state("networkidle")
    found = page.evaluate(
        """() => {
            const wide = [...document.querySelectorAll('body *')]
                .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1
                    && getComputedStyle(el).position !== 'fixed')
                .slice(0, 8).map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '.' + el.className);
            return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth, wide};
        }"""
    )
    assert found["scroll"] <= found["inner"] == VIEWPORT["width"], f"{name}: wider than the phone: {found}"
    assert found["wide"] == [], f"{name}: wider than the phone: {found}"
    text = page.locator("body").inner_text()
    assert not RAW_KEY.search(text), f"{name}: an i18n key on screen: {RAW_KEY.search(text)}\n{text}"
    if name:
        page.evaluate("() => window.scrollTo(0, 0)")
        pwa_server.screenshot(page, name)


def staff_page(pwa_server: PwaServer, phone: Callable[..., BrowserContext], tokens: dict[str, Any], path: str) -> Page:
    page = phone(viewport=VIEWPORT).new_page()
    pwa_server.open_signed_in(page, tokens, path)
    return page


def file_complaint(
    pwa_server: PwaServer, citizen: dict[str, Any], application_id: str, text: str, attachment: str | None = None
) -> dict[str, Any]:
    """The citizen's complaint about their application (with a document of their wallet), through the API."""
    body: dict[str, Any] = {"category": "simple", "text": text, "applicationId": application_id}
    if attachment:
        body["attachmentId"] = attachment
    with pwa_server.api() as client:
        filed = client.post(
            "/api/v1/complaints", json=body, headers={**bearer(citizen), "Idempotency-Key": uuid.uuid4().hex}
        )
    assert filed.status_code == 201, filed.text
    complaint: dict[str, Any] = filed.json()
    return complaint


def staff_detail(pwa_server: PwaServer, staff: dict[str, Any], complaint_id: str) -> dict[str, Any]:
    with pwa_server.api() as client:
        found = client.get(f"/api/v1/staff/complaints/{complaint_id}", headers=bearer(staff))
    assert found.status_code == 200, found.text
    detail: dict[str, Any] = found.json()
    return detail


def answer_by_api(pwa_server: PwaServer, staff: dict[str, Any], complaint_id: str, text: str) -> None:
    version = staff_detail(pwa_server, staff, complaint_id)["version"]
    with pwa_server.api() as client:
        answered = client.post(
            f"/api/v1/staff/complaints/{complaint_id}/answer",
            json={"text": text, "version": version},
            headers=bearer(staff),
        )
    assert answered.status_code == 200, answered.text


def test_an_officer_finds_answers_a_complaint_and_a_stale_answer_is_refused(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    citizen, application = submitted_application(pwa_server, REGION, name="Dewi Lestari")
    with pwa_server.api() as client:
        wallet = client.get("/api/v1/wallet/documents", headers=bearer(citizen)).json()
    photo = wallet["items"][0]["id"]
    complaint = file_complaint(
        pwa_server, citizen, application["id"], "Petugas meminta fotokopi yang tidak ada di persyaratan.", photo
    )
    officer = pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region=REGION)
    page = staff_page(pwa_server, phone, officer, "/officer/complaints")
    errors = watch_errors(page)
    expect(page.get_by_role("heading", level=1, name="Pengaduan masuk")).to_be_visible(timeout=20_000)

    # The inbox: the complaint with its number, status, category, due date and who filed it.
    row = page.locator(f"#stc-row-{complaint['id']}")
    expect(row).to_contain_text(complaint["number"])
    expect(row).to_contain_text("Menunggu jawaban")
    expect(row).to_contain_text("Sederhana")
    expect(row).to_contain_text("Dewi Lestari")
    expect(row).to_contain_text(application["number"])
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", row.inner_text()), "a raw date in the row"
    # The filters (folded away on a phone) go into the URL; "overdue only" leaves out a complaint not late.
    page.locator("#stc-filters-toggle").click()
    page.get_by_label("Hanya yang terlambat").check()
    page.get_by_role("button", name="Tampilkan").click()
    expect(page).to_have_url(re.compile(r"#/officer/complaints\?overdue=1$"))
    expect(page.locator(f"#stc-row-{complaint['id']}")).to_have_count(0)
    expect(page.get_by_label("Hanya yang terlambat")).to_be_checked()
    page.go_back()
    expect(row).to_be_visible()
    # The tab bar holds the new tabs at 360 px.
    expect(page.locator("#nav").get_by_role("link", name="Aduan")).to_have_attribute("aria-current", "page")
    expect(page.locator("#nav").get_by_role("link", name="SKM")).to_be_visible()
    looked_at(page, pwa_server, "officer-complaints")

    # The complaint: its text, what it is about, who filed it; then the answer.
    row.get_by_role("link", name=complaint["number"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Pengaduan {complaint['number']}")
    expect(page.locator("#stc-text")).to_have_text("Petugas meminta fotokopi yang tidak ada di persyaratan.")
    expect(page.locator("#stc-complainant")).to_contain_text("Dewi Lestari")
    expect(page.locator("#stc-about")).to_contain_text(application["number"])
    expect(page.locator("#stc-timeline")).to_contain_text("Pengaduan diajukan")
    # The attachment is fetched with the officer's token and shown in place.
    page.locator("#stc-attachment-open").click()
    image = page.locator("#stc-attachment-view img")
    expect(image).to_be_visible()
    assert image.evaluate("(img) => img.complete && img.naturalWidth") == 640
    page.get_by_label("Jawaban untuk warga").fill("Pendek")
    page.get_by_role("button", name="Kirim jawaban").click()
    expect(page.locator("#stc-answer-error")).to_have_text("Tulis jawabannya, minimal 10 karakter.")
    answer = "Mohon maaf. Fotokopi tidak diperlukan; petugas sudah kami ingatkan."
    page.get_by_label("Jawaban untuk warga").fill(answer)
    looked_at(page, pwa_server, "officer-complaint")
    page.get_by_role("button", name="Kirim jawaban").click()
    expect(page.locator("#stc-notice")).to_contain_text("Status sekarang: Dijawab")
    expect(page.locator("#stc-given")).to_have_text(answer)
    expect(page.get_by_role("button", name="Kirim jawaban")).to_have_count(0)
    looked_at(page, pwa_server)

    # The citizen's side, through the API: answered, with the answer.
    with pwa_server.api() as client:
        mine = client.get(f"/api/v1/complaints/{complaint['id']}", headers=bearer(citizen)).json()
    assert mine["status"] == "answered" and mine["answer"] == answer, mine

    # Two at once: a colleague answers a second complaint while this officer has it open.
    second = file_complaint(pwa_server, citizen, application["id"], "Antrean di loket tidak bergerak selama satu jam.")
    page.goto(f"{pwa_server.url}/#/officer/complaints/{second['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Pengaduan {second['number']}", timeout=15_000)
    colleague = pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region=REGION)
    answer_by_api(pwa_server, colleague, second["id"], "Loket tambahan sudah kami buka sejak hari ini.")
    page.get_by_label("Jawaban untuk warga").fill("Kami sedang menambah petugas di loket.")
    page.get_by_role("button", name="Kirim jawaban").click()
    conflict = page.locator("#stc-conflict")
    expect(conflict).to_contain_text("Pengaduan ini")
    expect(conflict).to_contain_text("muat ulang")
    expect(conflict).to_be_focused()
    expect(page.get_by_label("Jawaban untuk warga")).to_have_value("Kami sedang menambah petugas di loket.")
    looked_at(page, pwa_server)
    conflict.get_by_role("button", name="Muat ulang").click()
    expect(page.locator("#stc-given")).to_have_text("Loket tambahan sudah kami buka sejak hari ini.")
    expect(page.locator(".stc-status-line")).to_contain_text("Dijawab")
    assert errors == []

    # Another agency's officer cannot open it, and is told why in words.
    stranger = pwa_server.staff_sign_in("officer", agency="DPMPTSP", region=REGION)
    other = staff_page(pwa_server, phone, stranger, f"/officer/complaints/{complaint['id']}")
    expect(other.get_by_role("heading", level=1)).to_have_text("Pengaduan tidak ditemukan", timeout=20_000)
    expect(other.locator("#stc-load-error")).to_have_text(
        re.compile(r"^(Pengaduan ini milik instansi atau wilayah lain|Pengaduan tidak ditemukan, atau bukan untuk)")
    )
    expect(other.locator(f"#stc-row-{complaint['id']}")).to_have_count(0)
    looked_at(other, pwa_server)


# The nine scores of three respondents: the index is 25 × (sum of all scores) / (9 × 3).
ANSWERS = (
    dict(zip(ELEMENTS, (4, 3, 3, 4, 4, 3, 4, 2, 3), strict=True)),
    dict(zip(ELEMENTS, (3, 3, 2, 4, 3, 3, 4, 3, 3), strict=True)),
    dict(zip(ELEMENTS, (4, 4, 3, 4, 4, 4, 4, 3, 2), strict=True)),
)


def published(value: Fraction) -> str:
    """A value rounded half up to two decimals, written as Indonesian screens write it (83,33)."""
    hundredths = (value * 100 + Fraction(1, 2)).__floor__()
    return f"{hundredths // 100},{hundredths % 100:02d}"


def completed_and_rated(
    pwa_server: PwaServer, officer: dict[str, Any], scores: dict[str, int], comment: str | None
) -> None:
    """A citizen's application completed by the officer, then rated by the citizen, all through the API."""
    service = kk_service(pwa_server, REGION)
    citizen, documents = citizen_with_documents(pwa_server, service)
    application = submit(pwa_server, citizen, service, documents)
    path = f"/api/v1/officer/applications/{application['id']}"
    with pwa_server.api() as client:
        assert client.post(f"{path}/assign", json={}, headers=bearer(officer)).status_code == 200
        for action in ("start_review", "approve", "complete"):
            decided = client.post(f"{path}/decision", json={"action": action}, headers=bearer(officer))
            assert decided.status_code == 200, decided.text
        rated = client.post(
            f"/api/v1/applications/{application['id']}/survey",
            json={"scores": scores, "comment": comment},
            headers={**bearer(citizen), "Idempotency-Key": uuid.uuid4().hex},
        )
        assert rated.status_code == 201, rated.text


def test_a_supervisor_sees_the_agencys_index_and_replies_to_a_comment(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    officer = pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region=REGION)
    comment = f"Pelayanan cepat, tetapi ruang tunggu panas. {uuid.uuid4().hex[:6]}"
    for i, scores in enumerate(ANSWERS):
        completed_and_rated(pwa_server, officer, scores, comment if i == 0 else None)
    # PermenPANRB 14/2017: NRR per element = sum / respondents; IKM = Σ NRR × 1/9; published = IKM × 25.
    n = len(ANSWERS)
    nrr = {key: Fraction(sum(a[key] for a in ANSWERS), n) for key in ELEMENTS}
    ikm = sum(nrr.values(), Fraction(0)) / 9 * 25
    # 25 × 90 / 27 = 83.33…; rounding each NRR first (a common slip) would give 83,36.
    assert published(ikm) == "83,33"

    supervisor = pwa_server.staff_sign_in("supervisor", agency="DISDUKCAPIL", region=REGION)
    with pwa_server.api() as client:
        figures = client.get("/api/v1/staff/skm", headers=bearer(supervisor))
    assert figures.status_code == 200, figures.text
    overall = figures.json()["overall"]
    assert overall["respondents"] == n and overall["grade"] == "B", overall
    page = staff_page(pwa_server, phone, supervisor, "/officer/skm")
    errors = watch_errors(page)
    expect(page.get_by_role("heading", level=1, name="Survei Kepuasan Masyarakat")).to_be_visible(timeout=20_000)
    expect(page.locator("#sskm-ikm")).to_have_text(published(ikm))
    expect(page.locator("#sskm-grade")).to_contain_text("B (Baik)")
    expect(page.locator("#sskm-respondents")).to_have_text(str(n))
    needed = overall["sampleNeeded"]
    expect(page.locator("#sskm-sample")).to_contain_text(
        "Sampel tercapai" if overall["sampleReached"] else f"Belum mencapai sampel minimal: {n} dari {needed}"
    )
    for key in ELEMENTS:
        expect(page.locator(f"#sskm-elements tr[data-element='{key}'] td")).to_have_text(published(nrr[key]))
    chart = page.get_by_role("img", name="Diagram batang NRR sembilan unsur")
    expect(chart).to_be_visible()
    expect(chart.locator("rect.sskm-bar")).to_have_count(9)
    expect(page.locator("#sskm-services")).to_contain_text("Penerbitan Kartu Keluarga")
    # Per officer: only with five respondents or more, so this officer (three) is not listed.
    expect(page.locator("#sskm-officers-title")).to_have_text("Per petugas")
    expect(page.locator("#sskm-officers")).to_have_count(0)
    # The period is kept in the URL.
    page.locator("#sskm-period-toggle").click()
    page.get_by_label("Dari tanggal").fill(overall["from"])
    page.get_by_label("Sampai tanggal").fill(overall["to"])
    page.get_by_role("button", name="Tampilkan").click()
    expect(page).to_have_url(re.compile(rf"#/officer/skm\?from={overall['from']}&to={overall['to']}$"))
    expect(page.locator("#sskm-ikm")).to_have_text(published(ikm))
    # Eight tabs for a Disdukcapil supervisor (family mandates are Disdukcapil's; Kinerja is a supervisor's),
    # still inside 360 px.
    expect(page.locator("#nav li")).to_have_count(8)
    looked_at(page, pwa_server, "officer-skm")

    # The comments: reply publicly.
    page.get_by_role("link", name="Komentar warga dan balasannya").click()
    expect(page.get_by_role("heading", level=1, name="Komentar survei")).to_be_visible()
    item = page.locator(".sskc-item", has_text=comment)
    expect(item).to_have_count(1)
    reply = "Terima kasih. Pendingin ruangan baru dipasang bulan ini."
    item.get_by_label("Balasan", exact=True).fill(reply)
    item.get_by_role("button", name="Terbitkan balasan").click()
    expect(item.locator(".sskc-reply-text")).to_have_text(reply)
    looked_at(page, pwa_server)
    assert errors == []
    with pwa_server.api() as client:
        public = client.get("/api/v1/skm/comments", params={"region": REGION, "agency": "DISDUKCAPIL"}).json()
    pair = [c for c in public["items"] if c["comment"] == comment]
    assert len(pair) == 1 and pair[0]["reply"]["text"] == reply, public
    # Nothing in the public pair names the citizen or the officer.
    assert set(pair[0]) <= {"id", "comment", "month", "agencyName", "serviceName", "reply"}, pair[0]

    # The region admin's view: the agency's index in the region's table, and its own view behind the link.
    admin = pwa_server.staff_sign_in("region_admin", region=REGION)
    adm = staff_page(pwa_server, phone, admin, "/admin/skm")
    expect(adm.get_by_role("heading", level=1)).to_have_text("Survei Kepuasan Masyarakat di wilayah", timeout=20_000)
    row = adm.locator("#sskm-agencies tr[data-agency='DISDUKCAPIL']")
    expect(row).to_contain_text(published(ikm), timeout=20_000)
    expect(adm.locator("#sskm-agencies-status")).to_have_text("Indeks semua instansi sudah dimuat.", timeout=30_000)
    looked_at(adm, pwa_server, "admin-skm")
    row.get_by_role("link").click()
    expect(adm.locator("#sskm-ikm")).to_have_text(published(ikm))
    expect(adm.locator("#sskm-officers-title")).to_have_text("Per petugas")
    looked_at(adm, pwa_server)


def test_a_region_admin_sees_an_escalated_complaint_first_and_reassigns_it(
    pwa_server: PwaServer, phone: Callable[..., BrowserContext]
) -> None:
    citizen, application = submitted_application(pwa_server, REGION, name="Rahmat Hidayat")
    officer = pwa_server.staff_sign_in("officer", agency="DISDUKCAPIL", region=REGION)
    # Escalated: answered, then the citizen says it is not resolved.
    disputed = file_complaint(pwa_server, citizen, application["id"], "Izin usaha saya diurus di loket yang salah.")
    answer_by_api(pwa_server, officer, disputed["id"], "Silakan datang lagi ke loket kami besok pagi.")
    with pwa_server.api() as client:
        escalated = client.post(
            f"/api/v1/complaints/{disputed['id']}/dispute",
            json={"text": "Saya sudah datang dua kali dan tetap diarahkan ke loket lain."},
            headers=bearer(citizen),
        )
    assert escalated.status_code == 200, escalated.text
    assert escalated.json()["status"] == "escalated"
    # A newer complaint, still waiting: by date it would come first, but the escalated one leads.
    newer = file_complaint(pwa_server, citizen, application["id"], "Nomor antrean saya dilewati tanpa dipanggil.")

    admin = pwa_server.staff_sign_in("region_admin", region=REGION)
    page = staff_page(pwa_server, phone, admin, "/admin/complaints")
    errors = watch_errors(page)
    expect(page.get_by_role("heading", level=1, name="Pengaduan di wilayah")).to_be_visible(timeout=20_000)
    first = page.locator(".stc-item").first
    expect(first).to_have_attribute("id", f"stc-row-{disputed['id']}")
    expect(first).to_contain_text("Dieskalasi ke pemerintah daerah")
    expect(page.locator(f"#stc-row-{newer['id']}")).to_contain_text("Menunggu jawaban")
    expect(page.locator("#nav").get_by_role("link", name="Aduan")).to_have_attribute("aria-current", "page")
    looked_at(page, pwa_server, "admin-complaints")

    # Reassign it to the licensing office.
    first.get_by_role("link", name=disputed["number"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Pengaduan {disputed['number']}")
    expect(page.locator("#stc-agency")).to_contain_text("Kependudukan")
    page.get_by_role("button", name="Alihkan").click()
    expect(page.locator("#stc-reassign-error")).to_have_text("Pilih instansi tujuan.")
    page.get_by_label("Instansi tujuan").select_option("DPMPTSP")
    chosen = page.get_by_label("Instansi tujuan").locator("option:checked").inner_text()
    page.get_by_role("button", name="Alihkan").click()
    expect(page.locator("#stc-notice")).to_have_text(f"Pengaduan dialihkan ke {chosen}.")
    expect(page.locator("#stc-agency")).to_have_text(chosen)
    expect(page.locator("#stc-timeline")).to_contain_text("Dialihkan ke instansi lain")
    looked_at(page, pwa_server)
    assert errors == []

    # The licensing office's officer now has it; the civil registry's no longer does.
    licensing = pwa_server.staff_sign_in("officer", agency="DPMPTSP", region=REGION)
    assert staff_detail(pwa_server, licensing, disputed["id"])["status"] == "escalated"
    with pwa_server.api() as client:
        theirs = client.get("/api/v1/staff/complaints", params={"limit": 100}, headers=bearer(officer)).json()
    assert disputed["id"] not in [c["id"] for c in theirs["items"]]
