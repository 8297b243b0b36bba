"""Gift packages: list and detail."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("packages", __name__)


@bp.get("")
def package_list():
    return render_template("catalog/home.html")


@bp.get("/<slug>")
def package_detail(slug: str):
    return render_template("catalog/home.html")
