"""A Stripe-compatible HTTP server for tests: the real stripe SDK talks to it through STRIPE_API_BASE.

It validates every form parameter against the SDK's own generated typed params (``stripe.params...``): an
unknown parameter, a missing required one, or a value of the wrong type (integer, boolean, string, list,
dict, ``Literal[...]`` choices) is answered with 400 and Stripe's error shape, exactly as the real API does.
Objects are deep copies of Stripe's OpenAPI fixtures (tests/fixtures/stripe/fixtures.json) with the request's
values filled in. It keeps state (sessions open/complete/expired, payment intents, charges, refunds),
honours idempotency keys, can be told to fail or to time out, and builds and signs webhook events with
Stripe's real signature scheme.
"""

from __future__ import annotations

import collections.abc
import copy
import decimal
import hashlib
import hmac
import itertools
import json
import re
import secrets
import threading
import time
import types
import typing
from functools import cache
from pathlib import Path
from typing import NotRequired, Required
from urllib.parse import parse_qsl

import stripe
from stripe._request_options import RequestOptions
from typing_extensions import is_typeddict
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

FIXTURES = json.loads((Path(__file__).resolve().parent.parent / "fixtures" / "stripe" / "fixtures.json").read_text())
WEBHOOK_SECRET = "whsec_test_fake_secret"
# Names used in the SDK's forward references that are only imported under TYPE_CHECKING.
_TYPE_NAMESPACE = {"StripeContext": typing.Any, "Mapping": typing.Mapping, "Optional": typing.Optional}
_REQUEST_OPTION_KEYS = set(RequestOptions.__annotations__)


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # keep test output readable
        pass


class ParamError(Exception):
    def __init__(self, message: str, param: str):
        super().__init__(message)
        self.message = message
        self.param = param


# ---------------------------------------------------------------------------------------------- validation

def decode_form(pairs: list[tuple[str, str]]) -> dict:
    """``line_items[0][price_data][currency]=eur`` -> nested dicts (list indexes stay string keys)."""
    root: dict = {}
    for key, value in pairs:
        match = re.match(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$", key)
        if not match:
            raise ParamError(f"Invalid parameter name: {key}", key)
        parts = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node = root
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ParamError(f"Invalid parameter: {key}", key)
            node = child
        if isinstance(node.get(parts[-1]), dict):
            raise ParamError(f"Invalid parameter: {key}", key)
        node[parts[-1]] = value
    return root


@cache
def _hints(cls) -> dict:
    return typing.get_type_hints(cls, localns=_TYPE_NAMESPACE, include_extras=True)


def _unwrap(tp):
    while typing.get_origin(tp) in (NotRequired, Required, typing.NotRequired, typing.Required, typing.Annotated):
        tp = typing.get_args(tp)[0]
    return tp


def _required_keys(cls) -> set[str]:
    return {key for key, tp in _hints(cls).items()
            if typing.get_origin(tp) not in (NotRequired, typing.NotRequired) and key in cls.__required_keys__}


def check_params(value, cls, *, top_level: bool = True) -> None:
    """Raise ParamError unless ``value`` (decoded form) fits the TypedDict ``cls``."""
    _check_typeddict(value, cls, "", top_level=top_level)


def _name(path: str, key: str) -> str:
    return f"{path}[{key}]" if path else key


def _check_typeddict(value, cls, path: str, *, top_level: bool = False) -> None:
    if not isinstance(value, dict):
        raise ParamError(f"Invalid object: {path} must be a hash", path)
    hints = _hints(cls)
    allowed = set(hints) - (_REQUEST_OPTION_KEYS if top_level else set())
    for key in value:
        if key not in allowed:
            raise ParamError(f"Received unknown parameter: {_name(path, key)}", _name(path, key))
    for key in sorted(_required_keys(cls) - (_REQUEST_OPTION_KEYS if top_level else set())):
        if key not in value:
            raise ParamError(f"Missing required param: {_name(path, key)}.", _name(path, key))
    for key, item in value.items():
        _check(item, hints[key], _name(path, key))


def _check(value, tp, path: str) -> None:
    tp = _unwrap(tp)
    origin = typing.get_origin(tp)
    if tp is typing.Any:
        return
    if origin in (typing.Union, types.UnionType):
        errors = []
        for option in typing.get_args(tp):
            if option is type(None):
                continue
            try:
                _check(value, option, path)
                return
            except ParamError as error:
                errors.append(error)
        raise errors[-1] if errors else ParamError(f"Invalid value for {path}", path)
    if origin is typing.Literal:
        choices = typing.get_args(tp)
        if value not in choices:
            shown = ", ".join(repr(choice) for choice in choices if choice != "")
            raise ParamError(f"Invalid {path}: must be one of {shown}", path)
        return
    if is_typeddict(tp):
        _check_typeddict(value, tp, path)
        return
    if origin is list:
        if value == "":  # Stripe accepts an empty string to clear a list
            return
        if not isinstance(value, dict) or not all(key.isdigit() for key in value):
            raise ParamError(f"Invalid array: {path}", path)
        indexes = sorted(int(key) for key in value)
        if indexes != list(range(len(indexes))):
            raise ParamError(f"Invalid array indexes: {path}", path)
        (item_type,) = typing.get_args(tp)
        for key, item in value.items():
            _check(item, item_type, f"{path}[{key}]")
        return
    if origin is dict or getattr(origin, "__name__", "") == "UntypedStripeObject":
        if not isinstance(value, dict):
            raise ParamError(f"Invalid object: {path} must be a hash", path)
        args = typing.get_args(tp)
        if args and args[-1] is str:
            for key, item in value.items():
                if not isinstance(item, str):
                    raise ParamError(f"Invalid string: {path}[{key}]", f"{path}[{key}]")
        return
    if origin is collections.abc.Mapping or tp is dict:
        if not isinstance(value, dict):
            raise ParamError(f"Invalid object: {path} must be a hash", path)
        return
    if isinstance(value, dict):
        raise ParamError(f"Invalid {getattr(tp, '__name__', 'value')}: {path} must not be a hash", path)
    if tp is bool:
        if value not in ("true", "false"):
            raise ParamError(f"Invalid boolean: {value}", path)
    elif tp is int:
        if not re.fullmatch(r"-?\d+", value):
            raise ParamError(f"Invalid integer: {value}", path)
    elif tp in (float, decimal.Decimal):
        if not re.fullmatch(r"-?\d+(\.\d+)?", value):
            raise ParamError(f"Invalid decimal: {value}", path)
    elif tp is str:
        return
    else:
        raise ParamError(f"Unsupported parameter type at {path}: {tp!r}", path)


# ---------------------------------------------------------------------------------------------- the server

def _stripe_error(status: int, message: str, *, type_: str = "invalid_request_error", param: str | None = None,
                  code: str | None = None) -> tuple[int, dict]:
    error = {"type": type_, "message": message}
    if param is not None:
        error["param"] = param
    if code is not None:
        error["code"] = code
    return status, {"error": error}


def _as_list(value) -> list:
    if not value:
        return []
    return [value[key] for key in sorted(value, key=int)]


class FakeStripe:
    """Start with ``fake.start()``; ``fake.url`` is the STRIPE_API_BASE; ``fake.stop()`` at the end."""

    ROUTES = [
        ("POST", r"/v1/checkout/sessions", "create_session", "checkout.SessionCreateParams"),
        ("GET", r"/v1/checkout/sessions/(?P<id>[^/]+)", "retrieve_session", "checkout.SessionRetrieveParams"),
        ("POST", r"/v1/checkout/sessions/(?P<id>[^/]+)/expire", "expire_session_route", "checkout.SessionExpireParams"),
        ("GET", r"/v1/payment_intents/(?P<id>[^/]+)", "retrieve_payment_intent", "PaymentIntentRetrieveParams"),
        ("POST", r"/v1/refunds", "create_refund", "RefundCreateParams"),
        ("GET", r"/v1/refunds", "list_refunds", "RefundListParams"),
        ("GET", r"/v1/charges/(?P<id>[^/]+)", "retrieve_charge", "ChargeRetrieveParams"),
    ]

    def __init__(self, webhook_secret: str = WEBHOOK_SECRET):
        self.webhook_secret = webhook_secret
        self.sessions: dict[str, dict] = {}
        self.payment_intents: dict[str, dict] = {}
        self.charges: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.requests: list[dict] = []  # every request: method, path, params (decoded), idempotency_key
        self._idempotency: dict[str, tuple[str, str, int, dict]] = {}
        self._failures: list[tuple[str, int, dict] | tuple[str, float]] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server = None
        self._thread = None

    # -- lifecycle
    def start(self) -> FakeStripe:
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    # -- failure injection
    def fail_next(self, times: int = 1, *, status: int = 500, type_: str = "api_error",
                  message: str = "An unknown error occurred") -> None:
        """The next ``times`` requests answer ``status`` with Stripe's error shape."""
        for _ in range(times):
            self._failures.append(("fail", status, {"error": {"type": type_, "message": message}}))

    def time_out_next(self, times: int = 1, *, seconds: float = 3.0) -> None:
        """The next ``times`` requests answer only after ``seconds`` (longer than the client's time-out)."""
        for _ in range(times):
            self._failures.append(("delay", seconds))

    # -- helpers for tests
    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_test_{next(self._ids):04d}{secrets.token_hex(6)}"

    def session_requests(self) -> list[dict]:
        return [r for r in self.requests if r["method"] == "POST" and r["path"] == "/v1/checkout/sessions"]

    def complete_session(self, session_id: str, *, paid: bool = True) -> dict:
        """The customer finished Checkout: paid at once (card, Bancontact) or awaiting an async payment."""
        with self._lock:
            session = self.sessions[session_id]
            assert session["status"] == "open", f"session is {session['status']}"
            intent = self._make_payment_intent(session, succeeded=paid)
            session.update(status="complete", payment_status="paid" if paid else "unpaid",
                           payment_intent=intent["id"])
            return copy.deepcopy(session)

    def settle_async(self, session_id: str, *, succeeded: bool) -> dict:
        with self._lock:
            session = self.sessions[session_id]
            assert session["status"] == "complete" and session["payment_status"] == "unpaid"
            intent = self.payment_intents[session["payment_intent"]]
            if succeeded:
                session["payment_status"] = "paid"
                intent["status"] = "succeeded"
                self._make_charge(intent)
            else:
                intent["status"] = "requires_payment_method"
            return copy.deepcopy(session)

    def expire(self, session_id: str) -> dict:
        """Stripe expires an open session by itself (time passed)."""
        with self._lock:
            session = self.sessions[session_id]
            session["status"] = "expired"
            return copy.deepcopy(session)

    def _make_payment_intent(self, session: dict, *, succeeded: bool) -> dict:
        intent = copy.deepcopy(FIXTURES["payment_intent"])
        intent.update(id=self._new_id("pi"), amount=session["amount_total"], amount_received=0,
                      currency=session["currency"], metadata=dict(session["metadata"]),
                      status="succeeded" if succeeded else "processing", latest_charge=None,
                      created=int(time.time()), livemode=False)
        self.payment_intents[intent["id"]] = intent
        if succeeded:
            self._make_charge(intent)
        return intent

    def _make_charge(self, intent: dict) -> dict:
        charge = copy.deepcopy(FIXTURES["charge"])
        charge.update(id=self._new_id("ch"), amount=intent["amount"], amount_captured=intent["amount"],
                      amount_refunded=0, captured=True, paid=True, refunded=False, currency=intent["currency"],
                      payment_intent=intent["id"], metadata=dict(intent["metadata"]), status="succeeded",
                      created=int(time.time()))
        charge["refunds"] = {"object": "list", "data": [], "has_more": False, "url": f"/v1/charges/{charge['id']}/refunds"}
        self.charges[charge["id"]] = charge
        intent.update(latest_charge=charge["id"], amount_received=intent["amount"])
        return charge

    def charge_for_session(self, session_id: str, *, with_refunds: bool = True) -> dict:
        """The session's charge; without ``refunds`` as in API versions since 2022-11-15."""
        intent = self.payment_intents[self.sessions[session_id]["payment_intent"]]
        charge = copy.deepcopy(self.charges[intent["latest_charge"]])
        if not with_refunds:
            del charge["refunds"]
        return charge

    def dashboard_refund(self, session_id: str, amount: int) -> dict:
        """A refund made by a person in the Stripe dashboard (not through the shop)."""
        with self._lock:
            intent = self.payment_intents[self.sessions[session_id]["payment_intent"]]
            charge = self.charges[intent["latest_charge"]]
            return self._refund(charge, amount, metadata={}, reason=None)

    # -- webhook events
    def event(self, type_: str, obj: dict, *, event_id: str | None = None) -> dict:
        event = copy.deepcopy(FIXTURES["event"])
        event.update(id=event_id or self._new_id("evt"), type=type_, created=int(time.time()),
                     data={"object": copy.deepcopy(obj)}, api_version=stripe.api_version, livemode=False)
        return event

    def sign(self, payload: str, *, secret: str | None = None, timestamp: int | None = None) -> str:
        """Stripe's scheme: ``t=<ts>,v1=<hex hmac_sha256(secret, "<ts>.<payload>")>``."""
        timestamp = int(time.time()) if timestamp is None else timestamp
        signed = f"{timestamp}.{payload}".encode()
        signature = hmac.new((secret or self.webhook_secret).encode(), signed, hashlib.sha256).hexdigest()
        return f"t={timestamp},v1={signature}"

    def post_event(self, client, event: dict, *, secret: str | None = None, signature: str | None = None):
        """POST the event to the shop's webhook, signed like Stripe signs it."""
        payload = json.dumps(event)
        header = signature if signature is not None else self.sign(payload, secret=secret)
        return client.post("/stripe/webhook", data=payload, content_type="application/json",
                           headers={"Stripe-Signature": header})

    # -- the hosted Checkout page (for the browser tests)
    def _hosted_page(self, request: Request) -> Response:
        """``session.url``: a plain page where the customer pays or cancels, like Stripe's hosted Checkout.

        Paying completes the session, delivers ``checkout.session.completed`` (signed) to ``webhook_url`` when
        it is set, and sends the browser to the session's success URL; cancelling sends it to the cancel URL.
        """
        session_id = request.path.rsplit("/", 1)[-1]
        session = self.sessions.get(session_id)
        if session is None:
            return Response("Unknown session", status=404)
        if request.method == "POST":
            if request.form.get("action") == "cancel":
                return Response(status=303, headers={"Location": session["cancel_url"]})
            completed = self.complete_session(session_id, paid=True)
            if self.webhook_url:
                self.deliver(self.event("checkout.session.completed", completed))
            location = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
            return Response(status=303, headers={"Location": location})
        amount = f"{session['amount_total'] / 100:.2f}".replace(".", ",")
        state = "" if session["status"] == "open" else f"<p role='alert'>Session {session['status']}</p>"
        html = (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Test Checkout (fake Stripe)</title>"
            "</head><body><main><h1>Test Checkout</h1>"
            f"<p>Pay <strong id='amount'>EUR {amount}</strong> to {session.get('metadata', {}).get('order_number', '')}"
            f"</p>{state}<form method='post'><button name='action' value='pay'>Pay</button> "
            "<button name='action' value='cancel'>Cancel</button></form></main></body></html>"
        )
        return Response(html, content_type="text/html; charset=utf-8")

    webhook_url: str | None = None

    def deliver(self, event: dict) -> int:
        """POST ``event`` to ``webhook_url`` over HTTP, signed like Stripe; returns the shop's status code."""
        import urllib.error
        import urllib.request

        payload = json.dumps(event)
        request = urllib.request.Request(self.webhook_url, data=payload.encode(), method="POST", headers={
            "Content-Type": "application/json", "Stripe-Signature": self.sign(payload)})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    # -- HTTP
    def _wsgi(self, environ, start_response):
        request = Request(environ)
        if request.path.startswith("/pay/"):
            return self._hosted_page(request)(environ, start_response)
        status, body = self._handle(request)
        response = Response(json.dumps(body), status=status, content_type="application/json",
                            headers={"Request-Id": f"req_{secrets.token_hex(7)}"})
        return response(environ, start_response)

    def _handle(self, request: Request) -> tuple[int, dict]:
        if self._failures:
            with self._lock:
                failure = self._failures.pop(0) if self._failures else None
            if failure and failure[0] == "delay":
                time.sleep(failure[1])
                return _stripe_error(500, "Timed out (fake)", type_="api_error")
            if failure and failure[0] == "fail":
                return failure[1], failure[2]
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer sk_"):
            return _stripe_error(401, "Invalid API Key provided.")
        raw = request.get_data(as_text=True) if request.method == "POST" else request.query_string.decode()
        idempotency_key = request.headers.get("Idempotency-Key")
        record = {"method": request.method, "path": request.path, "idempotency_key": idempotency_key,
                  "raw": raw, "params": None}
        self.requests.append(record)
        for method, pattern, handler, params_name in self.ROUTES:
            match = re.fullmatch(pattern, request.path)
            if method != request.method or not match:
                continue
            try:
                params = decode_form(parse_qsl(raw, keep_blank_values=True))
                record["params"] = params
                check_params(params, _params_class(params_name))
            except ParamError as error:
                return _stripe_error(400, error.message, param=error.param, code="parameter_unknown"
                                     if error.message.startswith("Received unknown") else "parameter_invalid")
            with self._lock:
                if method == "POST" and idempotency_key:
                    seen = self._idempotency.get(idempotency_key)
                    if seen:
                        if (seen[0], seen[1]) != (request.path, raw):
                            return _stripe_error(
                                400, "Keys for idempotent requests can only be used with the same parameters "
                                     "they were first used with. Try using a key other than "
                                     f"'{idempotency_key}' if you meant to execute a different request.",
                                type_="idempotency_error")
                        return seen[2], copy.deepcopy(seen[3])
                status, body = getattr(self, handler)(params, **match.groupdict())
                if method == "POST" and idempotency_key and status < 500:
                    self._idempotency[idempotency_key] = (request.path, raw, status, copy.deepcopy(body))
                return status, body
        return _stripe_error(404, f"Unrecognized request URL ({request.method}: {request.path}).")

    # -- handlers (called under the lock)
    def create_session(self, params: dict) -> tuple[int, dict]:
        items = _as_list(params.get("line_items"))
        amount = 0
        for index, item in enumerate(items):
            price = item.get("price_data")
            if price is None or "unit_amount" not in price or "quantity" not in item:
                return _stripe_error(400, "Each line item needs price_data[unit_amount] and quantity (fake).",
                                     param=f"line_items[{index}]")
            amount += int(price["unit_amount"]) * int(item["quantity"])
        for index, option in enumerate(_as_list(params.get("shipping_options"))):
            amount += int(option.get("shipping_rate_data", {}).get("fixed_amount", {}).get("amount", 0)) if index == 0 else 0
        currencies = {item["price_data"]["currency"] for item in items}
        if params.get("mode") != "payment" or not items:
            return _stripe_error(400, "The fake only supports mode=payment with line_items.", param="mode")
        if len(currencies) != 1:
            return _stripe_error(400, "All line items must share one currency.", param="line_items")
        if "success_url" not in params:
            return _stripe_error(400, "Missing required param: success_url.", param="success_url")
        expires_at = int(params["expires_at"]) if "expires_at" in params else int(time.time()) + 24 * 3600
        if not 30 * 60 - 5 <= expires_at - int(time.time()) <= 24 * 3600:
            return _stripe_error(400, "The `expires_at` timestamp must be between 30 minutes and 24 hours from "
                                      "Checkout Session creation.", param="expires_at")
        session = copy.deepcopy(FIXTURES["checkout.session"])
        session_id = self._new_id("cs")
        session.update(
            id=session_id, object="checkout.session", created=int(time.time()), livemode=False,
            mode="payment", status="open", payment_status="unpaid", payment_intent=None,
            amount_subtotal=amount, amount_total=amount, currency=currencies.pop(),
            client_reference_id=params.get("client_reference_id"), customer_email=params.get("customer_email"),
            metadata=dict(params.get("metadata") or {}), locale=params.get("locale"),
            payment_method_types=_as_list(params.get("allowed_payment_method_types")) or ["card"],
            expires_at=expires_at, success_url=params["success_url"], cancel_url=params.get("cancel_url"),
            url=f"{self.url}/pay/{session_id}", shipping_options=[], shipping_cost=None,
            total_details={"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        )
        session["customer_details"] = None
        self.sessions[session_id] = session
        return 200, copy.deepcopy(session)

    def retrieve_session(self, params: dict, id: str) -> tuple[int, dict]:
        if id not in self.sessions:
            return _stripe_error(404, f"No such checkout.session: '{id}'", param="session", code="resource_missing")
        return 200, copy.deepcopy(self.sessions[id])

    def expire_session_route(self, params: dict, id: str) -> tuple[int, dict]:
        session = self.sessions.get(id)
        if session is None:
            return _stripe_error(404, f"No such checkout.session: '{id}'", param="session", code="resource_missing")
        if session["status"] != "open":
            return _stripe_error(400, 'Only Checkout Sessions with a status in ["open"] can be expired.')
        session["status"] = "expired"
        return 200, copy.deepcopy(session)

    def retrieve_payment_intent(self, params: dict, id: str) -> tuple[int, dict]:
        if id not in self.payment_intents:
            return _stripe_error(404, f"No such payment_intent: '{id}'", param="intent", code="resource_missing")
        return 200, copy.deepcopy(self.payment_intents[id])

    def retrieve_charge(self, params: dict, id: str) -> tuple[int, dict]:
        if id not in self.charges:
            return _stripe_error(404, f"No such charge: '{id}'", param="charge", code="resource_missing")
        return 200, copy.deepcopy(self.charges[id])

    def list_refunds(self, params: dict) -> tuple[int, dict]:
        refunds = [refund for refund in reversed(list(self.refunds.values()))
                   if ("payment_intent" not in params or refund["payment_intent"] == params["payment_intent"])
                   and ("charge" not in params or refund["charge"] == params["charge"])]
        limit = int(params.get("limit", 10))
        return 200, {"object": "list", "url": "/v1/refunds", "has_more": len(refunds) > limit,
                     "data": copy.deepcopy(refunds[:limit])}

    def create_refund(self, params: dict) -> tuple[int, dict]:
        if "payment_intent" in params:
            intent = self.payment_intents.get(params["payment_intent"])
            if intent is None:
                return _stripe_error(404, f"No such payment_intent: '{params['payment_intent']}'",
                                     param="payment_intent", code="resource_missing")
            charge = self.charges.get(intent.get("latest_charge") or "")
        elif "charge" in params:
            charge = self.charges.get(params["charge"])
        else:
            return _stripe_error(400, "One of the following params should be provided for this request: "
                                      "payment_intent or charge.")
        if charge is None:
            return _stripe_error(400, "This PaymentIntent does not have a successful charge to refund.",
                                 code="charge_not_refundable")
        left = charge["amount"] - charge["amount_refunded"]
        amount = int(params.get("amount", left))
        if amount <= 0 or amount > left:
            return _stripe_error(400, f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
                                 param="amount", code="amount_too_large")
        return 200, self._refund(charge, amount, metadata=dict(params.get("metadata") or {}),
                                 reason=params.get("reason"))

    def _refund(self, charge: dict, amount: int, *, metadata: dict, reason) -> dict:
        refund = copy.deepcopy(FIXTURES["refund"])
        refund.update(id=self._new_id("re"), amount=amount, charge=charge["id"], currency=charge["currency"],
                      payment_intent=charge["payment_intent"], metadata=metadata, reason=reason,
                      status="succeeded", created=int(time.time()))
        self.refunds[refund["id"]] = refund
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        charge["refunds"]["data"].insert(0, copy.deepcopy(refund))
        return copy.deepcopy(refund)


def _params_class(name: str):
    module = stripe.params
    for part in name.split("."):
        module = getattr(module, part)
    return module
