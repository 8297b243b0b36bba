"""Backups of the shop's database, and putting one back.

SQLite: the online backup API copies a consistent snapshot while the shop keeps running (readers and the writer
are not stopped), and a restore copies a backup file over the live database the same way. PostgreSQL:
``pg_dump`` in its custom format (compressed, consistent: one snapshot transaction) and ``pg_restore --clean``
into the configured database. Media files (product photos) live in MEDIA_ROOT or object storage and are backed
up with the file system; every document (invoice, credit note, slip) is rendered again from the database.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    pass


def _sqlite_path(url) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _pg_command(tool: str, url) -> tuple[list[str], dict[str, str]]:
    """The tool's connection arguments and environment (the password goes in PGPASSWORD, never the command line)."""
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} is not installed (Debian: postgresql-client)")
    args = [tool, "--host", url.host or "127.0.0.1", "--port", str(url.port or 5432),
            "--username", url.username or "postgres", "--no-password", "--dbname", url.database]
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def backup_database(database_url: str, target: Path) -> Path:
    """Write a consistent backup of the database to ``target`` (a file; its folder is made). Returns it."""
    url = make_url(database_url)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    backend = url.get_backend_name()
    if backend == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        try:
            copy = sqlite3.connect(target)
            try:
                source.backup(copy)
            finally:
                copy.close()
        finally:
            source.close()
        return target
    if backend == "postgresql":
        args, env = _pg_command("pg_dump", url)
        result = subprocess.run([*args, "--format=custom", "--no-owner", "--file", str(target)], env=env,
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        return target
    raise BackupError(f"no backup for {backend} databases")


def restore_database(database_url: str, source: Path) -> None:
    """Replace the database's contents with the backup in ``source`` (made by backup_database). Everything in
    the database now is lost: the command asks for confirmation."""
    url = make_url(database_url)
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    backend = url.get_backend_name()
    if backend == "sqlite":
        backup = sqlite3.connect(source)
        try:
            live = sqlite3.connect(_sqlite_path(url))
            try:
                backup.backup(live)
            finally:
                live.close()
        finally:
            backup.close()
        return
    if backend == "postgresql":
        args, env = _pg_command("pg_restore", url)
        result = subprocess.run([*args, "--clean", "--if-exists", "--no-owner", "--single-transaction", str(source)],
                                env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
        return
    raise BackupError(f"no restore for {backend} databases")
