"""A stand-in Peppol access point for tests: the REST API that shop.invoicing.access_point.HttpAccessPoint speaks,
served on loopback by a real HTTP server (werkzeug), so the adapter's requests, time-outs and errors are real.

    POST /v1/documents         Bearer key, Idempotency-Key; JSON body with documentType, processId, sender,
                               receiver, reference and the UBL in base64 -> 202 {"id", "status": "accepted"}
    GET  /v1/documents/<id>    -> 200 {"id", "status", "reason"}

It keeps the documents it took (with their decoded UBL), answers a repeated Idempotency-Key with its first answer
(and the same key with another body with 409, as a real API does), refuses documents for receivers it was told to
refuse (422 with an error code and message), can be told to fail the next requests (503), and lets a test move a
document to ``delivered`` or ``rejected`` (with a reason), as the receiving side would.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import threading
import time

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

API_KEY = "ap_test_key"
REQUIRED = ("documentType", "processId", "sender", "receiver", "reference", "document")


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # keep test output readable
        pass


class FakeAccessPoint:
    """Start with ``fake.start()``; ``fake.url`` is the ACCESS_POINT_URL; ``fake.stop()`` at the end."""

    def __init__(self, api_key: str = API_KEY):
        self.api_key = api_key
        self.documents: dict[str, dict] = {}  # id -> receiver, sender, documentType, reference, xml, status, reason
        self.requests: list[dict] = []  # every request: method, path, idempotency_key, body (JSON)
        self._refused_receivers: dict[str, tuple[str, str]] = {}
        self._failures: list[float] = []  # a status to answer, or minus the seconds to wait
        self._idempotency: dict[str, tuple[str, int, dict]] = {}  # key -> body digest, status, answer
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = None

    # -- lifecycle
    def start(self) -> FakeAccessPoint:
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_QuietHandler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    # -- what tests tell it
    def refuse_receiver(self, receiver: str, code: str = "RECEIVER_NOT_FOUND",
                        message: str = "The receiver is not registered in the Peppol network") -> None:
        """Documents for ``receiver`` are refused at once (422), as when the SMP lookup finds no such participant."""
        self._refused_receivers[receiver] = (code, message)

    def fail_next(self, times: int = 1, status: int = 503) -> None:
        """The next ``times`` requests answer ``status`` (the access point is overloaded or down for maintenance)."""
        self._failures.extend([status] * times)

    def time_out_next(self, seconds: float) -> None:
        """The next request is answered only after ``seconds`` (longer than the client's time-out)."""
        self._failures.append(-seconds)

    def deliver(self, document_id: str) -> None:
        """The receiver's access point confirmed delivery."""
        with self._lock:
            self.documents[document_id].update(status="delivered", reason="")

    def reject(self, document_id: str, reason: str) -> None:
        """The receiver's access point (or the buyer) rejected the document, with ``reason``."""
        with self._lock:
            self.documents[document_id].update(status="rejected", reason=reason)

    def posts(self) -> list[dict]:
        return [request for request in self.requests if request["method"] == "POST"]

    # -- the API
    @staticmethod
    def _json(status: int, body: dict) -> Response:
        return Response(json.dumps(body), status=status, content_type="application/json")

    @staticmethod
    def _error(status: int, code: str, message: str) -> Response:
        return FakeAccessPoint._json(status, {"error": {"code": code, "message": message}})

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        response = self._handle(request)
        return response(environ, start_response)

    def _handle(self, request: Request) -> Response:
        raw = request.get_data()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        key = request.headers.get("Idempotency-Key")
        with self._lock:
            self.requests.append({"method": request.method, "path": request.path, "idempotency_key": key,
                                  "body": body, "authorization": request.headers.get("Authorization")})
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None and failure < 0:
            time.sleep(-failure)
        elif failure is not None:
            return self._error(failure, "UNAVAILABLE", "Service temporarily unavailable")
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return self._error(401, "UNAUTHORIZED", "Invalid API key")
        if request.method == "POST" and request.path == "/v1/documents":
            return self._create(key, raw, body)
        match = re.fullmatch(r"/v1/documents/([^/]+)", request.path)
        if request.method == "GET" and match:
            with self._lock:
                document = self.documents.get(match.group(1))
            if document is None:
                return self._error(404, "NOT_FOUND", "No such document")
            return self._json(200, {"id": match.group(1), "status": document["status"], "reason": document["reason"]})
        return self._error(404, "NOT_FOUND", f"No route {request.method} {request.path}")

    def _create(self, key: str | None, raw: bytes, body) -> Response:
        if not key:
            return self._error(400, "IDEMPOTENCY_KEY_REQUIRED", "Send an Idempotency-Key header")
        digest = hashlib.sha256(raw).hexdigest()
        with self._lock:
            if key in self._idempotency:
                seen, status, answer = self._idempotency[key]
                if seen != digest:
                    return self._error(409, "IDEMPOTENCY_CONFLICT", "This key was used with another document")
                return self._json(status, answer)
            status, answer = self._decide(body)
            self._idempotency[key] = (digest, status, answer)
            return self._json(status, answer)

    def _decide(self, body) -> tuple[int, dict]:
        """Called under the lock: the answer to a new document."""
        if not isinstance(body, dict) or any(not body.get(field) for field in REQUIRED):
            missing = [field for field in REQUIRED if not isinstance(body, dict) or not body.get(field)]
            return 400, {"error": {"code": "INVALID_REQUEST", "message": f"Missing: {', '.join(missing)}"}}
        try:
            xml = base64.b64decode(body["document"], validate=True)
        except ValueError:
            return 400, {"error": {"code": "INVALID_REQUEST", "message": "document is not base64"}}
        if not xml.lstrip().startswith(b"<"):
            return 422, {"error": {"code": "INVALID_DOCUMENT", "message": "document is not XML"}}
        refused = self._refused_receivers.get(body["receiver"])
        if refused is not None:
            return 422, {"error": {"code": refused[0], "message": refused[1]}}
        document_id = f"doc_{next(self._ids):04d}"
        self.documents[document_id] = {"receiver": body["receiver"], "sender": body["sender"],
                                       "documentType": body["documentType"], "processId": body["processId"],
                                       "reference": body["reference"], "xml": xml, "status": "accepted",
                                       "reason": ""}
        return 202, {"id": document_id, "status": "accepted"}
