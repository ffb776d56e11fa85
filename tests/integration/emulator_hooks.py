# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The emulator's test hooks (/_emulator/..., see tests/emulator/README.md), for the
test-only actions of the integration targets' setup_emulator role. They are never
logged as Losant requests, so calling them changes no request count."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import urllib.request

# Straight to the emulator on 127.0.0.1, whatever proxy the environment names.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def hook(base_url, path, method="GET", body=None, timeout=60):
    """The decoded JSON answer of one hook."""
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(base_url.rstrip("/") + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with _OPENER.open(request, timeout=timeout) as answer:
        return json.loads(answer.read().decode("utf-8"))


def last_seq(base_url):
    """The sequence number of the last Losant request logged (since=<huge> returns no entry)."""
    return hook(base_url, "/_emulator/requests?since=999999999")["last_seq"]
