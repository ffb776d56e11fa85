# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Internal to this collection: not a public API; may change without notice.

"""The transport of the client: auth and headers, JSON, retries, the
error mapping and the redaction of secrets. Resource paths are in _client.py,
paged reads in _paging.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import datetime
import json
import random
import re
import threading
import time
import traceback
from email.utils import parsedate_to_datetime

from ansible_collections.losant.platform.plugins.module_utils._pacing import Pacer

try:
    import requests
except ImportError:
    requests = None
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    REQUESTS_IMPORT_ERROR = None

# The Losant API version of the schemas the collection is checked against
# (shared/losant-api: those of the official client built for API 1.29.3). As
# Losant's official clients do, every request asks for it: any 1.x from it on.
API_VERSION = "1.29.3"
ACCEPT_VERSION = "^" + API_VERSION
# A 429's Retry-After is honoured up to this many seconds at a time.
RETRY_AFTER_CAP = 60
# How long, in all, one request keeps waiting while Losant answers 429 (rate_limit_max_wait).
RATE_LIMIT_MAX_WAIT = 300
RATE_LIMIT_MIN_PAUSE = 0.1
# Statuses after which the request may or may not have reached Losant.
GATEWAY_STATUSES = (502, 503, 504)
# ... and after which it may even still be under way (Losant had not answered yet).
IN_FLIGHT_STATUSES = (504,)
REDACTED = "********"
# What a refused token means, added to Losant's own words.
AUTH_HINTS = {
    401: "the API token was refused (unknown, expired or malformed); check api_token",
    403: "the API token lacks the scope (permission) this request needs, or access to this application",
}


class LosantApiError(Exception):
    """A request failed; the message names method, path, status and Losant's error."""

    def __init__(self, message, method=None, path=None, status=None, error_type=None, losant_message=None,
                 outcome_unknown=False):
        super(LosantApiError, self).__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.status = status
        self.error_type = error_type
        # Losant's own words ("Experience User was not found"), None for a body that is not Losant's.
        self.losant_message = losant_message
        # A write that may or may not have landed: no answer came, and reading it back did not show it.
        self.outcome_unknown = outcome_unknown

    def says_not_found(self, resource):
        """Whether Losant answered that ``resource`` ("Experience User") itself was not found:
        the only 404 that means "absent" (a wrong application id or api_url answers 404 too)."""
        words = (self.losant_message or "").lower()
        return self.status == 404 and self.error_type == "NotFound" and resource.lower() in words \
            and "not found" in words


class UngatedWrite(RuntimeError):
    """A write request the write gate (_write_gate.py) did not admit: a bug of the collection, never sent."""


class _Failure:
    """One failed attempt: why, how long to wait, and whether it may have taken effect."""

    def __init__(self, reason, delay, ambiguous, error=None, in_flight=False, rate_limited=False, answered=True):
        self.reason = reason
        self.delay = delay
        self.ambiguous = ambiguous
        self.error = error
        self.in_flight = in_flight
        self.rate_limited = rate_limited
        self.answered = answered
        self.resume_at = 0.0    # for a 429: when the pause of every thread ends
        self.give_up = False    # for a 429: waiting longer would pass rate_limit_max_wait


class Transport:
    """One application's API: send a request, retry what is safe to retry, map the errors.

    Safe to share between threads: each thread gets its own HTTP session
    (unless ``session`` is given), and all of them share one Pacer, so that
    at most ``workers`` requests are in flight and a 429 slows them all down.
    """

    def __init__(self, api_url, api_token, application_id, validate_certs=True,
                 timeout=30, retries=5, session=None, sleep=None,
                 backoff_base=0.5, backoff_cap=30.0, workers=1, rate_limit_max_wait=RATE_LIMIT_MAX_WAIT):
        self.api_url = api_url.rstrip("/")
        self.application_id = application_id
        self.timeout = timeout
        self.retries = retries
        self.rate_limit_max_wait = rate_limit_max_wait
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.workers = max(1, workers)
        self._sleep = sleep or time.sleep
        self.pacer = Pacer(self.workers, sleep=self._sleep)
        self._secrets = [api_token]
        # Also given with each request: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE
        # override a session's own verify (psf/requests#3829), so ca_path and
        # validate_certs=false would be ignored wherever those are set.
        self.verify = validate_certs
        self._headers = {
            "Authorization": "Bearer " + api_token,
            "Accept": "application/json",
            "Accept-Version": ACCEPT_VERSION,
            "Content-Type": "application/json",
        }
        self._shared_session = None if session is None else self._configured(session)
        self._local = threading.local()

    def _configured(self, session):
        session.verify = self.verify
        session.headers.update(self._headers)
        return session

    @property
    def session(self):
        """This thread's HTTP session (requests does not promise that one is safe to share)."""
        if self._shared_session is not None:
            return self._shared_session
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = self._configured(requests.Session())
        return session

    # -- secrets ---------------------------------------------------------
    def add_secret(self, value):
        """Never let ``value`` appear in an error message (e.g. echoed by a proxy)."""
        if value:
            self._secrets.append(value)

    def redact(self, text):
        for secret in self._secrets:
            if secret:
                # also as repr() escapes it, as in "invalid header value 'Bearer ...\\n'"
                text = text.replace(secret, REDACTED).replace(repr(secret)[1:-1], REDACTED)
        return text

    # -- the write permit ----------------------------------------------------
    @contextlib.contextmanager
    def permitted(self, method, path):
        """Let this thread send exactly ``method path``: only the write gate opens this."""
        previous = getattr(self._local, "permit", None)
        self._local.permit = (method, path)
        try:
            yield
        finally:
            self._local.permit = previous

    def _check_permit(self, method, path):
        if method != "GET" and getattr(self._local, "permit", None) != (method, path):
            raise UngatedWrite("%s %s was not admitted by the write gate" % (method, path))

    # -- transport -------------------------------------------------------
    def request(self, method, path, params=None, body=None, recover=None, repeatable=True):
        """Send one API request and return its decoded JSON body.

        Retries after a 502/503/504 or a connection failure, up to ``retries``
        times. A 429 is flow control, not a failure: it uses up no retry, and
        the request waits as Losant asks (every thread of the client with it)
        for up to ``rate_limit_max_wait`` seconds in all.

        A write whose outcome is unknown (no answer, or a gateway's 502/503/504)
        is settled before anything else: ``recover()`` reads the resource back
        and returns it when the write has landed, which then counts as done.
        Otherwise a PATCH or DELETE is sent again (they set, so a repeat is
        harmless); a POST without ``recover`` is never repeated. If the
        repeat is refused as AlreadyExists, the first attempt landed late:
        ``recover()`` finds it. ``repeatable=False`` is for resources Losant
        does not keep unique (groups by name): after a timeout the first POST
        may still land after the lookup, so it is not repeated. When the
        retries run out with the outcome still unknown, the error says so
        (``outcome_unknown``).
        """
        self._check_permit(method, path)
        url = self.api_url + path
        data = None if body is None else json.dumps(body)
        writes = method != "GET"
        attempt = 0             # failures that used up a retry
        rate_limited = [0, 0.0]  # 429s answered, seconds waited for them
        uncertain = False       # an attempt may have taken effect
        repeated_post = False
        waited_until = 0.0
        while True:
            failure = self._paced_attempt(method, url, path, params, data, attempt, waited_until, rate_limited)
            if not isinstance(failure, _Failure):
                return failure
            if failure.error is not None:
                # A write answered with an unreadable success, or refused as already there after a repeat
                # of a lost POST: it has landed, and reading it back says how.
                settle = failure.error.outcome_unknown or (repeated_post and failure.error.error_type == "AlreadyExists")
                if settle and recover is not None:
                    found = recover()
                    if found is not None:
                        return found
                raise failure.error
            if failure.rate_limited:
                if failure.give_up:
                    raise self._error(method, path, "%s; Losant kept asking to wait (HTTP 429) for %.0f s in all, "
                                      "more than rate_limit_max_wait=%s%s" % (
                                          failure.reason, rate_limited[1], _number(self.rate_limit_max_wait),
                                          "; the write may or may not have landed: run the task again to converge"
                                          if uncertain else ""), outcome_unknown=uncertain)
                self._sleep(failure.delay)
                rate_limited[1] += failure.delay
                waited_until = failure.resume_at
                continue
            if failure.ambiguous and writes:
                if method == "POST" and recover is None:
                    raise self._error(method, path, failure.reason + "; not retried, as the request may have "
                                      "taken effect", outcome_unknown=True)
                uncertain = True
            if attempt >= self.retries:
                if uncertain and recover is not None:
                    found = recover()  # the last attempt may have landed
                    if found is not None:
                        return found
                raise self._error(method, path, "%s (gave up after %d retries)%s" % (
                    failure.reason, self.retries, _UNKNOWN_OUTCOME if uncertain else ""), outcome_unknown=uncertain)
            self._sleep(failure.delay)
            attempt += 1
            if failure.ambiguous and writes and recover is not None:
                found = recover()
                if found is not None:
                    return found
                if method == "POST":
                    if failure.in_flight and not repeatable:
                        raise self._error(method, path, failure.reason + "; not repeated: it found nothing yet, but "
                                          "the request may still take effect and a repeat could create a duplicate; "
                                          "look before re-running", outcome_unknown=True)
                    repeated_post = True

    def _paced_attempt(self, method, url, path, params, data, attempt, waited_until, rate_limited):
        """One attempt through the pacer: the answer, or a _Failure whose ``delay`` is set.
        ``rate_limited``: [429s so far, seconds waited for them] of this request."""
        ticket = self.pacer.acquire(waited_until)
        failure = None
        try:
            failure = self._attempt(method, url, path, params, data)
        finally:
            if not isinstance(failure, _Failure):
                self.pacer.release(ticket)
            elif failure.rate_limited:
                if failure.delay is None:
                    failure.delay = self._backoff(rate_limited[0])
                # Even "Retry-After: 0" counts against the bound, so that endless 429s end.
                failure.delay = max(failure.delay, RATE_LIMIT_MIN_PAUSE)
                rate_limited[0] += 1
                failure.give_up = rate_limited[1] + failure.delay > self.rate_limit_max_wait
                # Every thread waits until then; this one sleeps the delay itself. A thread
                # that gives up waits for nothing, and makes no one else wait.
                pause = 0.0 if failure.give_up else failure.delay
                failure.resume_at = self.pacer.release(ticket, rate_limited_for=pause)
            else:
                self.pacer.release(ticket, answered=failure.answered)
                if failure.error is None and failure.delay is None:
                    failure.delay = self._backoff(attempt)
        return failure

    def _attempt(self, method, url, path, params, data):
        """Return the decoded body, or a _Failure describing what went wrong."""
        try:
            response = self.session.request(method, url, params=params, data=data, timeout=self.timeout,
                                            verify=self.verify)
        except requests.exceptions.ConnectTimeout:
            return _Failure("connection timed out after %ss" % self.timeout, None, ambiguous=False, answered=False)
        except requests.exceptions.Timeout:
            return _Failure("no answer within %ss (timeout)" % self.timeout, None, ambiguous=True, in_flight=True,
                            answered=False)
        except requests.exceptions.SSLError as exc:
            return _Failure("", None, False, self._error(method, path, "TLS error: %s; for a private CA give its "
                                                         "bundle as ca_path" % _short(self.redact(str(exc)))))
        except requests.exceptions.ConnectionError as exc:
            return _Failure("connection failed: %s%s" % (_short(self.redact(str(exc))), self._scheme_hint()), None,
                            ambiguous=True, answered=False)
        except requests.exceptions.RequestException as exc:
            return _Failure("", None, False, self._error(
                method, path, "request failed: %s" % _short(self.redact(str(exc)))))

        status = response.status_code
        if status == 429:
            return _Failure(self._describe(response), _retry_after(response), ambiguous=False, rate_limited=True)
        if status in GATEWAY_STATUSES:
            return _Failure(self._describe(response), None, ambiguous=True, in_flight=status in IN_FLIGHT_STATUSES)
        if status >= 400:
            body = _json_or_none(response)
            error_type = body.get("type") if isinstance(body, dict) else None
            losant_message = body.get("message") if isinstance(body, dict) and error_type else None
            reason = self._describe(response)
            if status in AUTH_HINTS:
                reason += "; " + AUTH_HINTS[status]
            elif status == 404:
                reason += self._not_found_hint(error_type, losant_message)
            return _Failure("", None, False, self._error(method, path, reason, status, error_type, losant_message))
        if not response.content:
            return self._unreadable(method, path, status, "an empty body")
        decoded = _json_or_none(response)
        if decoded is None:
            return self._unreadable(method, path, status, "a body that is not JSON (%s)" % _content_type(response))
        return decoded

    def _scheme_hint(self):
        if self.api_url.startswith("http://"):
            return "; api_url starts with http://: Losant's API answers on https:// only"
        return ""

    def _not_found_hint(self, error_type, losant_message):
        """What a 404 that is not about a user or group points at."""
        if error_type is None:
            return "; this is not an answer of Losant's API: check api_url (%s)" % self.api_url
        if "application" in (losant_message or "").lower():
            return "; check application_id (%s): Losant knows no application of that id" % self.application_id
        return ""

    def _unreadable(self, method, path, status, what):
        """A success whose body cannot be read; a write was accepted, so say it has probably taken effect."""
        reason = "HTTP %d with %s" % (status, what)
        if method != "GET":
            reason += "; the %s was accepted, so the change has probably been made: run the task again to " \
                      "converge" % method
        return _Failure("", None, False, self._error(method, path, reason, status, outcome_unknown=method != "GET"))

    def _describe(self, response):
        """'HTTP 400 Validation: message' from a Losant error, or a short note on a foreign body."""
        body = _json_or_none(response)
        if isinstance(body, dict) and ("type" in body or "message" in body):
            return "HTTP %d %s: %s" % (response.status_code, body.get("type", "Error"), body.get("message", ""))
        # Redact before cutting, so that no part of a secret echoed back survives.
        text = re.sub(r"<[^>]*>", " ", self.redact(response.text or ""))
        text = " ".join(text.split())[:200]
        return "HTTP %d with a non-Losant body (%s)%s" % (
            response.status_code, _content_type(response), (": " + text) if text else "")

    def api_error(self, method, path, reason):
        """The error of a request that Losant answered but the client cannot accept (e.g. an incomplete listing)."""
        return self._error(method, path, reason)

    def _error(self, method, path, reason, status=None, error_type=None, losant_message=None, outcome_unknown=False):
        message = self.redact("Losant API request %s %s failed: %s" % (method, path, reason))
        return LosantApiError(message, method=method, path=path, status=status, error_type=error_type,
                              losant_message=None if losant_message is None else self.redact(losant_message),
                              outcome_unknown=outcome_unknown)

    def _backoff(self, attempt):
        # Exponential with jitter, so concurrent runs do not retry in lockstep.
        ceiling = min(self.backoff_cap, self.backoff_base * (2 ** attempt))
        return ceiling / 2 + random.uniform(0, ceiling / 2)


_UNKNOWN_OUTCOME = ("; the write may or may not have landed (reading it back did not show it yet): run the task "
                    "again to converge")


def _number(value):
    return ("%f" % value).rstrip("0").rstrip(".")


def _json_or_none(response):
    try:
        return response.json()
    except ValueError:
        return None


def _content_type(response):
    return response.headers.get("Content-Type") or "no content type"


def _short(text):
    # requests nests urllib3 errors; the innermost reason is the useful part.
    # urllib3 puts the connection object first: "NewConnectionError('<...HTTPSConnection ...>: Failed ...')".
    match = re.search(r"\(Caused by (\w+)\('?(?:<[^>]*>(?:: |, '?))?(.*?)'?\)\)", text)
    if match:
        return "%s: %s" % (match.group(1), match.group(2))
    return text[:300]


def _retry_after(response):
    """Seconds to wait as Retry-After says (seconds or an HTTP date), capped; None if absent."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), RETRY_AFTER_CAP)
