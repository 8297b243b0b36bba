"""Helpers for the tests that start the real shop as a separate server process on loopback (tests/e2e,
tests/serving): a free port, the server's environment, and waiting until it answers."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(instance: Path, database: Path, secret_key: str) -> dict[str, str]:
    """This process's environment without Stripe, shop or Flask settings, pointed at ``instance`` and the SQLite
    file ``database``, in development mode (demo payments)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("STRIPE_", "SHOP_", "FLASK_"))}
    env.update(SHOP_ENV="development", SHOP_INSTANCE_DIR=str(instance), SHOP_DATABASE_URL=f"sqlite:///{database}",
               SHOP_SECRET_KEY=secret_key, PYTHONUNBUFFERED="1")
    return env


def wait_until_up(url: str, process: subprocess.Popen, log: Path, seconds: float) -> None:
    """Return once ``url``/health answers 200; kill the server and raise with its log if it exits or takes longer."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the shop server did not start:\n{log.read_text()}")
        time.sleep(0.2)
