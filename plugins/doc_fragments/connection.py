# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r"""
options:
  api_token:
    description:
      - A Losant API access token for the application.
      - Create one under the application's B(Security > API Tokens).
        It needs the C(all.Application) scope, or the C(experienceUser*) and
        C(experienceGroup*) scopes the task uses. A token with read-only scopes
        (C(all.Application.read)) can run a task in check mode only.
      - If not set, the value of the E(LOSANT_API_TOKEN) environment variable is used.
      - The token never appears in results, diffs, error messages or logs.
    type: str
    required: true
  api_url:
    description:
      - Base URL of the Losant REST API. Change it for a private Losant
        installation or for the bundled emulator.
      - If not set, the value of the E(LOSANT_API_URL) environment variable is
        used, and then the default.
    type: str
    default: https://api.losant.com
  application_id:
    description:
      - The id of the Losant application that holds the experience, 24 hexadecimal characters.
      - If not set, the value of the E(LOSANT_APPLICATION_ID) environment variable is used.
    type: str
    required: true
  validate_certs:
    description:
      - Whether to verify the TLS certificate of O(api_url).
      - Set to V(false) only for a test installation with a self-signed
        certificate; prefer O(ca_path).
    type: bool
    default: true
  ca_path:
    description:
      - A file of PEM CA certificates to verify the certificate of O(api_url)
        with, in place of the system's; for a private installation behind an
        internal certificate authority.
      - Ignored when O(validate_certs=false).
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP request to connect and to answer.
    type: float
    default: 30
  retries:
    description:
      - How many times a request is tried again after HTTP 502, 503 or 504,
        or a connection error or timeout. The wait grows exponentially from
        half a second, with jitter. Other errors are never retried.
      - A 429 (rate limited) is not an error and uses up no retry - see
        O(rate_limit_max_wait).
      - A write whose outcome is unknown (no answer within O(timeout), a lost
        connection, a 502, 503 or 504 after it was sent) is settled first - the
        user or group is read back, and if it already is as the write asked,
        the write counts as done (reported as a change). Otherwise an update or
        delete is sent again; a create is never repeated blindly (the user is
        looked up by email first, so it is never created twice). When the
        retries run out and the outcome is still unknown, the task fails
        saying that the write may or may not have landed, and reports
        C(changed) - run it again to converge.
      - Set to V(0) to fail on the first error.
    type: int
    default: 5
  rate_limit_max_wait:
    description:
      - How many seconds, in all, one request keeps waiting while Losant
        answers HTTP 429 (rate limited); then the task fails.
      - A 429 asks the client to slow down - each wait is the C(Retry-After)
        header's (capped at 60 seconds; without one it grows exponentially
        from half a second). Every concurrent request of the task waits with
        it, and fewer of them run at once until requests succeed again.
      - V(0) fails on the first 429.
    type: float
    default: 300
    version_added: 2.0.0
notes:
  - All modules of this collection belong to the action group C(losant.platform.losant),
    so the connection options can be set once for a play or block with
    C(module_defaults) and C(group/losant.platform.losant).
  - HTTP and HTTPS proxies are taken from the E(HTTPS_PROXY), E(HTTP_PROXY) and
    E(NO_PROXY) environment variables of the host that runs the module.
requirements:
  - requests (Python library, on the host that runs the module)
"""
