"""An account page with forms. It works, but any website can post them for you: read the TODOs."""

from flask import Flask, redirect, render_template_string, request, session

app = Flask(__name__)
# TODO: a key in the source code lets every reader forge sessions. Read it from the
#       environment variable SECRET_KEY (os.environ["SECRET_KEY"]).
app.secret_key = "dev"
# TODO: SameSite=Lax (or Strict) on the session cookie: SESSION_COOKIE_SAMESITE.
app.config.update(SESSION_COOKIE_HTTPONLY=True)

emails: dict[str, str] = {}  # username -> email address

LOGIN = """<!doctype html>
<title>Log in</title>
<form method="post" action="/login">
  <input name="username"> <button>Log in</button>
</form>"""

# TODO: every form that posts needs a hidden input named csrf_token holding this session's token.
ACCOUNT = """<!doctype html>
<title>Your account</title>
<h1>Hello {{ user }}</h1>
<p>Your email address: <span id="email">{{ email }}</span></p>
<form method="post" action="/email">
  <input name="email" type="email"> <button>Change email</button>
</form>
<form method="post" action="/logout">
  <button>Log out</button>
</form>"""


# TODO: a per-session token (secrets.token_urlsafe, kept in the session), and a check before
#       every state-changing request: 403 unless the form's csrf_token equals the session's,
#       compared with hmac.compare_digest.


@app.get("/login")
def login_form():
    return render_template_string(LOGIN)


@app.post("/login")
def login():
    username = request.form.get("username", "").strip()
    if not username:
        return render_template_string(LOGIN), 400
    session.clear()
    session["user"] = username
    emails.setdefault(username, f"{username}@example.test")
    return redirect("/account", 303)


@app.get("/account")
def account():
    user = session.get("user")
    if user is None:
        return redirect("/login", 303)
    return render_template_string(ACCOUNT, user=user, email=emails[user])


# TODO: a GET must never change anything: an <img src="/email?email=..."> on any page sends one.
@app.route("/email", methods=["GET", "POST"])
def change_email():
    user = session.get("user")
    if user is None:
        return redirect("/login", 303)
    email = request.values.get("email", "").strip()
    if not email:
        return "an email address is required", 400
    emails[user] = email
    return redirect("/account", 303)


@app.route("/logout", methods=["GET", "POST"])
def logout():
    session.clear()
    return redirect("/login", 303)
