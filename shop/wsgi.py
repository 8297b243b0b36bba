"""The WSGI application that gunicorn serves (``gunicorn shop.wsgi:app``); configuration comes from the
environment (shop/config.py)."""

from shop import create_app

app = create_app()
