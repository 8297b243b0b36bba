"""Long-running processes survive their work failing and stop cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from shop.core.supervisor import StopSignal, run_supervised


def test_a_failing_step_is_retried_and_the_loop_goes_on(db):
    calls = []

    def step():
        calls.append(len(calls))
        if len(calls) <= 2:
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))
        return False

    stats = run_supervised(step, name="test", interval=0.001, max_backoff=0.01, max_runs=4)

    assert calls == [0, 1, 2, 3]
    assert (stats.runs, stats.failures) == (4, 2)


def test_a_step_with_more_work_runs_again_at_once_and_a_stop_ends_the_loop(db):
    stop = StopSignal()
    seen = []

    def step():
        seen.append(time.monotonic())
        if len(seen) == 3:
            stop.set("SIGTERM")
        return True  # always more work: no pause between runs

    stats = run_supervised(step, name="test", interval=60, stop=stop)

    assert len(seen) == 3
    assert stats.stopped_by == "SIGTERM"


ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def process_env(tmp_path_factory):
    """A migrated SQLite database for the processes started here (migrated once for the module)."""
    folder = tmp_path_factory.mktemp("processes")
    env = {**os.environ, "SHOP_DATABASE_URL": f"sqlite:///{folder / 'shop.db'}", "SHOP_INSTANCE_DIR": str(folder)}
    env.pop("SHOP_ENV", None)
    subprocess.run([sys.executable, "-m", "flask", "--app", "shop", "db", "upgrade"], env=env, check=True,
                   capture_output=True, cwd=ROOT)
    return env


def _start(command: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "shop", *command], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)


def _wait_for(process: subprocess.Popen, word: str) -> str:
    output = ""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        output += line
        if word in line:
            return output
    raise AssertionError(f"{word!r} never appeared: {output}")


def test_the_mail_worker_stops_cleanly_on_sigterm(process_env):
    worker = _start(["worker", "--interval", "0.2"], process_env)
    try:
        _wait_for(worker, "outbox worker")
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=20)
    finally:
        worker.kill()
    assert worker.returncode == 0
    assert "stopped" in output


def test_the_scheduler_stops_cleanly_on_sigterm(process_env):
    scheduler = _start(["scheduler", "--interval", "0.2"], process_env)
    try:
        _wait_for(scheduler, "scheduler: every")
        scheduler.send_signal(signal.SIGTERM)
        output, _ = scheduler.communicate(timeout=20)
    finally:
        scheduler.kill()
    assert scheduler.returncode == 0
    assert "stopped" in output
