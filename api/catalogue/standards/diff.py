"""What changed between two contents of a standard, field by field, as a person reads a change.

Paths are dotted into the content's camelCase keys. Texts compare per language (``name.en``); requirements pair up
by document type and form fields by name, wherever they moved (``requirements[KTP_EL].optional``,
``form[nama].label.id``), with a change of order said once (the list's key order before and after); procedure steps
compare by position (``procedure[2].id``); other lists (categories, legal basis, keywords, a field's options)
compare whole. A side that has no value is null.
"""

from __future__ import annotations

from typing import Any

from api.catalogue.schemas import Change

# The content's keys in the order a standard reads (datafiles.ServiceFile).
ORDER = (
    "code",
    "agency",
    "name",
    "description",
    "categories",
    "channels",
    "fee",
    "feeNote",
    "slaDays",
    "assurance",
    "legalBasis",
    "requirements",
    "procedure",
    "form",
    "keywords",
    "output",
)
KEYED = {"requirements": "type", "form": "name"}
BY_POSITION = {"procedure"}


def _keys(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    known = [k for k in ORDER if k in before or k in after]
    return known + sorted((set(before) | set(after)) - set(ORDER))


def _value(value: Any, path: str, after: Any, out: list[Change]) -> None:
    """Compare two values at ``path``: objects key by key (texts per language), anything else whole."""
    before = value
    if before == after:
        return
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after), key=lambda k: (k not in ("id", "en"), k)):
            _value(before.get(key), f"{path}.{key}", after.get(key), out)
        return
    out.append(Change(field=path, before=before, after=after))


def _keyed(name: str, key: str, before: list[Any], after: list[Any], out: list[Change]) -> None:
    def index(items: list[Any]) -> dict[str, Any]:
        return {str(item.get(key)): item for item in items if isinstance(item, dict)}

    old, new = index(before), index(after)
    if len(old) != len(before) or len(new) != len(after):  # not keyable (a draft with duplicates): compare whole
        _value(before, name, after, out)
        return
    for code, item in new.items():
        _value(old.get(code), f"{name}[{code}]", item, out)
    for code, item in old.items():
        if code not in new:
            out.append(Change(field=f"{name}[{code}]", before=item, after=None))
    kept_old = [code for code in old if code in new]
    kept_new = [code for code in new if code in old]
    if kept_old != kept_new:
        out.append(Change(field=name, before=kept_old, after=kept_new))


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[Change]:
    """The changes from ``before`` to ``after`` (None: nothing, e.g. before a new service's first version)."""
    out: list[Change] = []
    old, new = before or {}, after or {}
    for key in _keys(old, new):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if before is None or after is None or not (isinstance(a, list) and isinstance(b, list)):
            if before is None or after is None:
                out.append(Change(field=key, before=a, after=b))
            else:
                _value(a, key, b, out)
        elif key in KEYED:
            _keyed(key, KEYED[key], a, b, out)
        elif key in BY_POSITION:
            for i in range(max(len(a), len(b))):
                _value(a[i] if i < len(a) else None, f"{key}[{i}]", b[i] if i < len(b) else None, out)
        else:
            out.append(Change(field=key, before=a, after=b))
    return out
