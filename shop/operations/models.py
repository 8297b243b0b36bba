"""When each periodic job last ran, shared by every scheduler process through the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shop.core.db import Base


class JobRun(Base):
    """One row per job: its last start and finish, the last success and error, and the lease that keeps a
    second scheduler from running it at the same time."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_started_at: Mapped[datetime | None]
    last_finished_at: Mapped[datetime | None]
    last_ok_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_summary: Mapped[str] = mapped_column(Text, default="")
    # While set and in the future, a scheduler is running the job; a crashed one's lease simply runs out.
    lease_until: Mapped[datetime | None]
