"""Back office: orders paid by bank transfer. The orders waiting for their transfer (each can be marked received
with the amount on the bank account), and a bank statement (CSV or CODA) read, shown line by line (matched,
amount differs, unmatched, already booked) and its matched lines booked at once. The rules are in
shop.payments.transfers and shop.payments.bank_statements.
"""

from __future__ import annotations

import base64
import binascii

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop.accounts.auth import staff_required
from shop.backoffice.views import bp
from shop.core.errors import DomainError
from shop.core.money import MoneyParseError, parse_cents
from shop.extensions import db
from shop.orders.models import Order
from shop.payments.bank_statements import (
    LineStatus,
    StatementUnreadable,
    apply_statement,
    match_statement,
    read_statement,
)
from shop.payments.transfers import list_awaiting_transfer, mark_transfer_received


def _list_page(status: int = 200, **extra):
    return render_template("backoffice/transfer_list.html", orders=list_awaiting_transfer(), **extra), status


@bp.get("/overschrijvingen")
@staff_required
def transfer_list():
    return _list_page()


@bp.post("/overschrijvingen/<int:order_id>/ontvangen")
@staff_required
def transfer_received(order_id: int):
    """Mark the order's transfer received with the amount read on the bank account: it must be the order's total
    (otherwise nothing is booked and the page says why). A second mark books nothing."""
    order = db.get_or_404(Order, order_id)
    try:
        amount = parse_cents(request.form.get("amount", ""))
    except MoneyParseError:
        flash(_("Geef het ontvangen bedrag voor %(number)s, zoals 512,40.", number=order.number), "error")
        return redirect(url_for("backoffice.transfer_list"), 303)
    try:
        booking = mark_transfer_received(order, amount, by=current_user)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("backoffice.transfer_list"), 303)
    if booking.action == "paid":
        flash(_("De overschrijving voor %(number)s is geboekt: de bestelling is betaald en de factuur gemaakt.",
                number=order.number), "success")
    else:
        flash(_("Bestelling %(number)s was al betaald: er is niets opnieuw geboekt.", number=order.number), "info")
    return redirect(url_for("backoffice.transfer_list"), 303)


def _statement_from_upload() -> bytes:
    upload = request.files.get("statement")
    if upload is None or not upload.filename:
        raise StatementUnreadable(_("Kies het afschrift van de bank (CSV of CODA)."))
    return upload.read()


@bp.post("/overschrijvingen/afschrift")
@staff_required
def statement_preview():
    """Read an uploaded statement and show what each line would do; nothing is booked yet."""
    try:
        data = _statement_from_upload()
        lines = read_statement(data)
    except StatementUnreadable as error:
        return _list_page(422, statement_error=str(error))
    results = match_statement(lines)
    counts = {status: sum(1 for result in results if result.status == status) for status in LineStatus}
    return render_template("backoffice/transfer_statement.html", results=results, counts=counts,
                           statement=base64.b64encode(data).decode("ascii"), LineStatus=LineStatus)


@bp.post("/overschrijvingen/afschrift/boeken")
@staff_required
def statement_apply():
    """Book every matched line of the statement shown, at once (all or nothing). The same statement again
    books nothing twice."""
    try:
        data = base64.b64decode(request.form.get("statement", ""), validate=True)
    except (binascii.Error, ValueError):
        abort(400)
    try:
        paid = apply_statement(read_statement(data), by=current_user)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(_("Er is niets geboekt: %(error)s", error=str(error)), "error")
        return redirect(url_for("backoffice.transfer_list"), 303)
    if paid:
        flash(_("%(count)s overschrijving(en) geboekt: %(numbers)s.", count=len(paid), numbers=", ".join(paid)),
              "success")
    else:
        flash(_("Er was niets (meer) te boeken."), "info")
    return redirect(url_for("backoffice.transfer_list"), 303)
