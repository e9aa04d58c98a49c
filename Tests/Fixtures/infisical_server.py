#!/usr/bin/env python3
"""Local stand-in for the Infisical secrets manager's HTTP API (test fixture).

Used by hookd's integration tests as "hookd's Infisical".  Standard library
only; Python 3.9+.

Usage
-----
    python3 infisical_server.py --port 0 --port-file PATH [--state-file PATH]

Binds 127.0.0.1 (``--port 0`` picks a free port) and, once listening, writes
the port number to ``--port-file`` (written to a temporary file, then renamed,
so a reader never sees a partial number).  One line per request goes to
stderr: method, path and query, status, request kind and duration.  Request
and response bodies and the Authorization header are never logged, so no
client secret, access token or secret value reaches the log.  SIGTERM or
SIGINT stops the server cleanly, with exit status 0.

Infisical API subset (behaviour follows the Infisical backend source)
----------------------------------------------------------------------
POST /api/v1/auth/universal-auth/login   {"clientId", "clientSecret"}
    200 {"accessToken", "expiresIn", "accessTokenMaxTTL", "tokenType": "Bearer"}
    An unknown clientId or a wrong clientSecret gets
    401 {"error": "UnauthorizedError", "message": "Invalid credentials"}.
    Lockout (Infisical's defaults: on, threshold 3, 300 s, failure counter
    reset after 30 s without failures): the failure that reaches the
    threshold still gets "Invalid credentials".  From then on every login,
    including one with the right secret, gets
    401 "This identity auth method is temporarily locked, please try again
    later" until the lockout ends.  Infisical answers 401 here, not 429 or
    403.  A successful login clears the failure counter.
POST /api/v1/auth/token/renew   {"accessToken"}
    200, same shape as login.  As in Infisical, the response carries a *new*
    JWT string for the same underlying access token, with a fresh expiry.
    The old string stays valid until its own expiry.  Renewal fails with
    401 "Failed to renew MI access token due to Max TTL expiration" once
    accessTokenMaxTTL (counted from login) has passed.  It fails with
    401 "Failed to renew MI access token past its Max TTL expiration" when
    now + expiresIn would pass the max TTL.  Either failure deletes the
    underlying token.
GET  /api/v4/secrets/{secretName}?projectId=&environment=&secretPath=/[&version=&type=&viewSecretValue=]
GET  /api/v3/secrets/raw/{secretName}?workspaceId=&environment=&secretPath=/
    Authorization: Bearer <accessToken>
    200 {"secret": {"id", "_id", "workspace", "environment", "version",
    "type": "shared", "secretKey", "secretValue", "secretComment",
    "secretReminderNote", "secretReminderRepeatDays",
    "skipMultilineEncoding", "createdAt", "updatedAt", "actor",
    "isRotatedSecret", "rotationId", "secretValueHidden", "secretPath",
    "tags": [], "secretMetadata": []}}
POST  /api/v4/secrets/{name}       {projectId, environment, secretPath?, secretValue, secretComment?}
POST  /api/v3/secrets/raw/{name}   {workspaceId, environment, secretPath?, secretValue, ...}
    200 {"secret": {...}}, with version 1.  A name that already exists gets
    400 "Secret already exist".  A folder (secretPath) that does not exist
    gets 404.
PATCH /api/v4/secrets/{name}, PATCH /api/v3/secrets/raw/{name}
    {..., secretValue?, secretComment?, newSecretName?}
    200 {"secret": {..., "secretValueHidden": false}}, with version + 1.
    A missing secret gets 404 "Secret with name X not found".
    Infisical quirk, copied here: when secretValue is not sent, the response
    shows secretValue "", but the stored value is unchanged.
    POST and PATCH trim secretValue the way Infisical does: surrounding
    whitespace goes, but a final "\n" is kept.
DELETE /api/v4/secrets/{name}       {projectId, environment, secretPath?="/", type?="shared"}
DELETE /api/v3/secrets/raw/{name}   {workspaceId, environment, secretPath?="/", type?}
    The fields are in the JSON body, as for POST and PATCH (not the query).
    200 {"secret": {...}}: the deleted secret as it was (its last version and
    value, "secretValueHidden": false, no secretPath/tags/secretMetadata, the
    same shape as PATCH's answer).  A missing secret gets
    404 {"error": "NotFound", "message": "Secret not found"} (Infisical's
    delete message; it differs from the read and update ones).  A missing
    folder gets 404 with error "DeleteSecret".  The name is free again
    afterwards: a POST of it creates version 1.

Writes (POST, PATCH, DELETE) are all of request kind "write" (stats, failNext
kinds, failWrite).  /__test__/stats also counts them per operation.

Permissions: an identity made with "readOnly": true (see /__test__/identities)
can log in and read, but every write it makes gets Infisical's CASL
ForbiddenError answer:
    403 {"reqId", "statusCode": 403, "error": "PermissionDenied",
         "message": "You are not allowed to <action> on secrets", "details": []}
with <action> "create" (POST), "edit" (PATCH) or "delete" (DELETE).  "details"
lists the identity's rules for that action, which for a read-only role is none.
As in Infisical, this check runs after the folder and secret look-ups, so a
read-only create of a name that exists gets 400 "Secret already exist", and a
read-only update or delete of a missing secret gets 404.

Error bodies follow Infisical's error handler:
    {"reqId": "req-...", "statusCode": N, "message": ..., "error": ...}
Checks run in Infisical's order: authentication, then request validation,
then project permission, then folder, then secret.
  * No Authorization header: 401 {"error": "UnauthorizedError", "message": "Token missing"}.
  * An unparseable token or a bad signature: 403 {"error": "TokenError", ...}.
    Infisical verifies the JWT before anything else, and jsonwebtoken errors
    map to 403.
  * An expired token (the JWT exp has passed; see also /__test__/expire-tokens):
    403 {"error": "TokenError", "message": "Your token has expired. Please re-authenticate."}.
  * A well-formed token whose access token was revoked or deleted
    (/__test__/revoke-tokens, or a failed renew):
    401 {"error": "UnauthorizedError", "message": "No identity access token found"}.
  * A request that fails schema validation (a required field missing, e.g.
    v4 projectId or a body's environment): 422 {"error": "ValidationFailure",
    "message": [zod issues]}.  This is the zod schema error in Infisical
    since PR #2828.
  * v4/v3 GET with no environment: 400 {"error": "BadRequest", "message": "Missing environment"}.
    v3 with no workspaceId: 400 "You must provide projectSlug or workspaceId".
  * A read-only identity's write: 403 PermissionDenied (see Permissions above).
  * An identity that is not a member of the project:
    403 {"error": "Identity is not a member of the specified project with ID '<id>'",
    "message": "You are not allowed to access this resource"}.
  * A missing secret: 404 {"error": "NotFound", "message": "Secret with name '<name>' not found"}.
    A missing folder: 404 "Folder with path '<p>' in environment with slug '<e>' not found".
  * An injected 429 (see failNext) copies @fastify/rate-limit with
    Infisical's RateLimitError: a `Retry-After` header (seconds) and
    x-ratelimit-* headers, body {"error": "RateLimitExceeded",
    "message": "Rate limit exceeded. Please try again in N seconds"}.

Access tokens are HS256 JWTs signed with a random key made when the process
starts, with the same claims as Infisical's (identityId, clientSecretId,
identityAccessTokenId, authTokenType "identityAccessToken", iat, exp), plus
a random "nonce" claim.  The nonce makes every login and renew return a
distinct string; Infisical's renew within the same second can repeat one.
Clients must treat tokens as opaque.

Test controls (outside Infisical's API: every path begins /__test__/)
--------------------------------------------------------------------
POST   /__test__/identities  {"clientId", "clientSecret", "expiresIn"?=7200,
                              "accessTokenMaxTTL"?=2592000, "projects"?: [projectId, ...],
                              "identityId"?, "lockoutEnabled"?=true, "readOnly"?=false}
       Creates or replaces an identity.  "readOnly": true gives it a
       viewer-like role: reads work, writes get 403 PermissionDenied (see
       Permissions above).  "projects" absent or null means every project is
       allowed; otherwise a read or write on any other
       project gets 403.  expiresIn 0 gives tokens that never expire, and
       accessTokenMaxTTL 0 means no max TTL.  Fractional seconds are
       accepted, for fast tests.
       200 {"identityId", "clientId"}
PUT    /__test__/secrets  {"projectId", "environment", "secretPath"?="/", "name", "value", "comment"?}
       Upsert.  An existing secret gets version + 1.  The folder and its
       parents are created.  200 {"secret": {...}}
DELETE /__test__/secrets  {"projectId", "environment", "secretPath"?="/", "name"}   200, or 404
POST   /__test__/folders  {"projectId", "environment", "secretPath"}   Creates a folder and its parents.
POST   /__test__/config   Merges into the config; answers with the whole config:
       {"delayMs": int     wait before every Infisical API request; requests
                           still run concurrently
        "readAnswerDelayMs": int  wait after a successful read has looked up its
                           value, before answering: a secret rotated meanwhile still
                           arrives with its old value (a slow network, for race tests)
        "failNext": {"status": 429|500|503|..., "count": n, "retryAfter": s? (a number;
                     a string is sent verbatim as the Retry-After header),
                     "kinds": ["login","renew","read","write"]?}  or null to clear
                    The next n API requests (of the given kinds, all kinds
                    by default) fail with that status.  This happens before
                    authentication.
        "failWrite": {"nth": N (>= 1, default 1), "status": 400..599,
                      "afterCommit": bool (false), "retryAfter": s?}  or null to clear
                    One-shot: the Nth write request (POST, PATCH or DELETE on a
                    secret) from now fails with that status (the same error
                    bodies as failNext); 1 = the next write.  Writes already
                    failed by "down" or failNext do not count.  GET config shows
                    the countdown: "nth" drops by one per write that passes, and
                    the entry becomes null when it fires.
                    afterCommit false: the write fails before authentication and
                    nothing is applied.  afterCommit true: the write runs in
                    full (applied if it would have succeeded, with its version
                    and stats) and only its answer is replaced by the error, as
                    when a response is lost.  Whatever the write itself would
                    have answered (200, 400, 403, ...) is discarded.
        "failReadBack": {"name": NAME, "status": 400..599, "count": n (1)}  or null
                    The next n read requests (GET, v4 or v3, any project,
                    environment or path) of the secret NAME fail with that
                    status, before authentication.  Status 404 answers
                    Infisical's "Secret with name 'NAME' not found" body; other
                    statuses the failNext bodies.  Reads of other names are not
                    affected and do not count.  Cleared once n reads have failed.
        "readBackValue": {"name": NAME, "value": V}  or null to clear
                    Every successful read of the secret NAME (any project,
                    environment, path or version) answers secretValue V instead
                    of the stored value, until cleared: a read-back mismatch.
                    The stored value, versions and writes are unaffected.
                    (V shows in GET /__test__/config, never in the log.)
        Fault order for one request: delayMs, down, failNext, then failWrite /
        failReadBack, then authentication and the API's own checks.
        "down": bool       every API request gets 503
        "lockoutAttempts": int (3), "lockoutSeconds": num (300),
        "lockoutCounterResetSeconds": num (30)}
GET    /__test__/config
GET    /__test__/stats   {"requests": {"login", "renew", "read", "write"},
                          "reads_by_secret": {name: n}, "writes_by_secret": {name: n},
                          "writes_by_op": {"create", "update", "delete"},
                          "creates_by_secret": {name: n}, "updates_by_secret": {name: n},
                          "deletes_by_secret": {name: n},
                          "committed_by_op": {"create", "update", "delete"},
                          "committed_by_secret": {name: n},
                          "responses_by_status": {"200": n, ...}}
       "requests", "*_by_secret" (but committed_by_secret) and "writes_by_op"
       count every API request received, including failed and injected ones;
       requests.write = creates + updates + deletes, so a dry run asserts
       requests.write == 0.  "committed_*" count only the writes that changed
       the stored secrets (including failWrite afterCommit ones, whose answer
       was an error).  Names are the {secretName} of the URL (an update's
       newSecretName is not counted separately).
POST   /__test__/reset-stats
POST   /__test__/expire-tokens   Every token issued so far expires now.
       Using one then gets 403 TokenError (Infisical's expired-JWT answer),
       and renewing one also gets 403.
POST   /__test__/revoke-tokens   Every access token issued so far is
       deleted.  Using one then gets 401 "No identity access token found".
POST   /__test__/clear-lockouts
Control requests are not delayed, not failed, and not counted.

--state-file PATH: JSON {"identities": [<as POST /__test__/identities>],
"secrets": [<as PUT /__test__/secrets>], "folders": [...], "config": {...}},
loaded at start.

Deviations from real Infisical
------------------------------
* Projects and environments exist implicitly: any projectId or environment
  slug is accepted, and its root folder "/" always exists.  Other folders
  exist only when created through the test controls.
* Only shared secrets.  type=personal always gets 404.  There are no
  imports, no reference expansion, no tags, no secret approval policies,
  no service tokens and no IP allow-lists.
* A body that is not valid JSON gets 400 BadRequest.  Infisical's error
  handler may answer 500 for Fastify's parser errors.
* 503 (the "down" switch, or failNext 503) is synthetic: Infisical itself
  doesn't answer 503; in deployments it comes from a proxy or load
  balancer.  Its body uses the same JSON error shape.
* Time to live (TTL) values may be fractional seconds.  Token expiry is
  tracked to sub-second precision, while the JWT's exp claim is a whole
  number of seconds.
* Token access-count limits, client-secret TTLs and use limits are not
  modelled.
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import secrets as _secrets
import string
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

# The shared plumbing sits next to this file; found also when a launcher runs the file with
# runpy (as the Swift tests do), which does not put the script's directory on sys.path.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture_server import FixtureServer, serve_until_signalled, write_atomically  # noqa: E402

DEFAULT_TTL = 7200
DEFAULT_MAX_TTL = 2592000
HIDDEN_MASK = "<hidden-by-infisical>"

KINDS = ("login", "renew", "read", "write")
WRITE_OPS = ("create", "update", "delete")   # the operations counted under kind "write"


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

class ApiError(Exception):
    """An error answered with Infisical's error body."""

    def __init__(self, status: int, error: str, message: Any,
                 headers: Optional[Dict[str, str]] = None,
                 details: Any = None) -> None:
        super().__init__(str(message))
        self.status = status
        self.error = error
        self.message = message
        self.headers = headers or {}
        self.details = details


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def not_found(message: str, name: str = "NotFound") -> ApiError:
    return ApiError(404, name, message)


def unauthorized(message: str) -> ApiError:
    return ApiError(401, "UnauthorizedError", message)


def token_error(message: str) -> ApiError:
    return ApiError(403, "TokenError", message)


def validation_error(issues: List[Dict[str, Any]]) -> ApiError:
    return ApiError(422, "ValidationFailure", issues)


def zod_required(path: str, received: str = "undefined") -> Dict[str, Any]:
    return {"code": "invalid_type", "expected": "string", "received": received,
            "path": [path], "message": "Required" if received == "undefined"
            else "Expected string, received " + received}


def zod_type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "string"


def require_str(obj: Dict[str, Any], key: str, issues: List[Dict[str, Any]]) -> Optional[str]:
    if key not in obj:
        issues.append(zod_required(key))
        return None
    value = obj[key]
    if not isinstance(value, str):
        issues.append(zod_required(key, zod_type_name(value)))
        return None
    return value


def optional_str(obj: Dict[str, Any], key: str, issues: List[Dict[str, Any]]) -> Optional[str]:
    # zod .optional(): absent is fine, null or a non-string is a validation error
    if key not in obj:
        return None
    value = obj[key]
    if not isinstance(value, str):
        issues.append(zod_required(key, zod_type_name(value)))
        return None
    return value


def remove_trailing_slash(path: str) -> str:
    # Infisical's removeTrailingSlash: "/" stays "/", "/a/b/" -> "/a/b".
    if path == "/":
        return path
    return path[:-1] if path.endswith("/") else path


def normalize_path(path: Optional[str]) -> str:
    if path is None:
        return "/"
    path = path.strip()
    if path == "":
        return "/"
    return remove_trailing_slash(path)


def folder_chain(path: str) -> List[str]:
    """'/a/b' -> ['/', '/a', '/a/b']"""
    out = ["/"]
    parts = [p for p in path.split("/") if p]
    for i in range(len(parts)):
        out.append("/" + "/".join(parts[: i + 1]))
    return out


def trim_secret_value(value: str) -> str:
    # zod transform in Infisical: val.at(-1) === "\n" ? `${val.trim()}\n` : val.trim()
    if value.endswith("\n"):
        return value.strip() + "\n"
    return value.strip()


def iso_now(ts: Optional[float] = None) -> str:
    dt = datetime.fromtimestamp(time.time() if ts is None else ts, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


_ALNUM = string.ascii_letters + string.digits


def new_req_id() -> str:
    return "req-" + "".join(_secrets.choice(_ALNUM) for _ in range(14))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    pad = "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(text + pad)


def num(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise bad_request("%s must be a number" % name)
    if value < 0:
        raise bad_request("%s must be >= 0" % name)
    return value


def out_num(value: float) -> Any:
    return int(value) if float(value).is_integer() else value


# --------------------------------------------------------------------------
# state
# --------------------------------------------------------------------------

class State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.jwt_key = os.urandom(32)
        self.identities: Dict[str, Dict[str, Any]] = {}      # clientId -> identity
        self.access_tokens: Dict[str, Dict[str, Any]] = {}   # identityAccessTokenId -> record
        self.jwts: Dict[str, Dict[str, Any]] = {}            # token string -> {"exp": float|None, "atid"}
        self.lockouts: Dict[str, Dict[str, Any]] = {}        # clientId -> {"failed", "locked", "until"}
        # (projectId, env, path, name) -> secret
        self.secrets: Dict[Tuple[str, str, str, str], Dict[str, Any]] = {}
        self.folders: set = set()                            # (projectId, env, path)
        self.config: Dict[str, Any] = {
            "delayMs": 0,
            "readAnswerDelayMs": 0,
            "failNext": None,
            "failWrite": None,
            "failReadBack": None,
            "readBackValue": None,
            "down": False,
            "lockoutAttempts": 3,
            "lockoutSeconds": 300,
            "lockoutCounterResetSeconds": 30,
        }
        self.reset_stats()

    # ---- stats -----------------------------------------------------------
    def reset_stats(self) -> None:
        self.stats: Dict[str, Any] = {
            "requests": {k: 0 for k in KINDS},
            "reads_by_secret": {},
            "writes_by_secret": {},
            "writes_by_op": {k: 0 for k in WRITE_OPS},
            "creates_by_secret": {},
            "updates_by_secret": {},
            "deletes_by_secret": {},
            "committed_by_op": {k: 0 for k in WRITE_OPS},
            "committed_by_secret": {},
            "responses_by_status": {},
        }

    def count_committed(self, op: str, name: str) -> None:
        """A write that changed the stored secrets (caller holds the lock)."""
        self.stats["committed_by_op"][op] += 1
        by = self.stats["committed_by_secret"]
        by[name] = by.get(name, 0) + 1

    # ---- identities ------------------------------------------------------
    def add_identity(self, body: Dict[str, Any]) -> Dict[str, Any]:
        client_id = body.get("clientId")
        client_secret = body.get("clientSecret")
        if not isinstance(client_id, str) or not client_id:
            raise bad_request("clientId is required")
        if not isinstance(client_secret, str) or not client_secret:
            raise bad_request("clientSecret is required")
        ttl = num(body.get("expiresIn", DEFAULT_TTL), "expiresIn")
        max_ttl = num(body.get("accessTokenMaxTTL", DEFAULT_MAX_TTL), "accessTokenMaxTTL")
        if max_ttl > 0 and ttl > max_ttl:
            raise bad_request("Access token TTL cannot be greater than max TTL")
        read_only = body.get("readOnly", False)
        if not isinstance(read_only, bool):
            raise bad_request("readOnly must be a boolean")
        projects = body.get("projects")
        if projects is not None:
            if not isinstance(projects, list) or not all(isinstance(p, str) for p in projects):
                raise bad_request("projects must be a list of project ids or null")
        identity = {
            "identityId": body.get("identityId") or str(uuid.uuid4()),
            "clientId": client_id,
            "clientSecret": client_secret,
            "clientSecretId": str(uuid.uuid4()),
            "ttl": ttl,
            "maxTTL": max_ttl,
            "projects": None if projects is None else list(projects),
            "lockoutEnabled": bool(body.get("lockoutEnabled", True)),
            "readOnly": read_only,
        }
        self.identities[client_id] = identity
        self.lockouts.pop(client_id, None)
        return identity

    # ---- folders / secrets -----------------------------------------------
    def add_folder(self, project: str, env: str, path: str) -> None:
        for p in folder_chain(path):
            self.folders.add((project, env, p))

    def folder_exists(self, project: str, env: str, path: str) -> bool:
        return path == "/" or (project, env, path) in self.folders

    def make_secret(self, project: str, env: str, path: str, name: str,
                    value: str, comment: str) -> Dict[str, Any]:
        sid = str(uuid.uuid4())
        now = iso_now()
        return {
            "id": sid, "project": project, "env": env, "path": path, "key": name,
            "value": value, "comment": comment, "version": 1,
            "history": {1: value}, "createdAt": now, "updatedAt": now,
        }

    def update_secret(self, sec: Dict[str, Any], value: Optional[str],
                      comment: Optional[str]) -> None:
        if value is not None:
            sec["value"] = value
        if comment is not None:
            sec["comment"] = comment
        sec["version"] += 1
        sec["history"][sec["version"]] = sec["value"]
        sec["updatedAt"] = iso_now()

    def put_secret(self, body: Dict[str, Any]) -> Dict[str, Any]:
        project, env, path, name = self.control_secret_key(body)
        value = body.get("value")
        if not isinstance(value, str):
            raise bad_request("value must be a string")
        comment = body.get("comment")
        if comment is not None and not isinstance(comment, str):
            raise bad_request("comment must be a string")
        self.add_folder(project, env, path)
        key = (project, env, path, name)
        sec = self.secrets.get(key)
        if sec is None:
            sec = self.make_secret(project, env, path, name, value, comment or "")
            self.secrets[key] = sec
        else:
            self.update_secret(sec, value, comment)
        return sec

    @staticmethod
    def control_secret_key(body: Dict[str, Any]) -> Tuple[str, str, str, str]:
        for k in ("projectId", "environment", "name"):
            if not isinstance(body.get(k), str) or not body.get(k):
                raise bad_request("%s is required" % k)
        path = body.get("secretPath", "/")
        if not isinstance(path, str):
            raise bad_request("secretPath must be a string")
        return body["projectId"], body["environment"], normalize_path(path), body["name"]

    # ---- tokens ------------------------------------------------------------
    def issue_jwt(self, record: Dict[str, Any], now: float) -> str:
        iat = int(now)
        payload: Dict[str, Any] = {
            "identityId": record["identityId"],
            "clientSecretId": record["clientSecretId"],
            "identityAccessTokenId": record["id"],
            "authTokenType": "identityAccessToken",
            "iat": iat,
            # Not in Infisical's tokens: makes every issued string unique (a
            # login and a renew in the same second would otherwise coincide).
            "nonce": _secrets.token_hex(8),
        }
        exp: Optional[float] = None
        if record["ttl"] > 0:
            exp = now + record["ttl"]
            payload["exp"] = iat + int(record["ttl"] + 0.999999)
        header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
        body = b64url(json.dumps(payload, separators=(",", ":")).encode())
        signing_input = (header + "." + body).encode("ascii")
        sig = b64url(hmac.new(self.jwt_key, signing_input, hashlib.sha256).digest())
        token = header + "." + body + "." + sig
        self.jwts[token] = {"exp": exp, "atid": record["id"]}
        return token

    def verify_jwt(self, token: str, now: float) -> Dict[str, Any]:
        """Return the token's registry entry; raise what jsonwebtoken+Infisical would."""
        parts = token.split(".")
        if len(parts) != 3 or not all(parts[:2]):
            raise token_error("The provided access token is malformed. Please use a valid "
                              "token or generate a new one and try again.")
        try:
            json.loads(b64url_decode(parts[0]))
            json.loads(b64url_decode(parts[1]))
        except Exception:
            raise token_error("invalid token")
        expected = b64url(hmac.new(self.jwt_key, (parts[0] + "." + parts[1]).encode("ascii"),
                                   hashlib.sha256).digest())
        entry = self.jwts.get(token)
        if not hmac.compare_digest(expected, parts[2]) or entry is None:
            raise token_error("invalid signature")
        if entry["exp"] is not None and now >= entry["exp"]:
            raise token_error("Your token has expired. Please re-authenticate.")
        return entry

    def check_record_ttl(self, record: Dict[str, Any], now: float) -> None:
        if record["ttl"] > 0:
            base = record["lastRenewedAt"] or record["createdAt"]
            if now > base + record["ttl"]:
                self.access_tokens.pop(record["id"], None)
                raise unauthorized("Failed to renew MI access token due to TTL expiration")

    def authenticate(self, auth_header: Optional[str], now: float) -> Dict[str, Any]:
        if not auth_header:
            raise unauthorized("Token missing")
        token = auth_header[7:]  # Infisical: authHeader.slice(7), after "Bearer "
        entry = self.verify_jwt(token, now)
        record = self.access_tokens.get(entry["atid"])
        if record is None or record.get("revoked"):
            raise unauthorized("No identity access token found")
        self.check_record_ttl(record, now)
        identity = self.identities.get(record["clientId"])
        if identity is None or identity["identityId"] != record["identityId"]:
            raise unauthorized("No identity access token found")
        return identity


# --------------------------------------------------------------------------
# HTTP layer
# --------------------------------------------------------------------------

def route(method: str, path: str) -> Optional[Tuple[str, str, Optional[str]]]:
    """Return (kind, handler-name, secretName) for Infisical API routes."""
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]  # fastify ignoreTrailingSlash
    if path == "/api/v1/auth/universal-auth/login" and method == "POST":
        return ("login", "login", None)
    if path == "/api/v1/auth/token/renew" and method == "POST":
        return ("renew", "renew", None)
    for prefix, version in (("/api/v4/secrets/", "v4"), ("/api/v3/secrets/raw/", "v3")):
        if path.startswith(prefix):
            name = path[len(prefix):]
            if not name or "/" in name:
                return None
            name = unquote(name).strip()
            if method == "GET":
                return ("read", "read_" + version, name)
            if method == "POST":
                return ("write", "create_" + version, name)
            if method == "PATCH":
                return ("write", "update_" + version, name)
            if method == "DELETE":
                return ("write", "delete_" + version, name)
            return None
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes; with Nagle on, the second waits for the
    # client's delayed ACK (~40 ms), a stall real Infisical does not have.
    disable_nagle_algorithm = True
    server_version = "infisical-fake/1"
    sys_version = ""
    state: State = None  # type: ignore[assignment]  (set on the subclass)

    # silence BaseHTTPRequestHandler's own logging (it would include nothing
    # secret, but we want exactly one line per request in our own format)
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:
        self.dispatch()

    def do_POST(self) -> None:
        self.dispatch()

    def do_PUT(self) -> None:
        self.dispatch()

    def do_PATCH(self) -> None:
        self.dispatch()

    def do_DELETE(self) -> None:
        self.dispatch()

    # ---- plumbing ------------------------------------------------------------
    def read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def parse_json(self, raw: bytes) -> Dict[str, Any]:
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw.decode("utf-8"))
        except Exception:
            raise bad_request("Body is not valid JSON")
        if not isinstance(body, dict):
            raise validation_error([{"code": "invalid_type", "expected": "object",
                                     "received": zod_type_name(body), "path": [],
                                     "message": "Expected object, received " + zod_type_name(body)}])
        return body

    def send_json(self, status: int, obj: Any, headers: Optional[Dict[str, str]] = None) -> None:
        if getattr(self, "_swallow_answer", False):
            return  # failWrite afterCommit: the write ran, its answer is lost
        data = json.dumps(obj).encode("utf-8")
        if getattr(self, "_api_kind", None) == "read" and status == 200:
            with self.state.lock:
                answer_delay_ms = self.state.config.get("readAnswerDelayMs") or 0
            if answer_delay_ms > 0:
                time.sleep(answer_delay_ms / 1000.0)  # the value was read before the wait
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self._status = status

    def send_error_body(self, err: ApiError) -> None:
        body: Dict[str, Any] = {"reqId": new_req_id(), "statusCode": err.status,
                                "message": err.message, "error": err.error}
        if err.details is not None:
            body["details"] = err.details
        self.send_json(err.status, body, err.headers)

    def log_line(self, kind: str, started: float) -> None:
        ms = (time.monotonic() - started) * 1000.0
        line = '%s "%s %s" %s kind=%s %.1fms\n' % (
            iso_now(), self.command, self.path, getattr(self, "_status", "-"), kind, ms)
        try:
            sys.stderr.write(line)
            sys.stderr.flush()
        except Exception:
            pass

    def dispatch(self) -> None:
        started = time.monotonic()
        self._status = None
        kind = "-"
        try:
            raw = self.read_body()
            parts = urlsplit(self.path)
            path = parts.path
            query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            if path.startswith("/__test__/"):
                kind = "control"
                self.handle_control(path, raw)
                return
            r = route(self.command, path)
            if r is None:
                self.send_json(404, {"message": "Route %s:%s not found" % (self.command, path),
                                     "error": "Not Found", "statusCode": 404})
                return
            kind, handler, name = r
            self.api_request(kind, handler, name, query, raw)
        except ApiError as err:
            self.send_error_body(err)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as exc:  # pragma: no cover - defensive
            sys.stderr.write("internal error: %s\n" % type(exc).__name__)
            try:
                self.send_error_body(ApiError(500, "InternalServerError", "Something went wrong"))
            except Exception:
                self.close_connection = True
        finally:
            self.log_line(kind, started)
            if self._status is not None and kind != "control":
                with self.state.lock:
                    by = self.state.stats["responses_by_status"]
                    by[str(self._status)] = by.get(str(self._status), 0) + 1

    # ---- Infisical API ---------------------------------------------------------
    def api_request(self, kind: str, handler: str, name: Optional[str],
                    query: Dict[str, str], raw: bytes) -> None:
        st = self.state
        self._api_kind = kind
        with st.lock:
            st.stats["requests"][kind] += 1
            if kind == "read" and name is not None:
                st.stats["reads_by_secret"][name] = st.stats["reads_by_secret"].get(name, 0) + 1
            op = handler.split("_", 1)[0] if kind == "write" else None
            if op is not None:
                st.stats["writes_by_op"][op] += 1
                if name is not None:
                    st.stats["writes_by_secret"][name] = st.stats["writes_by_secret"].get(name, 0) + 1
                    by_op = st.stats[op + "s_by_secret"]
                    by_op[name] = by_op.get(name, 0) + 1
            delay_ms = st.config.get("delayMs") or 0
        if delay_ms > 0:
            time.sleep(delay_ms / 1000.0)  # outside the lock: requests stay concurrent
        with st.lock:
            if st.config.get("down"):
                raise ApiError(503, "ServiceUnavailable", "Service Unavailable")
            fail = st.config.get("failNext")
            if fail and fail.get("count", 0) > 0 and kind in (fail.get("kinds") or KINDS):
                fail["count"] -= 1
                status = int(fail.get("status", 500))
                retry_after = fail.get("retryAfter")
                if fail["count"] <= 0:
                    st.config["failNext"] = None
                raise self.injected_error(status, retry_after)
            after_commit_error: Optional[ApiError] = None
            fw = st.config.get("failWrite")
            if kind == "write" and fw:
                if fw["nth"] > 1:
                    fw["nth"] -= 1
                else:
                    st.config["failWrite"] = None
                    err = self.injected_error(fw["status"], fw.get("retryAfter"))
                    if not fw.get("afterCommit"):
                        raise err
                    after_commit_error = err
            frb = st.config.get("failReadBack")
            if kind == "read" and frb and frb["name"] == name:
                frb["count"] -= 1
                if frb["count"] <= 0:
                    st.config["failReadBack"] = None
                if frb["status"] == 404:
                    raise not_found("Secret with name '%s' not found" % name)
                raise self.injected_error(frb["status"], None)
        if after_commit_error is None:
            getattr(self, "api_" + handler)(name, query, raw)
            return
        # The write runs to completion (applied or refused on its own merits), then its
        # answer is replaced by the injected error: a write whose answer was lost.
        self._swallow_answer = True
        try:
            getattr(self, "api_" + handler)(name, query, raw)
        except ApiError:
            pass
        finally:
            self._swallow_answer = False
        raise after_commit_error

    @staticmethod
    def injected_error(status: int, retry_after: Any) -> ApiError:
        headers: Dict[str, str] = {}
        if isinstance(retry_after, str):
            # A raw header value ("-inf", "1e300"): a hostile upstream, for hookd's hardening tests.
            return ApiError(status, "RateLimitExceeded" if status == 429 else "Error", "Injected failure",
                            {"Retry-After": retry_after})
        if status == 429:
            secs = int(retry_after) if retry_after is not None else 1
            headers = {"Retry-After": str(secs), "x-ratelimit-limit": "600",
                       "x-ratelimit-remaining": "0", "x-ratelimit-reset": str(secs)}
            return ApiError(429, "RateLimitExceeded",
                            "Rate limit exceeded. Please try again in %d seconds" % secs, headers)
        if retry_after is not None:
            headers["Retry-After"] = str(int(retry_after))
        if status == 500:
            return ApiError(500, "InternalServerError", "Something went wrong", headers)
        if status == 503:
            return ApiError(503, "ServiceUnavailable", "Service Unavailable", headers)
        if status == 504:
            return ApiError(504, "GatewayTimeoutError", "Timeout error", headers)
        names = {400: "BadRequest", 401: "UnauthorizedError", 403: "ForbiddenError",
                 404: "NotFound", 502: "BadGateway"}
        return ApiError(status, names.get(status, "Error"), "Injected failure", headers)

    def api_login(self, _name: Any, _query: Any, raw: bytes) -> None:
        body = self.parse_json(raw)
        issues: List[Dict[str, Any]] = []
        client_id = require_str(body, "clientId", issues)
        client_secret = require_str(body, "clientSecret", issues)
        if issues:
            raise validation_error(issues)
        client_id = (client_id or "").strip()
        client_secret = (client_secret or "").strip()
        st = self.state
        now = time.time()
        with st.lock:
            identity = st.identities.get(client_id)
            if identity is None:
                raise unauthorized("Invalid credentials")
            lock = st.lockouts.get(client_id)
            if lock is not None and now >= lock["until"]:
                st.lockouts.pop(client_id, None)
                lock = None
            if lock is not None and lock["locked"]:
                raise unauthorized("This identity auth method is temporarily locked, "
                                   "please try again later")
            if not hmac.compare_digest(client_secret.encode(), identity["clientSecret"].encode()):
                if identity["lockoutEnabled"]:
                    cfg = st.config
                    if lock is None:
                        lock = {"failed": 0, "locked": False, "until": 0.0}
                        st.lockouts[client_id] = lock
                    lock["failed"] += 1
                    if lock["failed"] >= int(cfg["lockoutAttempts"]):
                        lock["locked"] = True
                        lock["until"] = now + float(cfg["lockoutSeconds"])
                    else:
                        lock["until"] = now + float(cfg["lockoutCounterResetSeconds"])
                raise unauthorized("Invalid credentials")
            if lock is not None:
                st.lockouts.pop(client_id, None)
            record = {
                "id": str(uuid.uuid4()),
                "identityId": identity["identityId"],
                "clientId": client_id,
                "clientSecretId": identity["clientSecretId"],
                "ttl": identity["ttl"],
                "maxTTL": identity["maxTTL"],
                "createdAt": now,
                "lastRenewedAt": None,
                "revoked": False,
            }
            st.access_tokens[record["id"]] = record
            token = st.issue_jwt(record, now)
        self.send_json(200, {"accessToken": token, "expiresIn": out_num(record["ttl"]),
                             "accessTokenMaxTTL": out_num(record["maxTTL"]),
                             "tokenType": "Bearer"})

    def api_renew(self, _name: Any, _query: Any, raw: bytes) -> None:
        body = self.parse_json(raw)
        issues: List[Dict[str, Any]] = []
        token = require_str(body, "accessToken", issues)
        if issues:
            raise validation_error(issues)
        token = (token or "").strip()
        st = self.state
        now = time.time()
        with st.lock:
            entry = st.verify_jwt(token, now)
            record = st.access_tokens.get(entry["atid"])
            if record is None or record.get("revoked"):
                raise unauthorized("No identity access token found")
            st.check_record_ttl(record, now)
            if record["maxTTL"] > 0:
                expiration = record["createdAt"] + record["maxTTL"]
                if now > expiration:
                    st.access_tokens.pop(record["id"], None)
                    raise unauthorized("Failed to renew MI access token due to Max TTL expiration")
                if now + record["ttl"] > expiration:
                    st.access_tokens.pop(record["id"], None)
                    raise unauthorized("Failed to renew MI access token past its Max TTL expiration")
            record["lastRenewedAt"] = now
            new_token = st.issue_jwt(record, now)
        self.send_json(200, {"accessToken": new_token, "expiresIn": out_num(record["ttl"]),
                             "accessTokenMaxTTL": out_num(record["maxTTL"]),
                             "tokenType": "Bearer"})

    # ---- secrets ---------------------------------------------------------------
    def check_project(self, identity: Dict[str, Any], project: str) -> None:
        allowed = identity.get("projects")
        if allowed is not None and project not in allowed:
            raise ApiError(403, "Identity is not a member of the specified project with ID '%s'"
                           % project, "You are not allowed to access this resource")

    @staticmethod
    def check_write_permission(identity: Dict[str, Any], action: str) -> None:
        """A read-only identity: CASL's ForbiddenError, as Infisical's error handler answers it."""
        if identity.get("readOnly"):
            raise ApiError(403, "PermissionDenied", "You are not allowed to %s on secrets" % action,
                           details=[])

    @staticmethod
    def secret_json(sec: Dict[str, Any], value: Optional[str] = None,
                    hidden: bool = False, with_path: bool = True,
                    version: Optional[int] = None) -> Dict[str, Any]:
        out: Dict[str, Any] = {
            "id": sec["id"],
            "_id": sec["id"],
            "workspace": sec["project"],
            "environment": sec["env"],
            "version": sec["version"] if version is None else version,
            "type": "shared",
            "secretKey": sec["key"],
            "secretValue": HIDDEN_MASK if hidden else (sec["value"] if value is None else value),
            "secretComment": sec["comment"] or "",
            "secretReminderNote": None,
            "secretReminderRepeatDays": None,
            "skipMultilineEncoding": False,
            "createdAt": sec["createdAt"],
            "updatedAt": sec["updatedAt"],
            "actor": None,
            "isRotatedSecret": False,
            "rotationId": None,
            "secretValueHidden": hidden,
        }
        if with_path:
            out["secretPath"] = sec["path"]
            out["tags"] = []
            out["secretMetadata"] = []
        return out

    def api_read_v4(self, name: str, query: Dict[str, str], _body: Any) -> None:
        identity = self.auth()
        if "projectId" not in query:
            raise validation_error([zod_required("projectId")])
        self.read_common(identity, name, query, query["projectId"].strip(), "You must provide  workspaceId")

    def api_read_v3(self, name: str, query: Dict[str, str], _body: Any) -> None:
        identity = self.auth()
        project = (query.get("workspaceId") or "").strip()
        if not project:
            # extractProjectIdFromSlug runs before the environment check in v3
            raise bad_request("You must provide projectSlug or workspaceId")
        self.read_common(identity, name, query, project, "You must provide projectSlug or workspaceId")

    def read_common(self, identity: Dict[str, Any], name: str, query: Dict[str, str],
                    project: str, missing_project_msg: str) -> None:
        type_ = query.get("type", "shared")
        if type_ not in ("shared", "personal"):
            raise validation_error([{"code": "invalid_enum_value", "options": ["shared", "personal"],
                                     "received": type_, "path": ["type"],
                                     "message": "Invalid enum value. Expected 'shared' | 'personal', "
                                                "received '%s'" % type_}])
        version = None
        if "version" in query:
            try:
                version = int(float(query["version"]))
            except ValueError:
                raise validation_error([{"code": "invalid_type", "expected": "number",
                                         "received": "nan", "path": ["version"],
                                         "message": "Expected number, received nan"}])
        view = query.get("viewSecretValue", "true")
        if view not in ("true", "false"):
            raise validation_error([{"code": "invalid_enum_value", "options": ["true", "false"],
                                     "received": view, "path": ["viewSecretValue"],
                                     "message": "Invalid enum value."}])
        env = (query.get("environment") or "").strip()
        if not env:
            raise bad_request("Missing environment")
        if not project:
            raise bad_request(missing_project_msg)
        path = normalize_path(query.get("secretPath"))
        st = self.state
        with st.lock:
            self.check_project(identity, project)
            if not st.folder_exists(project, env, path):
                raise not_found("Folder with path '%s' in environment with slug '%s' not found"
                                % (path, env), "GetSecretByName")
            sec = st.secrets.get((project, env, path, name))
            if sec is None or type_ != "shared":
                raise not_found("Secret with name '%s' not found" % name)
            value = sec["value"]
            if version is not None:
                if version not in sec["history"]:
                    raise not_found("Secret with name '%s' not found" % name)
                value = sec["history"][version]
            rbv = st.config.get("readBackValue")
            if rbv and rbv["name"] == name:
                value = rbv["value"]
            out = self.secret_json(sec, value=value, hidden=(view == "false"), version=version)
        self.send_json(200, {"secret": out})

    def write_common(self, name: str, raw: bytes, version: str, create: bool) -> None:
        identity = self.auth()  # onRequest auth runs before body parsing/validation
        body = self.parse_json(raw)
        issues: List[Dict[str, Any]] = []
        if version == "v4":
            project = require_str(body, "projectId", issues)
        else:
            project = optional_str(body, "workspaceId", issues)
        env = require_str(body, "environment", issues)
        path_in = optional_str(body, "secretPath", issues)
        if create:
            value = require_str(body, "secretValue", issues)
        else:
            value = optional_str(body, "secretValue", issues)
        comment = optional_str(body, "secretComment", issues)
        new_name = None if create else optional_str(body, "newSecretName", issues)
        type_ = body.get("type", "shared")
        if type_ not in ("shared", "personal"):
            issues.append({"code": "invalid_enum_value", "options": ["shared", "personal"],
                           "received": type_, "path": ["type"], "message": "Invalid enum value."})
        if create and not name:
            issues.append({"code": "too_small", "minimum": 1, "type": "string", "inclusive": True,
                           "exact": False, "path": ["secretName"],
                           "message": "String must contain at least 1 character(s)"})
        if issues:
            raise validation_error(issues)
        project = (project or "").strip()
        env = (env or "").strip()
        if not project:
            raise bad_request("You must provide projectSlug or workspaceId")
        path = normalize_path(path_in)
        if value is not None:
            value = trim_secret_value(value)
        if comment is not None and create:
            comment = comment.strip()
        st = self.state
        with st.lock:
            self.check_project(identity, project)
            if not st.folder_exists(project, env, path):
                raise not_found("Folder with path '%s' in environment with slug '%s' not found"
                                % (path, env), "CreateSecret" if create else "UpdateSecret")
            if type_ != "shared":
                raise bad_request("Must be user to create personal secret")
            key = (project, env, path, name)
            sec = st.secrets.get(key)
            if create:
                if sec is not None:
                    raise bad_request("Secret already exist")
                self.check_write_permission(identity, "create")
                sec = st.make_secret(project, env, path, name, value or "", comment or "")
                st.secrets[key] = sec
                st.count_committed("create", name)
                out = self.secret_json(sec, with_path=False)
                out.pop("secretValueHidden", None)
            else:
                if sec is None:
                    raise not_found("Secret with name %s not found" % name)
                self.check_write_permission(identity, "edit")
                if new_name == "":
                    raise bad_request("New secret name cannot be empty")
                if new_name and new_name != name:
                    if (project, env, path, new_name) in st.secrets:
                        raise bad_request("Secret with the new name already exist")
                    st.secrets.pop(key)
                    sec["key"] = new_name
                    st.secrets[(project, env, path, new_name)] = sec
                st.update_secret(sec, value, comment)
                st.count_committed("update", name)
                # Infisical echoes `inputSecret.secretValue || ""`
                out = self.secret_json(sec, value=value or "", with_path=False)
        self.send_json(200, {"secret": out})

    def api_create_v4(self, name: str, _q: Any, raw: bytes) -> None:
        self.write_common(name, raw, "v4", create=True)

    def api_create_v3(self, name: str, _q: Any, raw: bytes) -> None:
        self.write_common(name, raw, "v3", create=True)

    def api_update_v4(self, name: str, _q: Any, raw: bytes) -> None:
        self.write_common(name, raw, "v4", create=False)

    def api_update_v3(self, name: str, _q: Any, raw: bytes) -> None:
        self.write_common(name, raw, "v3", create=False)

    def delete_common(self, name: str, raw: bytes, version: str) -> None:
        identity = self.auth()
        body = self.parse_json(raw)
        issues: List[Dict[str, Any]] = []
        if version == "v4":
            project = require_str(body, "projectId", issues)
        else:
            project = optional_str(body, "workspaceId", issues)
        env = require_str(body, "environment", issues)
        path_in = optional_str(body, "secretPath", issues)
        type_ = body.get("type", "shared")
        if type_ not in ("shared", "personal"):
            issues.append({"code": "invalid_enum_value", "options": ["shared", "personal"],
                           "received": type_, "path": ["type"], "message": "Invalid enum value."})
        if not name:
            issues.append({"code": "too_small", "minimum": 1, "type": "string", "inclusive": True,
                           "exact": False, "path": ["secretName"],
                           "message": "String must contain at least 1 character(s)"})
        if issues:
            raise validation_error(issues)
        project = (project or "").strip()
        env = (env or "").strip()
        if not project:
            raise bad_request("You must provide projectSlug or workspaceId")
        path = normalize_path(path_in)
        st = self.state
        with st.lock:
            self.check_project(identity, project)
            if not st.folder_exists(project, env, path):
                raise not_found("Folder with path '%s' in environment with slug '%s' not found"
                                % (path, env), "DeleteSecret")
            if type_ != "shared":
                raise bad_request("Must be user to delete personal secret")
            key = (project, env, path, name)
            sec = st.secrets.get(key)
            if sec is None:
                raise not_found("Secret not found")
            self.check_write_permission(identity, "delete")
            st.secrets.pop(key)
            st.count_committed("delete", name)
            # Infisical answers with the deleted row: its last version and (decrypted) value.
            out = self.secret_json(sec, with_path=False)
        self.send_json(200, {"secret": out})

    def api_delete_v4(self, name: str, _q: Any, raw: bytes) -> None:
        self.delete_common(name, raw, "v4")

    def api_delete_v3(self, name: str, _q: Any, raw: bytes) -> None:
        self.delete_common(name, raw, "v3")

    def auth(self) -> Dict[str, Any]:
        with self.state.lock:
            return self.state.authenticate(self.headers.get("Authorization"), time.time())

    # ---- test controls ---------------------------------------------------------
    def handle_control(self, path: str, raw: bytes) -> None:
        st = self.state
        method = self.command
        body = self.parse_json(raw) if method in ("POST", "PUT", "DELETE", "PATCH") else {}
        with st.lock:
            if path == "/__test__/identities" and method == "POST":
                ident = st.add_identity(body)
                out: Any = {"identityId": ident["identityId"], "clientId": ident["clientId"]}
            elif path == "/__test__/secrets" and method == "PUT":
                sec = st.put_secret(body)
                out = {"secret": self.secret_json(sec)}
            elif path == "/__test__/secrets" and method == "DELETE":
                key = st.control_secret_key(body)
                if st.secrets.pop(key, None) is None:
                    raise not_found("Secret with name '%s' not found" % key[3])
                out = {"deleted": True}
            elif path == "/__test__/folders" and method == "POST":
                project, env, fpath, _ = st.control_secret_key(dict(body, name="-"))
                st.add_folder(project, env, fpath)
                out = {"ok": True}
            elif path == "/__test__/config" and method == "POST":
                self.apply_config(body)
                out = self.config_json()
            elif path == "/__test__/config" and method == "GET":
                out = self.config_json()
            elif path == "/__test__/stats" and method == "GET":
                out = json.loads(json.dumps(st.stats))
            elif path == "/__test__/reset-stats" and method == "POST":
                st.reset_stats()
                out = {"ok": True}
            elif path == "/__test__/expire-tokens" and method == "POST":
                now = time.time()
                for entry in st.jwts.values():
                    entry["exp"] = now - 0.001
                out = {"expired": len(st.jwts)}
            elif path == "/__test__/revoke-tokens" and method == "POST":
                for rec in st.access_tokens.values():
                    rec["revoked"] = True
                out = {"revoked": len(st.access_tokens)}
            elif path == "/__test__/clear-lockouts" and method == "POST":
                st.lockouts.clear()
                out = {"ok": True}
            else:
                raise not_found("No test control %s %s" % (method, path))
        self.send_json(200, out)

    def config_json(self) -> Dict[str, Any]:
        return json.loads(json.dumps(self.state.config))

    def apply_config(self, body: Dict[str, Any]) -> None:
        apply_config(self.state, body)


def apply_config(st: State, body: Dict[str, Any]) -> None:
    cfg = st.config
    known = {"delayMs", "readAnswerDelayMs", "failNext", "failWrite", "failReadBack", "readBackValue",
             "down", "lockoutAttempts", "lockoutSeconds", "lockoutCounterResetSeconds"}
    unknown = set(body) - known
    if unknown:
        raise bad_request("unknown config keys: %s" % ", ".join(sorted(unknown)))
    if "delayMs" in body:
        cfg["delayMs"] = num(body["delayMs"], "delayMs")
    if "readAnswerDelayMs" in body:
        cfg["readAnswerDelayMs"] = num(body["readAnswerDelayMs"], "readAnswerDelayMs")
    if "down" in body:
        cfg["down"] = bool(body["down"])
    for k in ("lockoutAttempts", "lockoutSeconds", "lockoutCounterResetSeconds"):
        if k in body:
            cfg[k] = num(body[k], k)
    if "failNext" in body:
        fn = body["failNext"]
        if fn is None:
            cfg["failNext"] = None
        else:
            if not isinstance(fn, dict):
                raise bad_request("failNext must be an object or null")
            status = fn.get("status")
            if not isinstance(status, int) or not 400 <= status <= 599:
                raise bad_request("failNext.status must be an HTTP error status")
            count = fn.get("count", 1)
            if not isinstance(count, int) or count < 0:
                raise bad_request("failNext.count must be a non-negative integer")
            kinds = fn.get("kinds")
            if kinds is not None and (not isinstance(kinds, list) or not set(kinds) <= set(KINDS)):
                raise bad_request("failNext.kinds must be a subset of %s" % list(KINDS))
            ra = fn.get("retryAfter")
            if ra is not None and not isinstance(ra, str):
                num(ra, "failNext.retryAfter")
            cfg["failNext"] = {"status": status, "count": count, "retryAfter": ra,
                               "kinds": kinds} if count > 0 else None
    if "failWrite" in body:
        fw = body["failWrite"]
        if fw is None:
            cfg["failWrite"] = None
        else:
            if not isinstance(fw, dict):
                raise bad_request("failWrite must be an object or null")
            status = error_status(fw.get("status"), "failWrite.status")
            nth = fw.get("nth", 1)
            if isinstance(nth, bool) or not isinstance(nth, int) or nth < 1:
                raise bad_request("failWrite.nth must be an integer >= 1")
            after = fw.get("afterCommit", False)
            if not isinstance(after, bool):
                raise bad_request("failWrite.afterCommit must be a boolean")
            ra = fw.get("retryAfter")
            if ra is not None and not isinstance(ra, str):
                num(ra, "failWrite.retryAfter")
            cfg["failWrite"] = {"nth": nth, "status": status, "afterCommit": after, "retryAfter": ra}
    if "failReadBack" in body:
        frb = body["failReadBack"]
        if frb is None:
            cfg["failReadBack"] = None
        else:
            if not isinstance(frb, dict):
                raise bad_request("failReadBack must be an object or null")
            name = frb.get("name")
            if not isinstance(name, str) or not name:
                raise bad_request("failReadBack.name is required")
            status = error_status(frb.get("status"), "failReadBack.status")
            count = frb.get("count", 1)
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise bad_request("failReadBack.count must be a non-negative integer")
            cfg["failReadBack"] = {"name": name, "status": status, "count": count} if count > 0 else None
    if "readBackValue" in body:
        rbv = body["readBackValue"]
        if rbv is None:
            cfg["readBackValue"] = None
        else:
            if not isinstance(rbv, dict):
                raise bad_request("readBackValue must be an object or null")
            name = rbv.get("name")
            if not isinstance(name, str) or not name:
                raise bad_request("readBackValue.name is required")
            if not isinstance(rbv.get("value"), str):
                raise bad_request("readBackValue.value must be a string")
            cfg["readBackValue"] = {"name": name, "value": rbv["value"]}


def error_status(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 400 <= value <= 599:
        raise bad_request("%s must be an HTTP error status" % what)
    return value


def load_state(st: State, path: str) -> None:
    with open(path, "r", encoding="utf-8") as fh:
        data = json.load(fh)
    with st.lock:
        for ident in data.get("identities", []):
            st.add_identity(ident)
        for folder in data.get("folders", []):
            project, env, fpath, _ = st.control_secret_key(dict(folder, name="-"))
            st.add_folder(project, env, fpath)
        for sec in data.get("secrets", []):
            st.put_secret(sec)
        if data.get("config"):
            apply_config(st, data["config"])


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description="Fake Infisical API server for tests")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--state-file")
    args = ap.parse_args(argv)

    state = State()
    if args.state_file:
        try:
            load_state(state, args.state_file)
        except ApiError as err:
            sys.stderr.write("bad state file: %s\n" % err.message)
            return 2
    handler = type("BoundHandler", (Handler,), {"state": state})
    httpd = FixtureServer((args.host, args.port), handler)
    port = httpd.server_address[1]

    def ready() -> None:
        write_atomically(args.port_file, b"%d\n" % port)
        sys.stderr.write("infisical-fake listening on %s:%d (pid %d)\n" % (args.host, port, os.getpid()))
        sys.stderr.flush()

    return serve_until_signalled("infisical-fake", [httpd], ready)


if __name__ == "__main__":
    sys.exit(main())
