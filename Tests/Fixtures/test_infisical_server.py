"""Tests of the fake Infisical server (infisical_server.py) itself.

Run: python3 -m pytest Tests/Fixtures/test_infisical_server.py -q
Each test gets a fresh server process on a private loopback port (--port 0 +
--port-file), stopped by pid with SIGTERM in the fixture finalizer.
"""

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "infisical_server.py")

CLIENT_ID = "hookd-client-id"
CLIENT_SECRET = "cs-very-secret-4f1b9c"
PROJECT = "proj-1"
ENV = "prod"
SECRET_VALUE = "s3cr3t-value-9d8e7f"


class Fake:
    def __init__(self, proc, port, log_path):
        self.proc = proc
        self.port = port
        self.log_path = log_path
        self.tokens_seen = []

    # -- raw HTTP ------------------------------------------------------------
    def request(self, method, path, body=None, token=None, headers=None, timeout=10):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        hdrs = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        if token is not None:
            hdrs["Authorization"] = "Bearer " + token
        try:
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            raw = resp.read()
            try:
                parsed = json.loads(raw) if raw else None
            except ValueError:
                parsed = raw.decode(errors="replace")
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, parsed
        finally:
            conn.close()

    # -- helpers -------------------------------------------------------------
    def control(self, method, path, body=None):
        status, _, data = self.request(method, "/__test__/" + path, body)
        assert status == 200, (status, data)
        return data

    def add_identity(self, **kw):
        body = {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET}
        body.update(kw)
        return self.control("POST", "identities", body)

    def put_secret(self, name, value, project=PROJECT, env=ENV, path="/"):
        return self.control("PUT", "secrets", {"projectId": project, "environment": env,
                                               "secretPath": path, "name": name, "value": value})

    def config(self, **kw):
        return self.control("POST", "config", kw)

    def stats(self):
        return self.control("GET", "stats")

    def login(self, client_id=CLIENT_ID, client_secret=CLIENT_SECRET):
        return self.request("POST", "/api/v1/auth/universal-auth/login",
                            {"clientId": client_id, "clientSecret": client_secret})

    def token(self):
        status, _, data = self.login()
        assert status == 200, data
        self.tokens_seen.append(data["accessToken"])
        return data["accessToken"]

    def token_for(self, client_id, client_secret):
        status, _, data = self.login(client_id, client_secret)
        assert status == 200, data
        self.tokens_seen.append(data["accessToken"])
        return data["accessToken"]

    def renew(self, token):
        status, headers, data = self.request("POST", "/api/v1/auth/token/renew", {"accessToken": token})
        if status == 200:
            self.tokens_seen.append(data["accessToken"])
        return status, headers, data

    def read_v4(self, name, token, project=PROJECT, env=ENV, path="/", extra=""):
        q = []
        if project is not None:
            q.append("projectId=" + project)
        if env is not None:
            q.append("environment=" + env)
        if path is not None:
            q.append("secretPath=" + path)
        return self.request("GET", "/api/v4/secrets/%s?%s%s" % (name, "&".join(q), extra), token=token)

    def read_v3(self, name, token, project=PROJECT, env=ENV, path="/"):
        q = []
        if project is not None:
            q.append("workspaceId=" + project)
        if env is not None:
            q.append("environment=" + env)
        if path is not None:
            q.append("secretPath=" + path)
        return self.request("GET", "/api/v3/secrets/raw/%s?%s" % (name, "&".join(q)), token=token)

    def write_v4(self, method, name, token, value=None, project=PROJECT, env=ENV, path="/"):
        body = {"projectId": project, "environment": env, "secretPath": path}
        if value is not None:
            body["secretValue"] = value
        return self.request(method, "/api/v4/secrets/" + name, body, token=token)

    def write_v3(self, method, name, token, value=None, project=PROJECT, env=ENV, path="/"):
        body = {"workspaceId": project, "environment": env, "secretPath": path}
        if value is not None:
            body["secretValue"] = value
        return self.request(method, "/api/v3/secrets/raw/" + name, body, token=token)

    def log(self):
        with open(self.log_path, "r", encoding="utf-8", errors="replace") as fh:
            return fh.read()


def start_server(tmp_path, state=None):
    port_file = tmp_path / "port"
    log_path = tmp_path / "server.log"
    args = [sys.executable, SERVER, "--port", "0", "--port-file", str(port_file)]
    if state is not None:
        state_file = tmp_path / "state.json"
        state_file.write_text(json.dumps(state))
        args += ["--state-file", str(state_file)]
    log = open(log_path, "w")
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=log)
    log.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if port_file.exists():
            text = port_file.read_text()
            if text.strip():
                return Fake(proc, int(text), str(log_path))
        if proc.poll() is not None:
            raise RuntimeError("server exited early: " + log_path.read_text())
        time.sleep(0.02)
    proc.kill()
    raise RuntimeError("server did not write its port file")


def stop_server(fake, timeout=5.0):
    """Stop by pid (SIGTERM), wait with a timeout, and return the exit status."""
    if fake.proc.poll() is None:
        os.kill(fake.proc.pid, signal.SIGTERM)
        try:
            return fake.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(fake.proc.pid, signal.SIGKILL)
            fake.proc.wait(timeout=timeout)
            raise
    return fake.proc.returncode


@pytest.fixture
def fake(tmp_path):
    server = start_server(tmp_path)
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture
def ready(fake):
    """Server with one identity, one secret, and a valid token."""
    fake.add_identity()
    fake.put_secret("DB_PASSWORD", SECRET_VALUE)
    fake.tok = fake.token()
    return fake


def assert_error_shape(data, status):
    assert set(data) >= {"reqId", "statusCode", "message", "error"}, data
    assert data["statusCode"] == status
    assert data["reqId"].startswith("req-")


# ---------------------------------------------------------------------------
# process lifecycle
# ---------------------------------------------------------------------------

def test_port_file_and_clean_sigterm(tmp_path):
    server = start_server(tmp_path)
    assert 0 < server.port < 65536
    assert not list(tmp_path.glob("port.tmp*"))  # written atomically via rename
    status, _, _ = server.request("GET", "/__test__/stats")
    assert status == 200
    assert stop_server(server) == 0


def test_unknown_route_404(fake):
    status, _, data = fake.request("GET", "/api/v9/nothing")
    assert status == 404 and data["statusCode"] == 404


# ---------------------------------------------------------------------------
# universal auth login + lockout
# ---------------------------------------------------------------------------

def test_login_ok(fake):
    fake.add_identity()
    status, _, data = fake.login()
    assert status == 200
    assert set(data) == {"accessToken", "expiresIn", "accessTokenMaxTTL", "tokenType"}
    assert data["tokenType"] == "Bearer"
    assert data["expiresIn"] == 7200 and data["accessTokenMaxTTL"] == 2592000
    assert data["accessToken"].count(".") == 2  # JWT-shaped, like Infisical's
    status, _, other = fake.login()
    assert other["accessToken"] != data["accessToken"]


def test_login_custom_ttls(fake):
    fake.add_identity(expiresIn=60, accessTokenMaxTTL=600)
    status, _, data = fake.login()
    assert status == 200 and data["expiresIn"] == 60 and data["accessTokenMaxTTL"] == 600


def test_login_bad_secret_and_unknown_client(fake):
    fake.add_identity()
    status, _, data = fake.login(client_secret="wrong")
    assert status == 401
    assert_error_shape(data, 401)
    assert data["error"] == "UnauthorizedError" and data["message"] == "Invalid credentials"
    status, _, data = fake.login(client_id="nobody")
    assert status == 401 and data["message"] == "Invalid credentials"


def test_login_missing_field_is_422(fake):
    status, _, data = fake.request("POST", "/api/v1/auth/universal-auth/login", {"clientId": "x"})
    assert status == 422
    assert data["error"] == "ValidationFailure"
    assert data["message"][0]["path"] == ["clientSecret"]


def test_lockout_after_three_failures(fake):
    fake.add_identity()
    fake.config(lockoutSeconds=1)
    for _ in range(3):
        status, _, data = fake.login(client_secret="wrong")
        assert status == 401 and data["message"] == "Invalid credentials"
    # locked: even the right secret is refused, with Infisical's 401
    status, _, data = fake.login()
    assert status == 401
    assert "temporarily locked" in data["message"]
    time.sleep(1.1)
    status, _, _ = fake.login()
    assert status == 200


def test_lockout_counter_cleared_by_success_and_configurable(fake):
    fake.add_identity()
    fake.config(lockoutAttempts=2)
    assert fake.login(client_secret="wrong")[0] == 401
    assert fake.login()[0] == 200          # success clears the counter
    assert fake.login(client_secret="wrong")[0] == 401
    assert fake.login()[0] == 200          # still not locked
    assert fake.login(client_secret="wrong")[0] == 401
    assert fake.login(client_secret="wrong")[0] == 401
    status, _, data = fake.login()
    assert status == 401 and "locked" in data["message"]
    fake.control("POST", "clear-lockouts")
    assert fake.login()[0] == 200


# ---------------------------------------------------------------------------
# reads
# ---------------------------------------------------------------------------

SECRET_FIELDS = {"id", "_id", "workspace", "environment", "version", "type", "secretKey",
                 "secretValue", "secretComment", "secretPath", "secretValueHidden",
                 "createdAt", "updatedAt", "tags", "secretMetadata"}


def test_read_v4_ok(ready):
    status, _, data = ready.read_v4("DB_PASSWORD", ready.tok)
    assert status == 200
    sec = data["secret"]
    assert set(sec) >= SECRET_FIELDS
    assert sec["secretKey"] == "DB_PASSWORD" and sec["secretValue"] == SECRET_VALUE
    assert sec["type"] == "shared" and sec["version"] == 1 and sec["secretComment"] == ""
    assert sec["workspace"] == PROJECT and sec["environment"] == ENV and sec["secretPath"] == "/"
    assert sec["id"] == sec["_id"]


def test_read_v3_ok(ready):
    status, _, data = ready.read_v3("DB_PASSWORD", ready.tok)
    assert status == 200
    assert data["secret"]["secretValue"] == SECRET_VALUE
    assert set(data["secret"]) >= SECRET_FIELDS


def test_read_nested_path_and_default_path(ready):
    ready.put_secret("API_KEY", "nested-value", path="/hookd/")
    status, _, data = ready.read_v4("API_KEY", ready.tok, path="/hookd")
    assert status == 200 and data["secret"]["secretPath"] == "/hookd"
    # secretPath defaults to "/" when omitted
    status, _, data = ready.read_v4("DB_PASSWORD", ready.tok, path=None)
    assert status == 200


def test_missing_token_401(ready):
    status, _, data = ready.read_v4("DB_PASSWORD", None)
    assert status == 401
    assert_error_shape(data, 401)
    assert data["message"] == "Token missing"


def test_bad_token_is_rejected(ready):
    # Infisical verifies the JWT first; jsonwebtoken errors map to 403 TokenError.
    status, _, data = ready.read_v4("DB_PASSWORD", "not-a-token")
    assert status == 403 and data["error"] == "TokenError"
    forged = ready.tok[:-4] + ("AAAA" if not ready.tok.endswith("AAAA") else "BBBB")
    status, _, data = ready.read_v4("DB_PASSWORD", forged)
    assert status == 403 and data["error"] == "TokenError"


def test_revoked_token_401(ready):
    ready.control("POST", "revoke-tokens")
    status, _, data = ready.read_v4("DB_PASSWORD", ready.tok)
    assert status == 401 and data["message"] == "No identity access token found"


def test_expire_tokens(ready):
    assert ready.read_v4("DB_PASSWORD", ready.tok)[0] == 200
    ready.control("POST", "expire-tokens")
    status, _, data = ready.read_v4("DB_PASSWORD", ready.tok)
    assert status == 403
    assert data["error"] == "TokenError"
    assert data["message"] == "Your token has expired. Please re-authenticate."
    status, _, data = ready.renew(ready.tok)
    assert status == 403
    new = ready.token()                     # a fresh login works
    assert ready.read_v4("DB_PASSWORD", new)[0] == 200


def test_token_expires_after_expires_in(fake):
    fake.add_identity(expiresIn=0.5, accessTokenMaxTTL=10)
    fake.put_secret("X", "x-value")
    tok = fake.token()
    assert fake.read_v4("X", tok)[0] == 200
    time.sleep(0.6)
    status, _, data = fake.read_v4("X", tok)
    assert status == 403 and "expired" in data["message"]


def test_404_missing_secret(ready):
    status, _, data = ready.read_v4("NOPE", ready.tok)
    assert status == 404
    assert_error_shape(data, 404)
    assert data["error"] == "NotFound"
    assert data["message"] == "Secret with name 'NOPE' not found"
    assert ready.read_v3("NOPE", ready.tok)[0] == 404
    # another environment: root folder exists, the secret does not
    assert ready.read_v4("DB_PASSWORD", ready.tok, env="staging")[0] == 404
    # missing folder
    status, _, data = ready.read_v4("DB_PASSWORD", ready.tok, path="/nope")
    assert status == 404 and "Folder with path '/nope'" in data["message"]


def test_400_missing_environment_and_workspace(ready):
    status, _, data = ready.read_v4("DB_PASSWORD", ready.tok, env=None)
    assert status == 400
    assert_error_shape(data, 400)
    assert data["error"] == "BadRequest" and data["message"] == "Missing environment"
    status, _, data = ready.read_v3("DB_PASSWORD", ready.tok, project=None)
    assert status == 400 and data["message"] == "You must provide projectSlug or workspaceId"
    status, _, data = ready.read_v3("DB_PASSWORD", ready.tok, env=None)
    assert status == 400 and data["message"] == "Missing environment"


def test_missing_project_id_v4(ready):
    # v4's schema requires projectId, so Infisical answers with its zod
    # validation error: 422 ValidationFailure, not 400.
    status, _, data = ready.read_v4("DB_PASSWORD", ready.tok, project=None)
    assert status == 422
    assert_error_shape(data, 422)
    assert data["error"] == "ValidationFailure"
    assert data["message"][0]["path"] == ["projectId"]
    # auth is checked before validation
    assert ready.read_v4("DB_PASSWORD", None, project=None)[0] == 401


def test_403_project_not_allowed(fake):
    fake.add_identity(projects=["other-project"])
    fake.put_secret("DB_PASSWORD", SECRET_VALUE)
    tok = fake.token()
    status, _, data = fake.read_v4("DB_PASSWORD", tok)
    assert status == 403
    assert_error_shape(data, 403)
    assert "not a member of the specified project" in data["error"]
    assert fake.read_v4("DB_PASSWORD", tok, project="other-project")[0] == 404


def test_read_specific_version_and_hidden_value(ready):
    ready.put_secret("DB_PASSWORD", "second")
    status, _, data = ready.read_v4("DB_PASSWORD", ready.tok)
    assert data["secret"]["version"] == 2 and data["secret"]["secretValue"] == "second"
    status, _, data = ready.read_v4("DB_PASSWORD", ready.tok, extra="&version=1")
    assert status == 200 and data["secret"]["secretValue"] == SECRET_VALUE
    assert data["secret"]["version"] == 1
    status, _, data = ready.read_v4("DB_PASSWORD", ready.tok, extra="&viewSecretValue=false")
    assert data["secret"]["secretValueHidden"] is True
    assert data["secret"]["secretValue"] != "second"


# ---------------------------------------------------------------------------
# renew
# ---------------------------------------------------------------------------

def test_renew_ok(ready):
    status, _, data = ready.renew(ready.tok)
    assert status == 200
    assert set(data) == {"accessToken", "expiresIn", "accessTokenMaxTTL", "tokenType"}
    assert data["tokenType"] == "Bearer" and data["expiresIn"] == 7200
    assert ready.read_v4("DB_PASSWORD", data["accessToken"])[0] == 200
    assert ready.read_v4("DB_PASSWORD", ready.tok)[0] == 200  # old JWT valid until its own exp


def test_renew_extends_expiry(fake):
    fake.add_identity(expiresIn=0.6, accessTokenMaxTTL=10)
    fake.put_secret("X", "x-value")
    tok = fake.token()
    time.sleep(0.4)
    status, _, data = fake.renew(tok)
    assert status == 200
    time.sleep(0.4)  # 0.8 s after login: the original has expired, the renewed one has not
    assert fake.read_v4("X", tok)[0] == 403
    assert fake.read_v4("X", data["accessToken"])[0] == 200


def test_renew_fails_past_max_ttl(fake):
    fake.add_identity(expiresIn=1, accessTokenMaxTTL=1.5)
    fake.put_secret("X", "x-value")
    tok = fake.token()
    status, _, data = fake.renew(tok)         # 0 + 1 <= 1.5: fine
    assert status == 200
    tok2 = data["accessToken"]
    time.sleep(0.6)                           # now + 1 > 1.5
    status, _, data = fake.renew(tok2)
    assert status == 401
    assert_error_shape(data, 401)
    assert data["message"] == "Failed to renew MI access token past its Max TTL expiration"
    # Infisical deletes the access token on this failure
    status, _, data = fake.read_v4("X", tok2)
    assert status == 401 and data["message"] == "No identity access token found"


def test_renew_fails_after_max_ttl(fake):
    fake.add_identity(expiresIn=0, accessTokenMaxTTL=0.4)  # non-expiring JWT, short max TTL
    tok = fake.token()
    time.sleep(0.5)
    status, _, data = fake.renew(tok)
    assert status == 401
    assert data["message"] == "Failed to renew MI access token due to Max TTL expiration"


def test_renew_unknown_token(fake):
    status, _, data = fake.renew("garbage")
    assert status == 403 and data["error"] == "TokenError"
    status, _, data = fake.request("POST", "/api/v1/auth/token/renew", {})
    assert status == 422
    fake.add_identity()
    tok = fake.token()
    fake.control("POST", "revoke-tokens")
    status, _, data = fake.renew(tok)
    assert status == 401 and data["message"] == "No identity access token found"


# ---------------------------------------------------------------------------
# failure injection, delay, concurrency
# ---------------------------------------------------------------------------

def test_fail_next_429_with_retry_after_then_success(ready):
    ready.config(failNext={"status": 429, "count": 2, "retryAfter": 3})
    for _ in range(2):
        status, headers, data = ready.read_v4("DB_PASSWORD", ready.tok)
        assert status == 429
        assert headers["retry-after"] == "3"
        assert_error_shape(data, 429)
        assert data["error"] == "RateLimitExceeded"
    status, _, data = ready.read_v4("DB_PASSWORD", ready.tok)
    assert status == 200 and data["secret"]["secretValue"] == SECRET_VALUE
    assert ready.control("GET", "config")["failNext"] is None


def test_read_answer_delay_answers_the_value_read_before_the_wait(ready):
    ready.config(readAnswerDelayMs=800)
    result = {}
    reader = threading.Thread(target=lambda: result.update(answer=ready.read_v4("DB_PASSWORD", ready.tok)))
    reader.start()
    time.sleep(0.3)
    ready.put_secret("DB_PASSWORD", "rotated-meanwhile")
    reader.join(10)
    status, _, data = result["answer"]
    assert status == 200 and data["secret"]["secretValue"] == SECRET_VALUE
    ready.config(readAnswerDelayMs=0)
    assert ready.read_v4("DB_PASSWORD", ready.tok)[2]["secret"]["secretValue"] == "rotated-meanwhile"


def test_fail_next_sends_a_string_retry_after_verbatim(ready):
    ready.config(failNext={"status": 429, "count": 1, "retryAfter": "-inf"})
    status, headers, data = ready.read_v4("DB_PASSWORD", ready.tok)
    assert status == 429 and headers["retry-after"] == "-inf"
    assert_error_shape(data, 429)
    assert ready.read_v4("DB_PASSWORD", ready.tok)[0] == 200


def test_fail_next_applies_before_auth_and_by_kind(ready):
    ready.config(failNext={"status": 500, "count": 1})
    status, _, data = ready.read_v4("DB_PASSWORD", None)   # no token, still the injected 500
    assert status == 500 and data["error"] == "InternalServerError"
    assert ready.read_v4("DB_PASSWORD", None)[0] == 401
    ready.config(failNext={"status": 503, "count": 1, "kinds": ["read"]})
    assert ready.login()[0] == 200                          # login not affected
    status, headers, _ = ready.read_v4("DB_PASSWORD", ready.tok)
    assert status == 503
    assert ready.read_v4("DB_PASSWORD", ready.tok)[0] == 200


def test_down_gives_503(ready):
    ready.config(down=True)
    status, _, data = ready.read_v4("DB_PASSWORD", ready.tok)
    assert status == 503 and data["statusCode"] == 503
    assert ready.login()[0] == 503
    assert ready.control("GET", "stats")  # controls still work
    ready.config(down=False)
    assert ready.read_v4("DB_PASSWORD", ready.tok)[0] == 200


def test_delay_applied(ready):
    ready.config(delayMs=200)
    t0 = time.monotonic()
    assert ready.read_v4("DB_PASSWORD", ready.tok)[0] == 200
    assert time.monotonic() - t0 >= 0.19
    t0 = time.monotonic()
    ready.stats()                            # control requests are not delayed
    assert time.monotonic() - t0 < 0.15


def test_concurrent_reads_with_delay(ready):
    ready.config(delayMs=75)
    n = 100
    barrier = threading.Barrier(n)

    def one(_):
        barrier.wait()
        return ready.read_v4("DB_PASSWORD", ready.tok)[0]

    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=n) as pool:
        results = list(pool.map(one, range(n)))
    elapsed = time.monotonic() - t0
    assert results == [200] * n
    assert 0.075 <= elapsed < 2.0, elapsed
    assert ready.stats()["reads_by_secret"]["DB_PASSWORD"] == n


# ---------------------------------------------------------------------------
# stats
# ---------------------------------------------------------------------------

def test_stats_counts_and_reset(ready):
    ready.token()                                  # 2 logins (fixture + this)
    ready.login(client_secret="wrong")             # failed logins count too
    ready.renew(ready.tok)
    for _ in range(3):
        ready.read_v4("DB_PASSWORD", ready.tok)
    ready.read_v3("OTHER", ready.tok)
    ready.request("POST", "/api/v4/secrets/NEW", {"projectId": PROJECT, "environment": ENV,
                                                  "secretValue": "v"}, token=ready.tok)
    st = ready.stats()
    assert st["requests"] == {"login": 3, "renew": 1, "read": 4, "write": 1}
    assert st["reads_by_secret"] == {"DB_PASSWORD": 3, "OTHER": 1}
    assert st["writes_by_secret"] == {"NEW": 1}
    assert st["responses_by_status"]["404"] == 1
    ready.control("POST", "reset-stats")
    st = ready.stats()
    assert st["requests"] == {"login": 0, "renew": 0, "read": 0, "write": 0}
    assert st["reads_by_secret"] == {}


# ---------------------------------------------------------------------------
# writes
# ---------------------------------------------------------------------------

def test_create_duplicate_update_v4(ready):
    body = {"projectId": PROJECT, "environment": ENV, "secretPath": "/", "secretValue": "first"}
    status, _, data = ready.request("POST", "/api/v4/secrets/NEW_KEY", body, token=ready.tok)
    assert status == 200
    assert data["secret"]["version"] == 1 and data["secret"]["secretValue"] == "first"
    assert data["secret"]["secretKey"] == "NEW_KEY"
    status, _, data = ready.request("POST", "/api/v4/secrets/NEW_KEY", body, token=ready.tok)
    assert status == 400
    assert_error_shape(data, 400)
    assert data["message"] == "Secret already exist"
    upd = {"projectId": PROJECT, "environment": ENV, "secretPath": "/", "secretValue": "second"}
    status, _, data = ready.request("PATCH", "/api/v4/secrets/NEW_KEY", upd, token=ready.tok)
    assert status == 200 and data["secret"]["version"] == 2
    assert data["secret"]["secretValue"] == "second"
    status, _, data = ready.read_v4("NEW_KEY", ready.tok)
    assert data["secret"]["secretValue"] == "second" and data["secret"]["version"] == 2
    status, _, data = ready.request("PATCH", "/api/v4/secrets/MISSING", upd, token=ready.tok)
    assert status == 404 and data["error"] == "NotFound"


def test_create_update_v3(ready):
    body = {"workspaceId": PROJECT, "environment": ENV, "secretPath": "/", "secretValue": "v3-first"}
    status, _, data = ready.request("POST", "/api/v3/secrets/raw/V3_KEY", body, token=ready.tok)
    assert status == 200 and data["secret"]["version"] == 1
    assert ready.request("POST", "/api/v3/secrets/raw/V3_KEY", body, token=ready.tok)[0] == 400
    body["secretValue"] = "v3-second"
    status, _, data = ready.request("PATCH", "/api/v3/secrets/raw/V3_KEY", body, token=ready.tok)
    assert status == 200 and data["secret"]["version"] == 2
    status, _, data = ready.read_v3("V3_KEY", ready.tok)
    assert data["secret"]["secretValue"] == "v3-second"


def test_write_validation_auth_permission_and_folder(fake):
    fake.add_identity(projects=[PROJECT])
    tok = fake.token()
    body = {"projectId": PROJECT, "environment": ENV, "secretValue": "v"}
    assert fake.request("POST", "/api/v4/secrets/K", body)[0] == 401
    status, _, data = fake.request("POST", "/api/v4/secrets/K", {"projectId": PROJECT}, token=tok)
    assert status == 422
    assert {tuple(i["path"]) for i in data["message"]} == {("environment",), ("secretValue",)}
    other = dict(body, projectId="elsewhere")
    assert fake.request("POST", "/api/v4/secrets/K", other, token=tok)[0] == 403
    nested = dict(body, secretPath="/no/such/folder")
    status, _, data = fake.request("POST", "/api/v4/secrets/K", nested, token=tok)
    assert status == 404 and "Folder with path" in data["message"]
    fake.control("POST", "folders", {"projectId": PROJECT, "environment": ENV,
                                     "secretPath": "/no/such/folder"})
    assert fake.request("POST", "/api/v4/secrets/K", nested, token=tok)[0] == 200


def test_write_trims_value_like_infisical(ready):
    body = {"projectId": PROJECT, "environment": ENV, "secretValue": "  padded  "}
    assert ready.request("POST", "/api/v4/secrets/T1", body, token=ready.tok)[0] == 200
    assert ready.read_v4("T1", ready.tok)[2]["secret"]["secretValue"] == "padded"
    body["secretValue"] = "  pem-ish\n"
    assert ready.request("POST", "/api/v4/secrets/T2", body, token=ready.tok)[0] == 200
    assert ready.read_v4("T2", ready.tok)[2]["secret"]["secretValue"] == "pem-ish\n"


def test_delete_v4_found_and_missing(ready):
    assert ready.write_v4("PATCH", "DB_PASSWORD", ready.tok, "second")[0] == 200
    status, _, data = ready.write_v4("DELETE", "DB_PASSWORD", ready.tok)
    assert status == 200
    sec = data["secret"]
    assert sec["secretKey"] == "DB_PASSWORD" and sec["version"] == 2
    assert sec["secretValue"] == "second" and sec["secretValueHidden"] is False
    assert sec["workspace"] == PROJECT and sec["environment"] == ENV
    status, _, data = ready.read_v4("DB_PASSWORD", ready.tok)
    assert status == 404
    # missing: Infisical's delete answers its own message
    status, _, data = ready.write_v4("DELETE", "DB_PASSWORD", ready.tok)
    assert status == 404
    assert_error_shape(data, 404)
    assert data["error"] == "NotFound" and data["message"] == "Secret not found"
    # the name is free again: a create starts over at version 1
    status, _, data = ready.write_v4("POST", "DB_PASSWORD", ready.tok, "again")
    assert status == 200 and data["secret"]["version"] == 1


def test_delete_v3_and_checks(ready):
    ready.put_secret("V3_DEL", "v3-value", path="/hookd")
    status, _, data = ready.write_v3("DELETE", "V3_DEL", ready.tok, path="/hookd/")
    assert status == 200 and data["secret"]["secretValue"] == "v3-value"
    assert ready.read_v3("V3_DEL", ready.tok, path="/hookd")[0] == 404
    assert ready.write_v3("DELETE", "V3_DEL", ready.tok, path="/hookd")[0] == 404
    # auth first, then validation, then the folder
    assert ready.write_v4("DELETE", "DB_PASSWORD", None)[0] == 401
    status, _, data = ready.request("DELETE", "/api/v4/secrets/DB_PASSWORD", {"projectId": PROJECT},
                                    token=ready.tok)
    assert status == 422 and data["message"][0]["path"] == ["environment"]
    status, _, data = ready.request("DELETE", "/api/v3/secrets/raw/DB_PASSWORD", {"environment": ENV},
                                    token=ready.tok)
    assert status == 400 and data["message"] == "You must provide projectSlug or workspaceId"
    status, _, data = ready.write_v4("DELETE", "DB_PASSWORD", ready.tok, path="/nope")
    assert status == 404 and data["error"] == "DeleteSecret" and "Folder with path" in data["message"]
    assert ready.read_v4("DB_PASSWORD", ready.tok)[0] == 200     # nothing was deleted


def test_read_only_identity_gets_403_on_every_write_kind(fake):
    fake.add_identity(readOnly=True)
    fake.put_secret("DB_PASSWORD", SECRET_VALUE)
    tok = fake.token()
    for method, name, action in (("POST", "NEW_ONE", "create"), ("PATCH", "DB_PASSWORD", "edit"),
                                 ("DELETE", "DB_PASSWORD", "delete")):
        for write in (fake.write_v4, fake.write_v3):
            status, _, data = write(method, name, tok, None if method == "DELETE" else "x")
            assert status == 403, (method, data)
            assert_error_shape(data, 403)
            assert data["error"] == "PermissionDenied"
            assert data["message"] == "You are not allowed to %s on secrets" % action
            assert data["details"] == []
    # reads still work, and nothing changed
    status, _, data = fake.read_v4("DB_PASSWORD", tok)
    assert status == 200 and data["secret"]["secretValue"] == SECRET_VALUE
    assert data["secret"]["version"] == 1
    assert fake.read_v3("DB_PASSWORD", tok)[0] == 200
    assert fake.read_v4("NEW_ONE", tok)[0] == 404
    # Infisical's order: the existence checks come before the permission check
    status, _, data = fake.write_v4("POST", "DB_PASSWORD", tok, "x")
    assert status == 400 and data["message"] == "Secret already exist"
    assert fake.write_v4("PATCH", "MISSING", tok, "x")[0] == 404
    assert fake.write_v4("DELETE", "MISSING", tok)[0] == 404
    st = fake.stats()
    assert st["committed_by_op"] == {"create": 0, "update": 0, "delete": 0}
    # readOnly defaults to false; replacing the identity lifts it
    fake.add_identity()
    tok = fake.token()
    assert fake.write_v4("POST", "NEW_ONE", tok, "x")[0] == 200
    status, _, data = fake.request("POST", "/__test__/identities",
                                   {"clientId": "c", "clientSecret": "s", "readOnly": "yes"})
    assert status == 400


def test_fail_write_nth_before_commit(ready):
    cfg = ready.config(failWrite={"nth": 2, "status": 503})
    assert cfg["failWrite"] == {"nth": 2, "status": 503, "afterCommit": False, "retryAfter": None}
    assert ready.read_v4("DB_PASSWORD", ready.tok)[0] == 200      # reads do not count
    assert ready.write_v4("POST", "W1", ready.tok, "one")[0] == 200
    assert ready.control("GET", "config")["failWrite"]["nth"] == 1
    status, _, data = ready.write_v4("POST", "W2", ready.tok, "two")
    assert status == 503
    assert_error_shape(data, 503)
    assert ready.control("GET", "config")["failWrite"] is None    # one-shot
    assert ready.read_v4("W2", ready.tok)[0] == 404               # nothing applied
    status, _, data = ready.write_v4("POST", "W2", ready.tok, "two")
    assert status == 200 and data["secret"]["version"] == 1
    # any write kind counts; null clears
    ready.config(failWrite={"nth": 1, "status": 500})
    status, _, data = ready.write_v4("DELETE", "W1", ready.tok)
    assert status == 500 and data["error"] == "InternalServerError"
    assert ready.read_v4("W1", ready.tok)[0] == 200
    ready.config(failWrite={"nth": 1, "status": 500})
    ready.config(failWrite=None)
    assert ready.write_v4("PATCH", "W1", ready.tok, "patched")[0] == 200
    status, _, _ = ready.request("POST", "/__test__/config", {"failWrite": {"nth": 0, "status": 500}})
    assert status == 400


def test_fail_write_after_commit_applies_the_write(ready):
    ready.config(failWrite={"nth": 1, "status": 500, "afterCommit": True})
    status, _, data = ready.write_v4("POST", "LOST_ANSWER", ready.tok, "committed-value")
    assert status == 500
    assert_error_shape(data, 500)
    # the write was applied: a retried create finds the name taken, and a read sees the value
    status, _, data = ready.write_v4("POST", "LOST_ANSWER", ready.tok, "committed-value")
    assert status == 400 and data["message"] == "Secret already exist"
    status, _, data = ready.read_v4("LOST_ANSWER", ready.tok)
    assert status == 200 and data["secret"]["secretValue"] == "committed-value"
    assert data["secret"]["version"] == 1
    st = ready.stats()
    assert st["creates_by_secret"] == {"LOST_ANSWER": 2}
    assert st["committed_by_secret"] == {"LOST_ANSWER": 1}
    # after commit on an update and a delete
    ready.config(failWrite={"nth": 1, "status": 503, "afterCommit": True})
    assert ready.write_v4("PATCH", "LOST_ANSWER", ready.tok, "v2")[0] == 503
    status, _, data = ready.read_v4("LOST_ANSWER", ready.tok)
    assert data["secret"]["secretValue"] == "v2" and data["secret"]["version"] == 2
    ready.config(failWrite={"nth": 1, "status": 502, "afterCommit": True})
    assert ready.write_v3("DELETE", "LOST_ANSWER", ready.tok)[0] == 502
    assert ready.read_v4("LOST_ANSWER", ready.tok)[0] == 404
    # a write that fails on its own merits still answers the injected status
    ready.config(failWrite={"nth": 1, "status": 500, "afterCommit": True})
    assert ready.write_v4("PATCH", "NO_SUCH", ready.tok, "x")[0] == 500
    assert ready.stats()["committed_by_op"] == {"create": 1, "update": 1, "delete": 1}


def test_fail_read_back(ready):
    ready.put_secret("OTHER", "other-value")
    cfg = ready.config(failReadBack={"name": "DB_PASSWORD", "status": 500, "count": 2})
    assert cfg["failReadBack"] == {"name": "DB_PASSWORD", "status": 500, "count": 2}
    assert ready.read_v4("OTHER", ready.tok)[0] == 200            # other names unaffected
    status, _, data = ready.read_v4("DB_PASSWORD", ready.tok)
    assert status == 500
    assert_error_shape(data, 500)
    assert ready.read_v3("DB_PASSWORD", ready.tok)[0] == 500
    assert ready.read_v4("DB_PASSWORD", ready.tok)[0] == 200      # count used up
    assert ready.control("GET", "config")["failReadBack"] is None
    assert ready.write_v4("PATCH", "DB_PASSWORD", ready.tok, "x")[0] == 200  # writes unaffected
    ready.config(failReadBack={"name": "DB_PASSWORD", "status": 404})
    status, _, data = ready.read_v4("DB_PASSWORD", ready.tok)
    assert status == 404 and data["message"] == "Secret with name 'DB_PASSWORD' not found"
    assert ready.read_v4("DB_PASSWORD", ready.tok)[0] == 200      # count defaults to 1
    ready.config(failReadBack={"name": "DB_PASSWORD", "status": 503, "count": 5})
    ready.config(failReadBack=None)
    assert ready.read_v4("DB_PASSWORD", ready.tok)[0] == 200


def test_read_back_value(ready):
    ready.config(readBackValue={"name": "DB_PASSWORD", "value": "not-what-was-written"})
    for read in (ready.read_v4, ready.read_v3):
        status, _, data = read("DB_PASSWORD", ready.tok)
        assert status == 200 and data["secret"]["secretValue"] == "not-what-was-written"
    # the stored value is untouched: an update still versions it, reads keep the override
    status, _, data = ready.write_v4("PATCH", "DB_PASSWORD", ready.tok, "written")
    assert status == 200 and data["secret"]["secretValue"] == "written"
    status, _, data = ready.read_v4("DB_PASSWORD", ready.tok)
    assert data["secret"]["secretValue"] == "not-what-was-written" and data["secret"]["version"] == 2
    ready.config(readBackValue=None)
    status, _, data = ready.read_v4("DB_PASSWORD", ready.tok)
    assert data["secret"]["secretValue"] == "written"


def test_write_stats_by_op_and_secret(ready):
    ready.control("POST", "reset-stats")
    assert ready.write_v4("POST", "A", ready.tok, "a")[0] == 200
    assert ready.write_v4("POST", "A", ready.tok, "a")[0] == 400        # refused, still counted
    assert ready.write_v4("PATCH", "A", ready.tok, "a2")[0] == 200
    assert ready.write_v3("PATCH", "A", ready.tok, "a3")[0] == 200
    assert ready.write_v4("DELETE", "A", ready.tok)[0] == 200
    assert ready.write_v4("DELETE", "B", ready.tok)[0] == 404
    st = ready.stats()
    assert st["requests"]["write"] == 6
    assert st["writes_by_op"] == {"create": 2, "update": 2, "delete": 2}
    assert st["writes_by_secret"] == {"A": 5, "B": 1}
    assert st["creates_by_secret"] == {"A": 2}
    assert st["updates_by_secret"] == {"A": 2}
    assert st["deletes_by_secret"] == {"A": 1, "B": 1}
    assert st["committed_by_op"] == {"create": 1, "update": 2, "delete": 1}
    assert st["committed_by_secret"] == {"A": 4}
    # a read-only run: the write counters stay 0
    ready.control("POST", "reset-stats")
    ready.read_v4("DB_PASSWORD", ready.tok)
    st = ready.stats()
    assert st["requests"]["write"] == 0
    assert st["writes_by_op"] == {"create": 0, "update": 0, "delete": 0}
    assert st["writes_by_secret"] == {} and st["committed_by_secret"] == {}


# ---------------------------------------------------------------------------
# controls: secrets, state file
# ---------------------------------------------------------------------------

def test_control_put_and_delete_secret(ready):
    ready.control("DELETE", "secrets", {"projectId": PROJECT, "environment": ENV,
                                        "secretPath": "/", "name": "DB_PASSWORD"})
    assert ready.read_v4("DB_PASSWORD", ready.tok)[0] == 404
    status, _, _ = ready.request("DELETE", "/__test__/secrets",
                                 {"projectId": PROJECT, "environment": ENV, "name": "DB_PASSWORD"})
    assert status == 404


def test_state_file(tmp_path):
    state = {
        "identities": [{"clientId": "from-file", "clientSecret": "file-secret", "expiresIn": 300}],
        "secrets": [{"projectId": "p", "environment": "dev", "secretPath": "/a", "name": "K",
                     "value": "file-value"}],
        "config": {"lockoutAttempts": 5},
    }
    server = start_server(tmp_path, state)
    try:
        status, _, data = server.login("from-file", "file-secret")
        assert status == 200 and data["expiresIn"] == 300
        status, _, data = server.read_v4("K", data["accessToken"], project="p", env="dev", path="/a")
        assert status == 200 and data["secret"]["secretValue"] == "file-value"
        assert server.control("GET", "config")["lockoutAttempts"] == 5
    finally:
        assert stop_server(server) == 0


def test_state_file_read_only_identity_and_faults(tmp_path):
    state = {
        "identities": [{"clientId": "viewer", "clientSecret": "viewer-secret", "readOnly": True}],
        "secrets": [{"projectId": "p", "environment": "dev", "name": "K", "value": "file-value"}],
        "config": {"failWrite": {"nth": 3, "status": 503}, "readBackValue": {"name": "K", "value": "other"}},
    }
    server = start_server(tmp_path, state)
    try:
        tok = server.token_for("viewer", "viewer-secret")
        status, _, data = server.write_v4("PATCH", "K", tok, "x", project="p", env="dev")
        assert status == 403 and data["error"] == "PermissionDenied"
        status, _, data = server.read_v4("K", tok, project="p", env="dev")
        assert status == 200 and data["secret"]["secretValue"] == "other"
        cfg = server.control("GET", "config")
        assert cfg["failWrite"]["nth"] == 2 and cfg["failWrite"]["status"] == 503
    finally:
        assert stop_server(server) == 0


# ---------------------------------------------------------------------------
# the log never contains secret material
# ---------------------------------------------------------------------------

def test_log_has_no_secret_values_or_tokens(tmp_path):
    server = start_server(tmp_path)
    try:
        server.add_identity()
        server.put_secret("DB_PASSWORD", SECRET_VALUE)
        tok = server.token()
        server.login(client_secret="wrong-" + CLIENT_SECRET)
        server.read_v4("DB_PASSWORD", tok)
        server.read_v3("DB_PASSWORD", tok)
        server.renew(tok)
        body = {"projectId": PROJECT, "environment": ENV, "secretValue": "written-value-77aa"}
        server.request("POST", "/api/v4/secrets/W", body, token=tok)
        body["secretValue"] = "patched-value-88bb"
        server.request("PATCH", "/api/v4/secrets/W", body, token=tok)
        server.read_v4("DB_PASSWORD", "bogus-token-zz99")
        server.config(failNext={"status": 429, "count": 1})
        server.read_v4("DB_PASSWORD", tok)
        server.config(readBackValue={"name": "W", "value": "readback-value-99cc"})
        server.read_v4("W", tok)
        server.config(failWrite={"nth": 1, "status": 500, "afterCommit": True})
        server.request("DELETE", "/api/v4/secrets/W", {"projectId": PROJECT, "environment": ENV},
                       token=tok)
    finally:
        assert stop_server(server) == 0
    log = server.log()
    secrets_used = [CLIENT_SECRET, SECRET_VALUE, "written-value-77aa", "patched-value-88bb",
                    "bogus-token-zz99", "readback-value-99cc"] + server.tokens_seen
    assert len(server.tokens_seen) >= 2
    for s in secrets_used:
        assert s not in log, "log leaks %r" % s
    for tok_ in server.tokens_seen:          # not even a JWT segment
        for part in tok_.split("."):
            if len(part) > 20:
                assert part not in log
    assert "Bearer" not in log
    api_lines = [l for l in log.splitlines() if "kind=" in l and "kind=control" not in l]
    assert len(api_lines) == 11              # one line per API request
