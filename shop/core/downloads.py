"""How the shop hands out files: a PDF opens in the browser, a CSV (UTF-8) is saved.

Every CSV the shop writes goes through ``csv_bytes``, which writes each cell through ``csv_cell``: a text that
a spreadsheet would run as a formula (``=HYPERLINK(...)`` as a product name, ``@SUM`` as a refund reason) is
written as text.

Every such file is someone's (an order's documents, a producer's statement, the shop's reports and
purchase lists), so it is flagged personal: ``Cache-Control: private, no-store`` (shop.core.security).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

from flask import Response

from shop.core.security import mark_personal

# What makes Excel, LibreOffice and Google Sheets read a cell as a formula (OWASP, "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# A plain number the shop writes (an amount "-12,50", a count "-3") starts with "-" but is no formula.
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:[.,][0-9]+)?")


def csv_cell(value: object) -> str:
    """``value`` as the text of one CSV cell: empty for None; a text that starts like a formula gets a leading
    quote (``'=SUM(A1)``) so that a spreadsheet shows it instead of running it; numbers stay numbers."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_bytes(rows: Iterable[Sequence[object]]) -> bytes:
    """The rows as Belgian Excel opens them: UTF-8 with a BOM, ``;`` between cells, CRLF line ends, every cell
    through ``csv_cell``. The one CSV writer of the shop."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def pdf_response(data: bytes, filename: str) -> Response:
    """``data`` as a PDF shown in the browser (``inline``), saved as ``filename``; never stored by a cache."""
    mark_personal()
    return Response(data, content_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


def csv_response(data: bytes | str, filename: str) -> Response:
    """``data`` (made by ``csv_bytes``) as a UTF-8 CSV download (``attachment``) named ``filename``; never stored
    by a cache."""
    mark_personal()
    return Response(data, content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
