import pytest

from shop.extensions import limiter


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app):
    """The limiter keeps its counters in memory across tests: start and end every test with none."""
    with app.app_context():
        limiter.reset()
    yield
    with app.app_context():
        limiter.reset()
