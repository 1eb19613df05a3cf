"""Authorize: the checks of thaid-api.md §2, in their order, with exactly those errors."""
from __future__ import annotations

from conftest import make_app
from oidc_helpers import auth_url, query

HTML = {"Accept": "text/html"}


def test_unknown_client_is_401_invalid_client_and_not_redirected(client):
    r = client.get(auth_url(client_id="nobody", redirect_uri="https://evil.example/cb"))
    assert r.status_code == 401
    assert "Location" not in r.headers
    assert r.json["error"] == "invalid_client"
    assert r.json["error_description"] == "Client id not found"


def test_unregistered_redirect_uri_is_shown_never_redirected(client):
    r = client.get(auth_url(redirect_uri="https://evil.example/cb"), headers=HTML)
    assert r.status_code == 400
    assert "Location" not in r.headers
    page = r.get_data(as_text=True)
    assert "The redirect or callback url mismatch or invalid" in page
    assert "got https://evil.example/cb" in page and "http://127.0.0.1:8080/callback" in page
    assert "MOCK" in page


def test_redirect_uri_must_match_character_for_character(client):
    for tricky in ["http://127.0.0.1:8080/callback/", "http://127.0.0.1:8080/Callback",
                   "http://127.0.0.1:8080/callback?x=1", "http://127.0.0.1:8080/callback%2F..",
                   "http://127.0.0.1:8080/callbackx", "HTTP://127.0.0.1:8080/callback"]:
        r = client.get(auth_url(redirect_uri=tricky))
        assert r.status_code == 400, tricky
        assert r.json["error"] == "invalid_request"


def test_client_is_checked_before_redirect_uri(client):
    r = client.get(auth_url(client_id="nobody", redirect_uri="bad"))
    assert r.json["error"] == "invalid_client"


def test_wrong_response_type_is_a_400_shown_to_the_person_as_observed(client):
    r = client.get(auth_url(response_type="token"))
    assert r.status_code == 400 and r.json["error"] == "unsupported_response_type"
    assert "Location" not in r.headers


def test_wrong_response_type_redirects_with_error_and_state_when_set_like_the_manual():
    client = make_app(response_type_error="redirect").test_client()
    r = client.get(auth_url(response_type="token"))
    assert r.status_code == 302
    q = query(r.headers["Location"])
    assert r.headers["Location"].startswith("http://127.0.0.1:8080/callback?")
    assert q == {"error": "unsupported_response_type", "error_description": "Unsupported response type",
                 "state": "st-1"}


def test_scope_not_granted_is_400_invalid_scope(client):
    # sandbox-rp is granted openid pid name only
    r = client.get(auth_url(client_id="sandbox-rp", scope="openid pid birthdate"))
    assert r.status_code == 400
    assert r.json["error"] == "invalid_scope"
    assert "birthdate" in r.json["mock_detail"]


def test_unknown_and_empty_scope_are_invalid_scope(client):
    assert client.get(auth_url(scope="openid email")).json["error"] == "invalid_scope"
    assert client.get(auth_url(scope="")).json["error"] == "invalid_scope"


def test_response_type_is_checked_before_scope(client):
    r = client.get(auth_url(response_type="token", scope="email"))
    assert r.json["error"] == "unsupported_response_type"


def test_missing_state_redirects_invalid_request(client):
    r = client.get(auth_url(state=None))
    assert r.status_code == 302
    q = query(r.headers["Location"])
    assert q["error"] == "invalid_request" and "state" not in q


def test_scope_accepts_plus_and_percent20(client):
    for raw in ["openid+pid+name", "openid%20pid%20name"]:
        url = auth_url(scope="X").replace("scope=X", "scope=" + raw)
        r = client.get(url, headers={"X-Mock-Persona": "1234567890121"})
        assert r.status_code == 302 and "code=" in r.headers["Location"], raw


def test_success_code_is_32_alphanumerics_and_state_echoed(client):
    r = client.get(auth_url(), headers={"X-Mock-Persona": "1234567890121"})
    q = query(r.headers["Location"])
    assert q["state"] == "st-1"
    assert len(q["code"]) == 32 and q["code"].isalnum()


def test_unknown_parameters_are_ignored(client):
    r = client.get(auth_url(foo="bar", prompt="login"), headers={"X-Mock-Persona": "1234567890121"})
    assert r.status_code == 302 and "code=" in r.headers["Location"]


def test_path_works_without_trailing_slash(client):
    r = client.get(auth_url().replace("/auth/?", "/auth?"), headers={"X-Mock-Persona": "1234567890121"})
    assert r.status_code == 302 and "code=" in r.headers["Location"]


def test_without_persona_the_qr_page_is_shown(client):
    r = client.get(auth_url(), headers=HTML)
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert 'src="data:image/png;base64,' in page
    assert "เข้าสู่ระบบด้วย ThaiD" in page and "MOCK" in page


def test_persona_unknown_or_unregistered_is_refused(client):
    r = client.get(auth_url(), headers={"X-Mock-Persona": "1234567890123"})
    assert r.status_code == 401 and r.json["error"] == "access_denied"
    r = client.get(auth_url(), headers={"X-Mock-Persona": "1153620226005"})  # in register, not registered
    assert r.status_code == 401 and "not registered" in r.json["mock_detail"]


def test_login_hint_works_like_the_persona_header(client):
    r = client.get(auth_url(login_hint="1234567890121"))
    assert r.status_code == 302 and "code=" in r.headers["Location"]


def test_auto_login_off_ignores_persona():
    from conftest import make_app, make_app

    c = make_app(auto_login=False).test_client()
    r = c.get(auth_url(), headers={"X-Mock-Persona": "1234567890121", **HTML})
    assert r.status_code == 200 and "data:image/png" in r.get_data(as_text=True)


def test_pkce_required_by_client_redirects_error(client):
    r = client.get(auth_url(client_id="strict-rp"), headers={"X-Mock-Persona": "1234567890121"})
    q = query(r.headers["Location"])
    assert q["error"] == "invalid_request"


def test_pkce_required_by_setting():
    from conftest import make_app

    c = make_app(require_pkce=True).test_client()
    r = c.get(auth_url(), headers={"X-Mock-Persona": "1234567890121"})
    assert query(r.headers["Location"])["error"] == "invalid_request"
    r = c.get(auth_url(code_challenge="x" * 43, code_challenge_method="S256"),
              headers={"X-Mock-Persona": "1234567890121"})
    assert "code" in query(r.headers["Location"])
