"""CSV for spreadsheet software, with no cell a spreadsheet would run as a formula.

OWASP "CSV Injection": a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
return may be evaluated by Excel or LibreOffice (`=HYPERLINK(…)` in an authenticator's
name, a patient name starting with `-`). Such a cell is prefixed with a single quote,
which makes the spreadsheet show it as text. Every CSV export goes through `writer()`.
"""

import csv
import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number ("-12,50", "-3") cannot hold a formula: it stays a number for the
# accountant's sums.
_PLAIN_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def neutralise(value) -> str:
    """The cell as text, quoted with a leading `'` when a spreadsheet would evaluate it."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class SafeWriter:
    """`csv.writer` whose rows are neutralised cell by cell."""

    def __init__(self, buffer, delimiter: str = ";"):
        self._writer = csv.writer(buffer, delimiter=delimiter)

    def writerow(self, cells) -> None:
        self._writer.writerow([neutralise(cell) for cell in cells])


def writer(buffer, delimiter: str = ";") -> SafeWriter:
    return SafeWriter(buffer, delimiter=delimiter)
