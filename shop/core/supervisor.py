"""The loop of a long-running process (the outbox worker, the scheduler): it survives its work failing and
stops cleanly when asked.

``run_supervised(step, ...)`` calls ``step()`` until SIGTERM or SIGINT arrives. A step that raises (the database
gone, SMTP down, a bug in one job) is logged with its traceback, the database session is rolled back and thrown
away (a dropped connection is not reused), and the loop waits before the next try, twice as long after each
failure in a row, up to ``max_backoff`` seconds; the first success resets the wait. A signal never interrupts a
step: the step in progress finishes (its transaction commits or rolls back as it would), then the loop exits
with status 0. A step returns True when more work is waiting (a full batch), and is then called again at once.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass

from shop.core.db import db

log = logging.getLogger(__name__)


@dataclass
class LoopStats:
    runs: int = 0
    failures: int = 0
    stopped_by: str = ""


class StopSignal:
    """Set by SIGTERM/SIGINT (or by ``set()``); waiting on it wakes up at once when it is set."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason = ""

    def set(self, reason: str = "stop") -> None:
        self.reason = self.reason or reason
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        return self._event.wait(seconds)

    def install(self) -> None:
        """Handle SIGTERM and SIGINT by setting this stop signal (main thread only; elsewhere a no-op)."""
        if threading.current_thread() is not threading.main_thread():
            return
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, lambda signum, _frame: self.set(signal.Signals(signum).name))


def _reset_session() -> None:
    """Throw the session and its connection away: after a database error neither may be reused."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be dead; removing the session is what matters
        log.debug("rollback after a failed step failed too", exc_info=True)
    db.session.remove()


def run_supervised(step: Callable[[], bool], *, name: str, interval: float, max_backoff: float = 60.0,
                   stop: StopSignal | None = None, max_runs: int | None = None) -> LoopStats:
    """Call ``step`` every ``interval`` seconds (at once again when it returns True) until stopped; see the
    module's docstring. ``max_runs`` bounds the loop (tests). Returns what happened."""
    stop = stop or StopSignal()
    stats = LoopStats()
    failures_in_a_row = 0
    log.info("%s: started, every %g s", name, interval)
    while not stop.is_set() and (max_runs is None or stats.runs < max_runs):
        stats.runs += 1
        try:
            more = bool(step())
        except Exception:  # noqa: BLE001 - whatever fails, the process stays up and tries again
            stats.failures += 1
            failures_in_a_row += 1
            wait = min(max_backoff, interval * 2 ** (failures_in_a_row - 1))
            log.exception("%s: run failed (%s in a row); next try in %g s", name, failures_in_a_row, wait)
            _reset_session()
            stop.wait(wait)
            continue
        failures_in_a_row = 0
        db.session.remove()  # a fresh session per run: nothing piles up in a long-lived process
        if not more:
            stop.wait(interval)
    stats.stopped_by = stop.reason or ("max runs" if max_runs is not None else "")
    log.info("%s: stopped (%s)", name, stats.stopped_by or "done")
    return stats
