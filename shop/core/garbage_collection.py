"""The garbage collector's settings for a web process (shop/wsgi.py, once the app is loaded).

A catalogue page allocates tens of thousands of objects (rows, ORM objects, template output) that live until the
request ends and are then freed by their reference counts; with CPython's default threshold (700 allocations) the
collector ran six or seven times per page over them, and every tenth of those also over the older generation, for
nothing: measured in process on this machine at the demo catalogue, ~5 ms of collector time per products page. The
threshold is raised so that a page is normally served between two collections, and the objects of the loaded app
(modules, routes, mappers: about 190,000) are frozen out of every collection (they live as long as the process; in
gunicorn's preloaded arbiter this also keeps the forked workers from writing to those pages). Cycles are still
collected, a little later.
"""

from __future__ import annotations

import ctypes
import gc

# Young objects (allocations minus deallocations) between two collections; then the defaults' ratios, a little wider.
THRESHOLDS = (20_000, 20, 50)


def tune_for_serving() -> None:
    """Freeze what exists now (call it once the app is loaded, before serving) and raise the thresholds."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)


def release_free_memory() -> None:
    """Give the C allocator's free memory back to the system (glibc's ``malloc_trim``; nothing elsewhere). For
    gunicorn's arbiter after it built the facet index (gunicorn.conf.py): the build's temporaries (the statement's
    long strings, split into lists) are freed, but glibc keeps most of their pages; at 100 times the demo catalogue
    about 55 MB that the arbiter would hold and every worker inherit as resident pages."""
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the process's own symbols, the C library's among them
    except (OSError, AttributeError):  # not glibc
        return
    trim(0)
