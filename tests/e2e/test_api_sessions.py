"""Web-UI sessions (spec §1) as the Ansible collection's password mode uses
them: GET /csrf_token, POST /api/v1/signin with X-CSRF-Token, the session
cookie and X-Next-CSRF-Token on later calls, POST /api/v1/signout. CSRF is
enforced on cookie requests and skipped for Bearer ones; sessions live in
the database, so they work and end on every instance."""
import requests

from apihelpers import api, assert_api_error, bearer, create_org, describe, uniq  # noqa: F401
from conftest import Wharf

CSRF_ERROR = {"error": "CSRF token was invalid or missing."}
BAD_LOGIN = {"needsEmailVerification": False, "invalidCredentials": True,
             "message": "Invalid Username or Password"}


def new_user(api, name=None):
    """A plain user with a known password, made by the superuser API."""
    name = name or uniq("u")
    r = api.admin.post("superuser/users/", {"username": name, "email": f"{name}@example.com"})
    assert r.status_code == 200, describe(r)
    return name, r.json()["password"]


class Browser:
    """A cookie-jar client that signs in like the Ansible collection."""

    def __init__(self, w):
        self.w = w
        self.s = requests.Session()
        self.csrf = None

    def url(self, path):
        return self.w.url + (path if path.startswith("/") else "/api/v1/" + path)

    def get(self, path, **kw):
        return self.s.get(self.url(path), timeout=30, **kw)

    def send(self, method, path, body=None, csrf=True, **kw):
        headers = kw.pop("headers", {})
        if csrf and self.csrf:
            headers["X-CSRF-Token"] = self.csrf
        return self.s.request(method, self.url(path), json=body, headers=headers, timeout=30,
                              **kw)

    def signin(self, user, password):
        r = self.get("/csrf_token")
        assert r.status_code == 200, describe(r)
        self.csrf = r.json()["csrf_token"]
        r = self.send("POST", "signin", {"username": user, "password": password})
        if r.status_code == 200:
            self.csrf = r.headers["X-Next-CSRF-Token"]
        return r

    def cookie(self):
        return self.s.cookies.get("_csrf_token")


def test_csrf_token_endpoint(api):
    s = requests.Session()
    r = s.get(api.url + "/csrf_token", timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    token = r.json()["csrf_token"]
    assert len(token) >= 32
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("_csrf_token=")
    for attr in ("HttpOnly", "SameSite=Lax", "Path=/"):
        assert attr in cookie
    # the same cookie keeps its token; a new visitor gets another
    again = s.get(api.url + "/csrf_token", timeout=30)
    assert again.json()["csrf_token"] == token and "Set-Cookie" not in again.headers
    assert requests.get(api.url + "/csrf_token", timeout=30).json()["csrf_token"] != token


def test_ansible_password_flow(api):
    b = Browser(api)
    pre_cookie, pre_csrf = None, None
    r = b.get("/csrf_token")
    pre_csrf, pre_cookie = r.json()["csrf_token"], b.cookie()
    b.csrf = pre_csrf
    r = b.send("POST", "signin", {"username": api.admin_user, "password": api.admin_password})
    assert r.status_code == 200, describe(r)
    assert r.json() == {"success": True}
    nxt = r.headers["X-Next-CSRF-Token"]
    assert nxt != pre_csrf
    set_cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie and "Path=/" in set_cookie
    assert b.cookie() != pre_cookie  # the session id is rotated at sign-in
    b.csrf = nxt
    me = b.get("user/")
    assert me.status_code == 200 and me.json()["username"] == api.admin_user
    # later calls send the cookie and the CSRF header
    org = uniq("org")
    r = b.send("POST", "organization/", {"name": org})
    assert r.status_code == 201, describe(r)
    assert b.get(f"organization/{org}").json()["is_admin"] is True
    assert b.send("DELETE", f"organization/{org}").status_code == 204
    # the pre-sign-in token is no good for the new session
    r = b.send("POST", "organization/", {"name": uniq("org")}, headers={"X-CSRF-Token": pre_csrf},
               csrf=False)
    assert r.status_code == 403 and r.json() == CSRF_ERROR
    r = b.send("POST", "signout")
    assert r.status_code == 200 and r.json() == {"success": True}
    assert_api_error(b.get("user/"), 401)


def test_wrong_password_and_unknown_user(api):
    b = Browser(api)
    r = b.signin(api.admin_user, "not the password")
    assert r.status_code == 403 and r.json() == BAD_LOGIN
    assert "X-Next-CSRF-Token" not in r.headers
    r = b.signin("nobody-" + uniq(), "x")
    assert r.status_code == 403 and r.json() == BAD_LOGIN
    assert_api_error(b.get("user/"), 401)
    # robots cannot sign in
    org = create_org(api.admin)
    bot = api.admin.put(f"organization/{org}/robots/bot").json()
    r = b.signin(bot["name"], bot["token"])
    assert r.status_code == 403 and r.json() == BAD_LOGIN
    # body checks
    r = b.send("POST", "signin", {"username": api.admin_user})
    assert_api_error(r, 400)


def test_csrf_enforced_for_cookie_requests(api):
    b = Browser(api)
    assert b.signin(api.admin_user, api.admin_password).status_code == 200
    good = b.csrf
    for headers in ({}, {"X-CSRF-Token": ""}, {"X-CSRF-Token": "0" * 64},
                    {"X-CSRF-Token": good[:-1]}):
        r = b.send("POST", "organization/", {"name": uniq("org")}, csrf=False, headers=headers)
        assert r.status_code == 403, describe(r)
        assert r.json() == CSRF_ERROR
    r = b.send("DELETE", "superuser/users/nobody", csrf=False)
    assert r.status_code == 403 and r.json() == CSRF_ERROR
    # the query parameter works as well as the header
    r = b.send("POST", "organization/", {"name": uniq("org")}, csrf=False,
               params={"_csrf_token": good})
    assert r.status_code == 201, describe(r)
    # GET needs no token
    assert b.get("user/").status_code == 200
    # a form body may carry it (checked before the handler runs)
    url = b.url("organization/")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    r = b.s.post(url, data="_csrf_token=nope&name=x", headers=form, timeout=30)
    assert r.status_code == 403 and r.json() == CSRF_ERROR
    r = b.s.post(url, data=f"name=x&_csrf_token={good}", headers=form, timeout=30)
    assert r.status_code == 400, describe(r)  # past CSRF; the body is not JSON
    # signing in again with a cookie but without its token is refused too
    r = b.s.post(b.url("signin"), json={"username": api.admin_user,
                                        "password": api.admin_password}, timeout=30)
    assert r.status_code == 403 and r.json() == CSRF_ERROR


def test_bearer_skips_csrf(api):
    b = Browser(api)
    assert b.signin(api.admin_user, api.admin_password).status_code == 200
    # a request with Authorization is judged by it alone: no CSRF token needed
    r = b.send("POST", "organization/", {"name": uniq("org")}, csrf=False,
               headers={"Authorization": "Bearer " + api.admin_token})
    assert r.status_code == 201, describe(r)
    r = api.admin.post("organization/", {"name": uniq("org")})
    assert r.status_code == 201, describe(r)


def test_signin_without_cookie_needs_json(api):
    body = {"username": api.admin_user, "password": api.admin_password}
    r = requests.post(api.url + "/api/v1/signin", json=body, timeout=30)
    assert r.status_code == 200, describe(r)
    cookie = r.cookies.get("_csrf_token")
    me = requests.get(api.url + "/api/v1/user/", cookies={"_csrf_token": cookie}, timeout=30)
    assert me.json()["username"] == api.admin_user
    # a cross-site form post cannot sign anyone in (login CSRF)
    r = requests.post(api.url + "/api/v1/signin", data='{"username":"%s","password":"%s"}' % (
        api.admin_user, api.admin_password), headers={"Content-Type": "text/plain"}, timeout=30)
    assert r.status_code == 400 and "Set-Cookie" not in r.headers


def test_signout_ends_every_session(api):
    user, password = new_user(api)
    one, two = Browser(api), Browser(api)
    assert one.signin(user, password).status_code == 200
    assert two.signin(user, password).status_code == 200
    stolen = one.cookie()
    assert one.get("user/").json()["username"] == user
    r = one.send("POST", "signout")
    assert r.status_code == 200
    assert "_csrf_token=;" in r.headers["Set-Cookie"] or "Max-Age=0" in r.headers["Set-Cookie"]
    assert_api_error(one.get("user/"), 401)
    assert_api_error(two.get("user/"), 401)
    # replaying the old cookie does not help
    r = requests.get(api.url + "/api/v1/user/", cookies={"_csrf_token": stolen}, timeout=30)
    assert_api_error(r, 401)
    # signout needs a signed-in caller
    assert_api_error(Browser(api).send("POST", "signout"), 401)


def test_password_change_and_disable_end_sessions(api):
    user, password = new_user(api)
    b = Browser(api)
    assert b.signin(user, password).status_code == 200
    assert b.get("user/").status_code == 200
    r = api.admin.put(f"superuser/users/{user}", {"password": "a brand new password"})
    assert r.status_code == 200, describe(r)
    assert_api_error(b.get("user/"), 401)
    assert b.signin(user, password).status_code == 403
    assert b.signin(user, "a brand new password").status_code == 200
    assert b.get("user/").status_code == 200
    assert api.admin.put(f"superuser/users/{user}", {"enabled": False}).status_code == 200
    assert_api_error(b.get("user/"), 401)
    assert b.signin(user, "a brand new password").status_code == 403


def test_session_rights_are_the_users(api):
    user, password = new_user(api)
    b = Browser(api)
    assert b.signin(user, password).status_code == 200
    assert_api_error(b.get("superuser/users/"), 403)
    org = uniq("org")
    assert b.send("POST", "organization/", {"name": org}).status_code == 201
    assert b.get(f"organization/{org}/applications").status_code == 200


def test_secrets_stay_out_of_the_log(api):
    b = Browser(api)
    assert b.signin(api.admin_user, api.admin_password).status_code == 200
    b.send("POST", "organization/", {"name": uniq("org")}, params={"_csrf_token": b.csrf})
    log = api.read_log()
    assert b.cookie() not in log and b.csrf not in log
    assert api.admin_password not in log


def test_sessions_shared_by_instances(api):
    """A second server on the same database and key: a session opened on one
    works on the other, and a sign-out on either ends it on both."""
    other = Wharf(api.datadir, ["--shutdown-grace", "2"])
    other.start()
    try:
        a = Browser(api)
        assert a.signin(api.admin_user, api.admin_password).status_code == 200
        b = Browser(other)
        b.s.cookies.update(a.s.cookies)
        b.csrf = a.csrf
        assert b.get("user/").json()["username"] == api.admin_user
        assert b.send("POST", "organization/", {"name": uniq("org")}).status_code == 201
        assert b.send("POST", "signout").status_code == 200
        assert_api_error(a.get("user/"), 401)
    finally:
        other.stop()
