"""Redis gone (a restart, a network cut): the shop keeps selling and the rate limits degrade to each process's
memory, as the README says; /health says so. Run in a process of its own: the limiter is one object per process
and is pointed here at a Redis that is not there."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys
from shop import create_app
from shop.extensions import db
from tests.factories import make_product, make_user

app = create_app({"ENV_NAME": "testing", "TESTING": True, "WTF_CSRF_ENABLED": False,
                  "SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[1],
                  "REDIS_URL": "redis://127.0.0.1:1/0", "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"})
with app.app_context():
    db.create_all()
    make_user("klant@voorbeeld.be")
    product = make_product("Oude Brugge", stock=5)
    db.session.commit()
    slug = product.slug
client = app.test_client()
logins = [client.post("/inloggen", data={"email": "doelwit@voorbeeld.be", "password": "fout"}).status_code
          for _ in range(12)]
pages = [client.get(path).status_code for path in ("/", "/producten", "/producten/" + slug)]
health = client.get("/health")
print(json.dumps({"logins": logins, "pages": pages, "health": [health.status_code, health.json]}))
"""


def test_without_redis_the_shop_sells_and_limits_count_in_memory(tmp_path):
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "shop.db")], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])

    assert outcome["pages"] == [200, 200, 200]
    assert outcome["logins"] == [422] * 10 + [429, 429]  # the per-account limit of 10 a minute still holds
    status, body = outcome["health"]
    assert (status, body["status"], body["checks"]["redis"]) == (200, "degraded", "error")
