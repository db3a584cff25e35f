#!/usr/bin/env python3
"""Add or update strings in pwa/i18n/{id,en}.json safely while several people edit them.

    scripts/i18n.py add KEY "Teks Indonesia" "English text"   [KEY2 ID2 EN2 ...]
    scripts/i18n.py add-plural KEY '{"other": "{n} hari"}' '{"one": "{n} day", "other": "{n} days"}'
                                                                (a string shown with a count {n}: one form per
                                                                Intl.PluralRules category of each language)
    scripts/i18n.py check                                       (same keys in both files)

A file lock serialises concurrent writers; keys keep their order and new ones are appended.
"""

from __future__ import annotations

import fcntl
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "pwa" / "i18n"


def main(argv: list[str]) -> int:
    if argv[:1] == ["check"]:
        ids = json.loads((ROOT / "id.json").read_text())
        ens = json.loads((ROOT / "en.json").read_text())
        missing = sorted(set(ids) ^ set(ens))
        if missing:
            print("keys in only one language:", ", ".join(missing))
            return 1
        print(f"{len(ids)} keys, both languages")
        return 0
    plural = argv[:1] == ["add-plural"]
    if argv[:1] not in (["add"], ["add-plural"]) or len(argv) < 4 or (len(argv) - 1) % 3:
        print(__doc__)
        return 2
    triples: list[list[object]] = [list(argv[i : i + 3]) for i in range(1, len(argv), 3)]
    if plural:
        # The forms are JSON objects ({"one": ..., "other": ...}); a typo is refused before anything is written.
        triples = [[key, json.loads(str(id_forms)), json.loads(str(en_forms))] for key, id_forms, en_forms in triples]
        if not all(isinstance(f, dict) and "other" in f for t in triples for f in t[1:]):
            print('each plural value must be a JSON object with at least an "other" form')
            return 2
    with (ROOT / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for lang, column in (("id", 1), ("en", 2)):
            path = ROOT / f"{lang}.json"
            data = json.loads(path.read_text())
            for triple in triples:
                data[str(triple[0])] = triple[column]
            path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
