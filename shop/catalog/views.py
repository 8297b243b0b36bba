"""Consumer catalogue: home, products, producers."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("catalog", __name__)


@bp.get("/")
def home():
    return render_template("catalog/home.html")


@bp.get("/producten")
def product_list():
    return render_template("catalog/home.html")


@bp.get("/producten/<slug>")
def product_detail(slug: str):
    return render_template("catalog/home.html")


@bp.get("/producenten")
def producer_list():
    return render_template("catalog/home.html")


@bp.get("/producenten/<slug>")
def producer_detail(slug: str):
    return render_template("catalog/home.html")
