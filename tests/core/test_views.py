

def test_language_switch_keeps_the_page_and_sticks(client):
    response = client.get("/taal/fr?next=/producten?q=kaas")
    assert response.status_code == 303
    assert response.headers["Location"] == "/producten?q=kaas"
    page = client.get("/", headers={"Accept-Language": "en"})
    assert 'lang="fr"' in page.get_data(as_text=True)


def test_language_switch_refuses_foreign_redirects(client):
    response = client.get("/taal/en?next=https://evil.example/")
    assert response.headers["Location"] == "/"


def test_accept_language_chooses_when_nothing_chosen(client):
    page = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert 'lang="en"' in page.get_data(as_text=True)


def test_unknown_page_is_a_real_404_with_search(client):
    response = client.get("/bestaat-niet")
    assert response.status_code == 404
    assert 'name="q"' in response.get_data(as_text=True)


def test_every_response_carries_a_content_security_policy(client):
    response = client.get("/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_a_nul_byte_in_the_path_is_a_404_not_a_crash(client):
    assert client.get("/producten/a%00b").status_code == 404
    assert client.get("/producenten/a%00b").status_code == 404


def test_an_oversized_upload_is_refused_with_a_413_page(client, app):
    body = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/winkelmand/toevoegen", data=body, content_type="application/octet-stream")
    assert response.status_code == 413
    assert "Dit bestand is te groot" in response.get_data(as_text=True)


def test_language_switch_refuses_backslash_tricks(client):
    response = client.get("/taal/en?next=/\\evil.example/")
    assert response.headers["Location"] == "/"
