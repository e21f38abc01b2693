"""The values of a Kubernetes Secret's `data:` map: base64, so no rule reads what they hold.

A manifest stores `database-url: cG9zdGdyZXNxbDovL…` where the text is
`postgresql://app:…@db/app`: decoded, the entry is read by the same rules as any YAML line
(`database-url: postgresql://…`), and a finding covers the base64 value as it stands in the
file. Only documents of `kind: Secret` are read (a ConfigMap's `binaryData:` holds files, not
credentials); a value that is not base64 of UTF-8 text is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

_KIND_SECRET = re.compile(r"(?m)^kind:[ \t]*[\"']?Secret[\"']?[ \t]*$")
_DATA = re.compile(r"(?m)^data:[ \t]*$")
_ENTRY = re.compile(
    r"[ \t]+(?P<name>[\w.-]{1,120}):[ \t]*(?P<value>[A-Za-z0-9+/]{2,4000}={0,2})[ \t]*"
)


class DataEntry(NamedTuple):
    """One `name: base64` entry: the value's span in the manifest and its decoded text."""

    start: int
    end: int
    name: str
    decoded: str


def secret_data(text: str) -> Iterator[DataEntry]:
    """The entries of every `kind: Secret` document's `data:` map in `text`, decoded."""
    offset = 0
    for document in re.split(r"(?m)^---[ \t]*$", text):
        if _KIND_SECRET.search(document):
            yield from _entries(document, offset)
        offset += len(document) + 3  # the `---` the split removed


def _entries(document: str, offset: int) -> Iterator[DataEntry]:
    """The indented `name: value` lines right below `data:` (the map ends at the first line
    that is not one)."""
    import base64  # local: only Secret manifests need it, and the hook's start-up time counts
    import binascii

    for data in _DATA.finditer(document):
        pos = data.end() + 1
        while pos < len(document):
            line_end = document.find("\n", pos)
            line_end = len(document) if line_end < 0 else line_end
            entry = _ENTRY.fullmatch(document, pos, line_end)
            if entry is None:
                break
            try:
                decoded = base64.b64decode(entry.group("value"), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            if decoded.isprintable():
                start = offset + entry.start("value")
                yield DataEntry(start, offset + entry.end("value"), entry.group("name"), decoded)
            pos = line_end + 1
