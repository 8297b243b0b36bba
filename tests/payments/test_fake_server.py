"""The fake Stripe server holds the shop to the real SDK's typed params: proven through the real SDK."""

from __future__ import annotations

import time

import pytest
import stripe

from tests.fakes.stripe_server import ParamError, check_params


def _client(fake) -> stripe.StripeClient:
    return stripe.StripeClient("sk_test_x", base_addresses={"api": fake.url}, max_network_retries=0)


def _params(**overrides):
    params = {
        "mode": "payment",
        "success_url": "http://localhost/ok?session_id={CHECKOUT_SESSION_ID}",
        "line_items": [{"quantity": 2, "price_data": {"currency": "eur", "unit_amount": 450,
                                                      "product_data": {"name": "Kaas"}}}],
        "expires_at": int(time.time()) + 1800,
    }
    params.update(overrides)
    return params


def _refused(fake, params) -> stripe.InvalidRequestError:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        _client(fake).v1.checkout.sessions.create(params)
    assert caught.value.http_status == 400
    return caught.value


def test_fake_accepts_valid_params_and_fills_in_the_fixture(fake_stripe):
    session = _client(fake_stripe).v1.checkout.sessions.create(_params(client_reference_id="LOV-1", locale="nl"))

    assert session.object == "checkout.session"
    assert (session.status, session.payment_status, session.amount_total) == ("open", "unpaid", 900)
    assert (session.client_reference_id, session.locale, session.currency) == ("LOV-1", "nl", "eur")
    assert session.url == f"{fake_stripe.url}/pay/{session.id}"


def test_fake_rejects_an_unknown_parameter_in_stripe_error_shape(fake_stripe):
    # payment_method_types is not in this SDK's SessionCreateParams (it has allowed_payment_method_types).
    error = _refused(fake_stripe, _params(payment_method_types=["card"]))

    assert error.json_body == {"error": {"type": "invalid_request_error",
                                         "message": "Received unknown parameter: payment_method_types",
                                         "param": "payment_method_types", "code": "parameter_unknown"}}


def test_fake_rejects_an_unknown_nested_parameter(fake_stripe):
    items = [{"quantity": 1, "price_data": {"currency": "eur", "unit_amount": 1, "name": "Kaas"}}]

    error = _refused(fake_stripe, _params(line_items=items))

    assert error.param == "line_items[0][price_data][name]"
    assert error.user_message == "Received unknown parameter: line_items[0][price_data][name]"


@pytest.mark.parametrize(
    ("overrides", "param", "message"),
    [
        ({"expires_at": "soon"}, "expires_at", "Invalid integer: soon"),
        ({"line_items": [{"quantity": True, "price_data": {"currency": "eur", "unit_amount": 1}}]},
         "line_items[0][quantity]", "Invalid integer: true"),
        ({"line_items": [{"quantity": 1, "price_data": {"currency": "eur", "unit_amount": "12,50"}}]},
         "line_items[0][price_data][unit_amount]", "Invalid integer: 12,50"),
        ({"client_reference_id": {"number": "LOV-1"}}, "client_reference_id",
         "Invalid str: client_reference_id must not be a hash"),
        ({"adaptive_pricing": {"enabled": "yes"}}, "adaptive_pricing[enabled]", "Invalid boolean: yes"),
        ({"line_items": {"quantity": 1}}, "line_items", "Invalid array: line_items"),
        ({"metadata": {"order": {"id": "1"}}}, "metadata[order]", "Invalid string: metadata[order]"),
        ({"line_items": [{"quantity": 1, "price_data": {"unit_amount": 1}}]},
         "line_items[0][price_data][currency]", "Missing required param: line_items[0][price_data][currency]."),
    ],
)
def test_fake_rejects_wrongly_typed_values(fake_stripe, overrides, param, message):
    error = _refused(fake_stripe, _params(**overrides))

    assert (error.param, error.user_message) == (param, message)
    assert error.json_body["error"]["type"] == "invalid_request_error"


def test_fake_checks_literal_choices_of_refund_params(fake_stripe):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        _client(fake_stripe).v1.refunds.create({"payment_intent": "pi_x", "origin": "cash"})

    assert caught.value.param == "origin"
    assert caught.value.user_message == "Invalid origin: must be one of 'customer_balance'"


def test_check_params_walks_each_list_item():
    from stripe.params.checkout import SessionCreateParams

    check_params({"allowed_payment_method_types": {"0": "card", "1": "bancontact"}}, SessionCreateParams)
    with pytest.raises(ParamError) as caught:
        check_params({"allowed_payment_method_types": {"0": {"type": "card"}}}, SessionCreateParams)
    assert caught.value.param == "allowed_payment_method_types[0]"


def test_fake_replays_an_idempotent_request_and_refuses_a_changed_one(fake_stripe):
    client = _client(fake_stripe)
    params = _params()

    first = client.v1.checkout.sessions.create(params, {"idempotency_key": "checkout-LOV-1"})
    again = client.v1.checkout.sessions.create(params, {"idempotency_key": "checkout-LOV-1"})
    with pytest.raises(stripe.IdempotencyError):
        client.v1.checkout.sessions.create(_params(client_reference_id="other"), {"idempotency_key": "checkout-LOV-1"})

    assert again.id == first.id
    assert len(fake_stripe.sessions) == 1


def test_fake_fails_and_times_out_on_request(fake_stripe):
    client = stripe.StripeClient("sk_test_x", base_addresses={"api": fake_stripe.url}, max_network_retries=0,
                                 http_client=stripe.RequestsClient(timeout=0.5))
    fake_stripe.fail_next(status=500)
    with pytest.raises(stripe.APIError):
        client.v1.checkout.sessions.create(_params())
    fake_stripe.time_out_next(seconds=1.5)
    with pytest.raises(stripe.APIConnectionError):
        client.v1.checkout.sessions.create(_params())
    assert client.v1.checkout.sessions.create(_params()).status == "open"


def test_fake_refuses_requests_without_a_secret_key(fake_stripe):
    client = stripe.StripeClient("pk_test_x", base_addresses={"api": fake_stripe.url}, max_network_retries=0)
    with pytest.raises(stripe.AuthenticationError):
        client.v1.checkout.sessions.create(_params())


def test_signed_events_verify_through_the_sdk_and_tampering_does_not(fake_stripe):
    client = _client(fake_stripe)
    payload = '{"id": "evt_1", "object": "event", "type": "checkout.session.expired", "data": {"object": {}}}'
    header = fake_stripe.sign(payload)

    event = client.construct_event(payload, header, fake_stripe.webhook_secret)

    assert (event.id, event.type) == ("evt_1", "checkout.session.expired")
    with pytest.raises(stripe.SignatureVerificationError):
        client.construct_event(payload.replace("expired", "completed"), header, fake_stripe.webhook_secret)
    with pytest.raises(stripe.SignatureVerificationError):
        client.construct_event(payload, fake_stripe.sign(payload, secret="whsec_other"), fake_stripe.webhook_secret)
    with pytest.raises(stripe.SignatureVerificationError):
        client.construct_event(payload, fake_stripe.sign(payload, timestamp=int(time.time()) - 3600),
                               fake_stripe.webhook_secret)
