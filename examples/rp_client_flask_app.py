"""A complete Flask app that logs people in with ThaiD (the README's example, tested as is).

Run it against the mock::

    mock-thaid serve --port 8000 &
    export THAID_ISSUER=http://127.0.0.1:8000 THAID_CLIENT_ID=lhr-demo \\
           THAID_CLIENT_SECRET=lhr-demo-secret-TEST-ONLY \\
           THAID_REDIRECT_URI=http://127.0.0.1:5001/auth/thaid/callback \\
           THAID_SCOPES="openid pid name name_en birthdate" FLASK_SECRET_KEY=change-me
    flask --app examples/rp_client_flask_app.py run --port 5001

For the real service, set THAID_ISSUER=production (or sandbox) and your own credentials.
"""
from flask import Flask, redirect, url_for
from markupsafe import escape

from rp_client import ThaiDConfig
from rp_client.flask_ext import ThaiDLogin, current_identity, login_required

app = Flask(__name__)
app.config.from_prefixed_env()  # FLASK_SECRET_KEY signs the session cookie
thaid = ThaiDLogin(app, config=ThaiDConfig.from_env())


@thaid.on_login
def welcome(identity, tokens):
    app.logger.info("ThaiD login: %s", identity.pid[:1] + "-XXXX-XXXXX-XX-" + identity.pid[-1:])
    return None  # go on to ?next= (or "/")


@app.get("/")
def home():
    person = current_identity()
    if person is None:
        return f'<a href="{url_for("thaid.login", next="/me")}">เข้าสู่ระบบด้วย ThaiD / Sign in with ThaiD</a>'
    return redirect(url_for("me"))


@app.get("/me")
@login_required
def me():
    person = current_identity()
    return (f"<h1>สวัสดี {escape(person.display_name)}</h1>"
            f"<p>Hello {escape(person.name_en or '')}, born {person.birthdate}</p>"
            f'<form method="post" action="{url_for("thaid.logout")}"><button>ออกจากระบบ / Log out</button></form>')
