"""Flask-Limiter's check before every request, run only while a limit it would look for there is configured.

Flask-Limiter (4.x) checks before every request for default, application, blueprint and meta limits and the
in-memory fallback's limits. The shop sets none of those: its limits are on routes (``@limiter.limit``), each
checked by its route's own wrapper whatever happens before the request. Without this, every request (an
add-to-cart too) paid ~40-70 µs to find no limit.

Flask-Limiter has no public way to do this: its ``auto_check=False`` (removed in 3.13) also turned off the
routes' own checks, and a ``request_filter`` exempts a request from the route limits as well. So this reads its
private attributes, named in ``INTERNALS``. When one is missing (an upgrade) or its check is not where
``init_app`` put it, Flask-Limiter's own check runs
before every request as it does by itself, and ``internals_problems`` (asserted in
tests/core/test_library_internals.py) names it with the installed version.
"""

from __future__ import annotations

import logging
from importlib.metadata import version

from flask import Flask

try:
    from flask.globals import _cv_request  # Flask's context variable of the request context (private)
except ImportError:  # a Flask without it: Flask-Limiter's steps after a request run as it registered them
    _cv_request = None

log = logging.getLogger(__name__)

# The private attributes read, on the Limiter and on its ``limit_manager``, with the type each holds.
INTERNALS = {
    "Limiter._meta_limits": list,
    "Limiter._in_memory_fallback": list,
    "LimitManager._default_limits": list,
    "LimitManager._application_limits": list,
    "LimitManager._blueprint_limits": dict,
    "LimitManager._endpoint_hints": dict,
}


def _configured(limiter) -> bool:
    """Whether Flask-Limiter's check before a request could find a limit (read on each request: a limit added
    later applies at once). A missing attribute raises AttributeError."""
    manager = limiter.limit_manager
    return bool(manager._default_limits or manager._application_limits or manager._blueprint_limits
                or manager._endpoint_hints or limiter._meta_limits or limiter._in_memory_fallback)


def internals_problems(limiter) -> list[str]:
    """What this module reads of Flask-Limiter and the installed version no longer has (empty when all is there)."""
    problems = []
    for name, kind in INTERNALS.items():
        owner, attribute = name.split(".")
        target = limiter if owner == "Limiter" else getattr(limiter, "limit_manager", None)
        if not isinstance(getattr(target, attribute, None), kind):
            problems.append(f"{name} (a {kind.__name__})")
    if not callable(getattr(limiter, "_check_request_limit", None)):
        problems.append("Limiter._check_request_limit (its check before a request)")
    return [f"Flask-Limiter {version('flask-limiter')} no longer has {problem}" for problem in problems]


# Where Flask-Limiter keeps what its checks found for one request: an attribute of Flask's request context.
_REQUEST_STATE = "_limiter_request_context"


def _steps_after_request(app: Flask, limiter) -> tuple[int | None, int | None]:
    """The positions of Flask-Limiter's step after every request (``Limiter.__inject_headers``, as a partial) and
    of its teardown (``Limiter.__release_context``), or None where it is not found."""
    inject = getattr(type(limiter), "_Limiter__inject_headers", None)
    release = getattr(type(limiter), "_Limiter__release_context", None)
    after = app.after_request_funcs.get(None, [])
    teardown = app.teardown_request_funcs.get(None, [])
    at_after = next((i for i, step in enumerate(after) if inject is not None and getattr(step, "func", None) is inject
                     and getattr(step, "args", None) == (limiter,)), None)
    at_teardown = next((i for i, step in enumerate(teardown) if release is not None
                        and getattr(step, "__func__", None) is release and getattr(step, "__self__", None) is limiter),
                       None)
    return at_after, at_teardown


def after_request_problems(app: Flask, limiter) -> list[str]:
    """What ``skip_steps_after_requests_without_checks`` reads of Flask and Flask-Limiter and the installed versions
    no longer have (empty when all is there)."""
    problems = []
    if _cv_request is None:
        problems.append(f"Flask {version('flask')} no longer has flask.globals._cv_request")
    at_after, at_teardown = _steps_after_request(app, limiter)
    if at_after is None:
        problems.append(f"Flask-Limiter {version('flask-limiter')} no longer registers Limiter.__inject_headers "
                        "with app.after_request")
    if at_teardown is None:
        problems.append(f"Flask-Limiter {version('flask-limiter')} no longer registers Limiter.__release_context "
                        "with app.teardown_request")
    if _cv_request is not None:
        with app.test_request_context("/"):
            limiter.context  # noqa: B018 - made on first use
            if _REQUEST_STATE not in vars(_cv_request.get()):
                problems.append(f"Flask-Limiter {version('flask-limiter')} no longer keeps a request's state at "
                                f"the request context's {_REQUEST_STATE}")
    return problems


def skip_steps_after_requests_without_checks(app: Flask, limiter) -> None:
    """Flask-Limiter's step after every request (the deductions of limits with ``deduct_when``, the rate-limit
    headers) and its teardown (forgetting the request's state) work on the state its checks keep for a request.
    For a request no limit was checked for (all but the log-in and reset forms' posts) there is none, and they
    made it only to find it empty (~40,000 instructions, ~10 µs, per request). Replaced by the same steps, run when
    a check kept state. Left as Flask-Limiter registered them when its internals changed."""
    problems = after_request_problems(app, limiter)
    if problems:
        log.warning("rate limits: Flask-Limiter's steps after every request kept: %s", "; ".join(problems))
        return
    at_after, at_teardown = _steps_after_request(app, limiter)
    inject = app.after_request_funcs[None][at_after]
    release = app.teardown_request_funcs[None][at_teardown]

    def limit_headers(response):
        context = _cv_request.get(None)
        return response if context is not None and _REQUEST_STATE not in vars(context) else inject(response)

    def forget_limits_checked(exception=None):
        context = _cv_request.get(None)
        if context is None or _REQUEST_STATE in vars(context):
            release(exception)

    app.after_request_funcs[None][at_after] = limit_headers
    app.teardown_request_funcs[None][at_teardown] = forget_limits_checked


def _hook_position(app: Flask, limiter) -> int | None:
    hooks = app.before_request_funcs.get(None, [])
    try:
        return hooks.index(limiter._check_request_limit)
    except (AttributeError, ValueError):
        return None


def check_only_where_limits_apply(app: Flask, limiter) -> None:
    """Replace Flask-Limiter's check before every request (registered by ``limiter.init_app``) by one that runs it
    only while a limit it looks for is configured. Left as Flask-Limiter made it when its internals changed."""
    problems = internals_problems(limiter)
    position = _hook_position(app, limiter) if not problems else None
    if position is None and not problems:
        problems = [f"Flask-Limiter {version('flask-limiter')} no longer registers Limiter._check_request_limit "
                    "with app.before_request in init_app"]
    if problems:
        log.warning("rate limits: checked before every request, as Flask-Limiter does: %s", "; ".join(problems))
        return

    def check_request_limit():
        try:
            configured = _configured(limiter)
        except AttributeError:  # changed after start-up (never in practice): check as Flask-Limiter does
            configured = True
        return limiter._check_request_limit() if configured else None

    app.before_request_funcs[None][position] = check_request_limit
