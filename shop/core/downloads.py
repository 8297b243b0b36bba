"""How the shop hands out files: a PDF opens in the browser, a CSV (UTF-8) is saved."""

from __future__ import annotations

from flask import Response


def pdf_response(data: bytes, filename: str) -> Response:
    """``data`` as a PDF shown in the browser (``inline``), saved as ``filename``."""
    return Response(data, content_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


def csv_response(data: bytes | str, filename: str) -> Response:
    """``data`` as a UTF-8 CSV download (``attachment``) named ``filename``."""
    return Response(data, content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
