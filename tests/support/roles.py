"""Who may call each route: the role matrix's expectations (tests/auth/test_role_matrix.py checks every role
against them; tests/test_object_access.py probes the id routes a role may call with another person's ids).

Written apart from the code's own declarations, so that a route added without a rule — or with a wrong one —
fails. Path parameters are shown as {}.
"""

from __future__ import annotations

import re

PEOPLE = {"citizen", "officer", "supervisor", "region_admin", "national_admin"}
EVERYONE = {"anonymous", "kiosk", "officer_mfa", *PEOPLE}
PUBLIC = "public"

EXPECTED: dict[tuple[str, str], set[str] | str] = {
    # health and discovery
    ("GET", "/health/live"): PUBLIC,
    ("GET", "/health/ready"): PUBLIC,
    ("GET", "/.well-known/jwks.json"): PUBLIC,
    ("GET", "/api/v1/site"): PUBLIC,
    # catalogue: public information
    ("GET", "/api/v1/regions"): PUBLIC,
    ("GET", "/api/v1/regions/{}"): PUBLIC,
    ("GET", "/api/v1/agencies"): PUBLIC,
    ("GET", "/api/v1/categories"): PUBLIC,
    ("GET", "/api/v1/document-types"): PUBLIC,
    ("GET", "/api/v1/services"): PUBLIC,
    ("GET", "/api/v1/services/{}"): PUBLIC,
    ("GET", "/api/v1/service-groups"): PUBLIC,
    # signing in
    ("POST", "/api/v1/auth/otp"): PUBLIC,
    ("POST", "/api/v1/auth/otp/verify"): PUBLIC,
    ("POST", "/api/v1/auth/refresh"): PUBLIC,
    ("POST", "/api/v1/auth/logout"): PUBLIC,
    ("POST", "/api/v1/auth/kiosk"): PUBLIC,
    ("POST", "/api/v1/auth/passkeys/authenticate/options"): PUBLIC,
    ("POST", "/api/v1/auth/passkeys/authenticate"): PUBLIC,
    ("POST", "/api/v1/auth/passkeys/register/options"): PEOPLE | {"officer_mfa"},
    ("POST", "/api/v1/auth/passkeys/register"): PEOPLE | {"officer_mfa"},
    ("GET", "/api/v1/auth/passkeys"): PEOPLE,
    ("DELETE", "/api/v1/auth/passkeys/{}"): PEOPLE,
    # me
    ("GET", "/api/v1/me"): PEOPLE | {"officer_mfa"},
    ("PATCH", "/api/v1/me"): PEOPLE,
    ("DELETE", "/api/v1/me"): {"citizen"},
    ("GET", "/api/v1/me/sessions"): PEOPLE,
    ("DELETE", "/api/v1/me/sessions"): PEOPLE,
    ("DELETE", "/api/v1/me/sessions/{}"): PEOPLE,
    ("POST", "/api/v1/me/phone"): PEOPLE,
    ("POST", "/api/v1/me/phone/verify"): PEOPLE,
    ("GET", "/api/v1/me/audit"): PEOPLE,
    ("GET", "/api/v1/me/export"): PEOPLE,
    ("GET", "/api/v1/me/family"): {"citizen"},
    ("POST", "/api/v1/me/family"): {"citizen"},
    ("DELETE", "/api/v1/me/family/{}"): {"citizen"},
    ("GET", "/api/v1/me/mandates"): {"citizen"},
    ("POST", "/api/v1/me/mandates"): {"citizen"},
    ("POST", "/api/v1/me/mandates/{}/accept"): {"citizen"},
    ("DELETE", "/api/v1/me/mandates/{}"): {"citizen"},
    # identity: a citizen proves their NIK; officers check a KTP-el at the counter and review family mandates
    ("POST", "/api/v1/me/identity/verify"): {"citizen"},
    ("GET", "/api/v1/officer/identity/accounts"): {"officer", "supervisor"},
    ("POST", "/api/v1/officer/identity/accounts/{}/in-person"): {"officer", "supervisor"},
    ("GET", "/api/v1/officer/mandates"): {"officer", "supervisor"},
    ("POST", "/api/v1/officer/mandates/{}/review"): {"officer", "supervisor"},
    # wallet
    ("POST", "/api/v1/wallet/documents"): {"citizen"},
    ("GET", "/api/v1/wallet/documents"): {"citizen"},
    ("GET", "/api/v1/wallet/documents/{}"): {"citizen"},
    ("GET", "/api/v1/wallet/documents/{}/content"): {"citizen"},
    ("GET", "/api/v1/wallet/documents/{}/qr.svg"): {"citizen"},
    ("PUT", "/api/v1/wallet/documents/{}/content"): {"citizen"},
    ("DELETE", "/api/v1/wallet/documents/{}"): {"citizen"},
    ("POST", "/api/v1/wallet/documents/{}/consents"): {"citizen"},
    ("DELETE", "/api/v1/wallet/documents/{}/consents/{}"): {"citizen"},
    ("POST", "/api/v1/wallet/documents/{}/links"): {"citizen"},
    ("DELETE", "/api/v1/wallet/documents/{}/links/{}"): {"citizen"},
    ("GET", "/api/v1/me/access-log"): PEOPLE,
    ("GET", "/api/v1/officer/documents/{}"): {"officer", "supervisor"},
    ("GET", "/api/v1/officer/documents/{}/content"): {"officer", "supervisor"},
    ("POST", "/api/v1/officer/documents/{}/verify"): {"officer", "supervisor"},
    ("GET", "/api/v1/verify"): PUBLIC,
    ("GET", "/api/v1/shared/{}"): PUBLIC,
    ("GET", "/api/v1/shared/{}/content"): PUBLIC,
    # applications and casework
    ("GET", "/api/v1/applications/readiness"): {"citizen"},
    ("POST", "/api/v1/applications"): {"citizen"},
    ("GET", "/api/v1/applications"): {"citizen"},
    ("GET", "/api/v1/applications/{}"): {"citizen"},
    ("POST", "/api/v1/applications/drafts"): {"citizen"},
    ("PUT", "/api/v1/applications/drafts/{}"): {"citizen"},
    ("POST", "/api/v1/applications/{}/withdraw"): {"citizen"},
    ("POST", "/api/v1/applications/{}/resubmit"): {"citizen"},
    ("GET", "/api/v1/officer/applications"): {"officer", "supervisor"},
    ("GET", "/api/v1/officer/applications/{}"): {"officer", "supervisor"},
    ("POST", "/api/v1/officer/applications/{}/decision"): {"officer", "supervisor"},
    ("POST", "/api/v1/officer/applications/{}/assign"): {"officer", "supervisor"},
    ("POST", "/api/v1/officer/applications/bulk/start-review"): {"officer", "supervisor"},
    ("GET", "/api/v1/supervisor/workload"): {"supervisor"},
    ("GET", "/api/v1/supervisor/broker-flags"): {"supervisor"},
    # notifications
    ("GET", "/api/v1/push/key"): PUBLIC,
    ("POST", "/api/v1/push/subscriptions"): PEOPLE,
    ("DELETE", "/api/v1/push/subscriptions"): PEOPLE,
    ("GET", "/api/v1/notifications"): PEOPLE,
    ("POST", "/api/v1/notifications/{}/read"): PEOPLE,
    ("POST", "/api/v1/notifications/read-all"): PEOPLE,
    ("GET", "/api/v1/admin/notifications/dead-letters"): {"region_admin", "national_admin"},
    ("POST", "/api/v1/admin/notifications/dead-letters/{}/replay"): {"region_admin", "national_admin"},
    # administration
    # kiosks paired from admin mode (tests/auth/test_kiosk_pairing.py); the tablet pairs with its code (public)
    ("POST", "/api/v1/admin/kiosks"): {"region_admin", "national_admin"},
    ("GET", "/api/v1/admin/kiosks"): {"region_admin", "national_admin"},
    ("GET", "/api/v1/admin/kiosks/{}"): {"region_admin", "national_admin"},
    ("PATCH", "/api/v1/admin/kiosks/{}"): {"region_admin", "national_admin"},
    ("DELETE", "/api/v1/admin/kiosks/{}"): {"region_admin", "national_admin"},
    ("POST", "/api/v1/admin/kiosks/{}/pairing-code"): {"region_admin", "national_admin"},
    ("GET", "/api/v1/admin/kiosks/{}/pairing-qr.svg"): {"region_admin", "national_admin"},
    ("POST", "/api/v1/auth/kiosk/pair"): PUBLIC,
    # staff in admin mode: region admins for officers and supervisors of their region, national admins for all
    # (tests/auth/test_staff_admin.py, tests/auth/test_enrolment.py)
    ("GET", "/api/v1/admin/staff"): {"region_admin", "national_admin"},
    ("POST", "/api/v1/admin/staff"): {"region_admin", "national_admin"},
    ("GET", "/api/v1/admin/staff/{}"): {"region_admin", "national_admin"},
    ("PATCH", "/api/v1/admin/staff/{}"): {"region_admin", "national_admin"},
    ("POST", "/api/v1/admin/staff/{}/suspend"): {"region_admin", "national_admin"},
    ("POST", "/api/v1/admin/staff/{}/reinstate"): {"region_admin", "national_admin"},
    ("POST", "/api/v1/admin/staff/{}/sessions/end"): {"region_admin", "national_admin"},
    ("DELETE", "/api/v1/admin/staff/{}/passkeys"): {"region_admin", "national_admin"},
    ("POST", "/api/v1/admin/staff/{}/enrolment-code"): {"region_admin", "national_admin"},
    # admin mode: the region, its MPP building, agencies, counters and closure days (tests/catalogue/test_building.py)
    ("POST", "/api/v1/admin/regions"): {"national_admin"},
    ("GET", "/api/v1/admin/building"): {"region_admin", "national_admin"},
    ("PUT", "/api/v1/admin/mpp/{}"): {"region_admin", "national_admin"},
    ("GET", "/api/v1/admin/agency-kinds"): {"region_admin", "national_admin"},
    ("POST", "/api/v1/admin/agencies"): {"region_admin", "national_admin"},
    ("PATCH", "/api/v1/admin/agencies/{}"): {"region_admin", "national_admin"},
    ("POST", "/api/v1/admin/agencies/{}/retire"): {"region_admin", "national_admin"},
    ("POST", "/api/v1/admin/agencies/{}/reinstate"): {"region_admin", "national_admin"},
    ("POST", "/api/v1/admin/counters"): {"region_admin", "national_admin"},
    ("PUT", "/api/v1/admin/counters/{}"): {"region_admin", "national_admin"},
    ("POST", "/api/v1/admin/counters/{}/retire"): {"region_admin", "national_admin"},
    ("POST", "/api/v1/admin/closures"): {"region_admin", "national_admin"},
    ("DELETE", "/api/v1/admin/closures/{}"): {"region_admin", "national_admin"},
    # admin mode: a region's catalogue exported and imported as YAML (tests/catalogue/test_transfer.py)
    ("GET", "/api/v1/admin/catalogue/export"): {"region_admin", "national_admin"},
    ("POST", "/api/v1/admin/catalogue/import"): {"region_admin", "national_admin"},
    # admin mode: service standards — versions, drafts, publishing, a region's overlay
    # (tests/catalogue/test_standards*.py); the version an application was made under is public
    ("GET", "/api/v1/services/{}/versions/{}"): PUBLIC,
    ("GET", "/api/v1/admin/standards"): {"region_admin", "national_admin"},
    ("GET", "/api/v1/admin/standards/{}/{}"): {"region_admin", "national_admin"},
    ("GET", "/api/v1/admin/standards/{}/{}/versions"): {"region_admin", "national_admin"},
    ("GET", "/api/v1/admin/standards/{}/{}/versions/{}"): {"region_admin", "national_admin"},
    ("GET", "/api/v1/admin/standards/{}/{}/diff"): {"region_admin", "national_admin"},
    ("POST", "/api/v1/admin/drafts"): {"region_admin", "national_admin"},
    ("GET", "/api/v1/admin/drafts"): {"region_admin", "national_admin"},
    ("GET", "/api/v1/admin/drafts/{}"): {"region_admin", "national_admin"},
    ("PUT", "/api/v1/admin/drafts/{}"): {"region_admin", "national_admin"},
    ("DELETE", "/api/v1/admin/drafts/{}"): {"region_admin", "national_admin"},
    ("GET", "/api/v1/admin/drafts/{}/preview"): {"region_admin", "national_admin"},
    ("GET", "/api/v1/admin/drafts/{}/diff"): {"region_admin", "national_admin"},
    ("POST", "/api/v1/admin/drafts/{}/publish"): {"region_admin", "national_admin"},
    ("PATCH", "/api/v1/admin/services/{}"): {"region_admin", "national_admin"},
    ("POST", "/api/v1/admin/services/{}/retire"): {"region_admin", "national_admin"},
    ("POST", "/api/v1/admin/services/{}/reinstate"): {"region_admin", "national_admin"},
    # calendars: the days off in force in a region are public; admins keep them (national days: national admins
    # only, checked per day in tests/calendar/test_calendar_admin.py)
    ("GET", "/api/v1/regions/{}/calendar"): PUBLIC,
    ("GET", "/api/v1/admin/calendar"): {"region_admin", "national_admin"},
    ("POST", "/api/v1/admin/calendar/days"): {"region_admin", "national_admin"},
    ("DELETE", "/api/v1/admin/calendar/days/{}"): {"region_admin", "national_admin"},
    # kiosk mode: the tablet itself; its QR codes are public images
    ("GET", "/api/v1/kiosk/device"): {"kiosk"},
    ("GET", "/api/v1/kiosk/qr.svg"): PUBLIC,
    ("POST", "/api/v1/kiosk/status/code"): {"kiosk"},
    ("POST", "/api/v1/kiosk/status"): {"kiosk"},
    ("POST", "/api/v1/kiosk/reset"): {"kiosk"},
    # the queue (antrian, issue 16): public slots and ticket following; citizens' bookings; the kiosk's tickets;
    # the officer's counter (officers and supervisors of the agency; stats: supervisors); admins' settings
    ("GET", "/api/v1/regions/{}/queue/services"): PUBLIC,
    ("GET", "/api/v1/regions/{}/queue/slots"): PUBLIC,
    ("GET", "/api/v1/queue/tickets/{}"): PUBLIC,
    ("POST", "/api/v1/queue/bookings"): {"citizen"},
    ("GET", "/api/v1/queue/bookings"): {"citizen"},
    ("GET", "/api/v1/queue/bookings/{}"): {"citizen"},
    ("PATCH", "/api/v1/queue/bookings/{}"): {"citizen"},
    ("DELETE", "/api/v1/queue/bookings/{}"): {"citizen"},
    ("POST", "/api/v1/kiosk/queue/tickets"): {"kiosk"},
    ("GET", "/api/v1/officer/queue/counters"): {"officer", "supervisor"},
    ("POST", "/api/v1/officer/queue/counters/{}/open"): {"officer", "supervisor"},
    ("POST", "/api/v1/officer/queue/counters/{}/close"): {"officer", "supervisor"},
    ("POST", "/api/v1/officer/queue/next"): {"officer", "supervisor"},
    ("GET", "/api/v1/officer/queue/tickets"): {"officer", "supervisor"},
    ("GET", "/api/v1/officer/queue/tickets/{}"): {"officer", "supervisor"},
    ("POST", "/api/v1/officer/queue/tickets/{}/recall"): {"officer", "supervisor"},
    ("POST", "/api/v1/officer/queue/tickets/{}/serve"): {"officer", "supervisor"},
    ("POST", "/api/v1/officer/queue/tickets/{}/done"): {"officer", "supervisor"},
    ("POST", "/api/v1/officer/queue/tickets/{}/no-show"): {"officer", "supervisor"},
    ("POST", "/api/v1/officer/queue/tickets/{}/transfer"): {"officer", "supervisor"},
    ("GET", "/api/v1/officer/queue/stats"): {"supervisor"},
    ("GET", "/api/v1/admin/queue/services"): {"region_admin", "national_admin"},
    ("GET", "/api/v1/admin/queue/services/{}"): {"region_admin", "national_admin"},
    ("PUT", "/api/v1/admin/queue/services/{}"): {"region_admin", "national_admin"},
    # the queue's display board (issue 16): public, a TV in the building with nobody signed in
    ("GET", "/api/v1/regions/{}/queue/board"): PUBLIC,
    ("GET", "/api/v1/regions/{}/queue/board/events"): PUBLIC,
    # the SKM survey (issue 17): citizens rate their own transactions, walk-ins at the kiosk; the index and the
    # answered comments are public; staff read their unit's figures and comments; supervisors and region admins
    # answer comments publicly
    ("GET", "/api/v1/me/surveys"): {"citizen"},
    ("POST", "/api/v1/applications/{}/survey"): {"citizen"},
    ("POST", "/api/v1/surveys/{}"): {"citizen"},
    ("GET", "/api/v1/kiosk/queue/survey/{}"): {"kiosk"},
    ("POST", "/api/v1/kiosk/queue/survey/{}"): {"kiosk"},
    ("GET", "/api/v1/skm"): PUBLIC,
    ("GET", "/api/v1/skm/comments"): PUBLIC,
    ("GET", "/api/v1/staff/skm"): {"officer", "supervisor", "region_admin", "national_admin"},
    ("GET", "/api/v1/staff/skm/comments"): {"officer", "supervisor", "region_admin", "national_admin"},
    ("PUT", "/api/v1/staff/skm/comments/{}/reply"): {"supervisor", "region_admin"},
    ("DELETE", "/api/v1/staff/skm/comments/{}/reply"): {"supervisor", "region_admin"},
    # complaints (issue 17): the categories are public; citizens file and follow their own; staff read their
    # agency's (admins their region's), officers, supervisors and region admins answer, region admins reassign
    ("GET", "/api/v1/complaints/categories"): PUBLIC,
    ("POST", "/api/v1/complaints"): {"citizen"},
    ("GET", "/api/v1/complaints"): {"citizen"},
    ("GET", "/api/v1/complaints/{}"): {"citizen"},
    ("POST", "/api/v1/complaints/{}/confirm"): {"citizen"},
    ("POST", "/api/v1/complaints/{}/dispute"): {"citizen"},
    ("POST", "/api/v1/complaints/{}/withdraw"): {"citizen"},
    ("GET", "/api/v1/staff/complaints"): {"officer", "supervisor", "region_admin", "national_admin"},
    ("GET", "/api/v1/staff/complaints/{}"): {"officer", "supervisor", "region_admin", "national_admin"},
    ("GET", "/api/v1/staff/complaints/{}/attachment"): {"officer", "supervisor", "region_admin", "national_admin"},
    ("POST", "/api/v1/staff/complaints/{}/answer"): {"officer", "supervisor", "region_admin"},
    ("POST", "/api/v1/staff/complaints/{}/reassign"): {"region_admin"},
    # open data (issue 18): the daily release, public outside /api; an MPP's public performance page; the
    # compliance evidence pack (supervisors their agency, admins their region or all)
    ("GET", "/open-data/datapackage.json"): PUBLIC,
    ("GET", "/open-data/{}"): PUBLIC,
    ("GET", "/open-data/{}/datapackage.json"): PUBLIC,
    ("GET", "/open-data/{}/{}"): PUBLIC,
    ("GET", "/api/v1/stats/public/mpps/{}"): PUBLIC,
    ("GET", "/api/v1/stats/evidence"): {"supervisor", "region_admin", "national_admin"},
    # figures (issue 18): what each figure means is public; supervisors read their agency, region admins their
    # region, national admins everything and the ranking; per-officer workload only the agency's supervisor and
    # its region's admin (audited)
    ("GET", "/api/v1/stats/definitions"): PUBLIC,
    ("GET", "/api/v1/stats/figures"): {"supervisor", "region_admin", "national_admin"},
    ("GET", "/api/v1/stats/ranking"): {"national_admin"},
    ("GET", "/api/v1/stats/officers"): {"supervisor", "region_admin"},
}


def shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)
