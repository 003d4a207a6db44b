"""Developer tool: fill msgstr entries of a .po file from a JSON dict {msgid: msgstr}; lists what is left.

Usage: python scripts/fill_po.py onewindow/org/locale/zh_Hans/LC_MESSAGES/django.po translations.json
Needs `polib` (pip install polib) — a developer convenience, not a runtime dependency.
"""

import json
import sys

import polib


def main(po_path: str, json_path: str) -> int:
    po = polib.pofile(po_path)
    with open(json_path, encoding="utf-8") as handle:
        table = json.load(handle)
    missing = []
    for entry in po:
        if entry.msgid in table:
            if entry.msgid_plural:
                entry.msgstr_plural = {0: table[entry.msgid]}
            else:
                entry.msgstr = table[entry.msgid]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        elif not entry.translated():
            missing.append(entry.msgid)
    po.save()
    for msgid in missing:
        print("untranslated:", msgid)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
