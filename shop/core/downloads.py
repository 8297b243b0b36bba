"""How the shop hands out files: a PDF opens in the browser, a CSV (UTF-8) is saved.

Every such file is someone's (an order's documents, a producer's statement, the shop's reports and
purchase lists), so it is flagged personal: ``Cache-Control: private, no-store`` (shop.core.security).
"""

from __future__ import annotations

from flask import Response

from shop.core.security import mark_personal


def pdf_response(data: bytes, filename: str) -> Response:
    """``data`` as a PDF shown in the browser (``inline``), saved as ``filename``; never stored by a cache."""
    mark_personal()
    return Response(data, content_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


def csv_response(data: bytes | str, filename: str) -> Response:
    """``data`` as a UTF-8 CSV download (``attachment``) named ``filename``; never stored by a cache."""
    mark_personal()
    return Response(data, content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
