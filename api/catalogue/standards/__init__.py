"""Service standards (standar pelayanan, UU 25/2009) maintained in the app: versions, drafts, overlays.

Every published change is a new row of the append-only ``catalogue_service_version``; ``catalogue_service`` holds
what citizens see and search (the version in force, materialised per region). Other domains and the admin routes
use the names exported here.
"""

from api.catalogue.standards.access import Admin
from api.catalogue.standards.check import check_content
from api.catalogue.standards.content import NATIONAL
from api.catalogue.standards.drafts import (
    create_draft,
    delete_draft,
    diff_draft,
    get_draft,
    list_drafts,
    preview_draft,
    save_draft,
)
from api.catalogue.standards.errors import DraftExistsError
from api.catalogue.standards.materialise import inherit_national
from api.catalogue.standards.overlay import set_retired, update_overlay
from api.catalogue.standards.preview import published_version
from api.catalogue.standards.publish import publish_content, publish_draft
from api.catalogue.standards.reading import (
    diff_versions,
    get_standard,
    get_version,
    list_standards,
    list_versions,
    service_rows,
)

__all__ = [
    "NATIONAL",
    "Admin",
    "DraftExistsError",
    "check_content",
    "create_draft",
    "delete_draft",
    "diff_draft",
    "diff_versions",
    "get_draft",
    "get_standard",
    "get_version",
    "inherit_national",
    "list_drafts",
    "list_standards",
    "list_versions",
    "preview_draft",
    "publish_content",
    "publish_draft",
    "published_version",
    "save_draft",
    "service_rows",
    "set_retired",
    "update_overlay",
]
