# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The connection options every module shares, and the client built from them.

Documented once in the ``losant.platform.connection`` doc fragment.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import copy

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.losant.platform.plugins.module_utils.client import (
    REQUESTS_IMPORT_ERROR,
    LosantApiError,
    LosantClient,
)
from ansible_collections.losant.platform.plugins.module_utils.validation import check_id

DEFAULT_API_URL = "https://api.losant.com"

CONNECTION_ARGUMENT_SPEC = dict(
    api_token=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["LOSANT_API_TOKEN"])),
    api_url=dict(type="str", default=DEFAULT_API_URL, fallback=(env_fallback, ["LOSANT_API_URL"])),
    application_id=dict(type="str", required=True, fallback=(env_fallback, ["LOSANT_APPLICATION_ID"])),
    validate_certs=dict(type="bool", default=True),
    ca_path=dict(type="path"),
    timeout=dict(type="float", default=30),
    retries=dict(type="int", default=5),
)


def argument_spec(**module_options):
    """The module's own options merged with the connection options."""
    spec = copy.deepcopy(CONNECTION_ARGUMENT_SPEC)
    spec.update(module_options)
    return spec


def connection_errors(params):
    errors = []
    if not params["api_token"] or any(char.isspace() or not char.isprintable() for char in params["api_token"]):
        # Never shown: a token with a stray newline would be echoed by the HTTP library's error.
        errors.append("api_token must be a non-empty token without whitespace or control characters "
                      "(a trailing newline?); its value is not shown")
    if not params["api_url"].startswith(("http://", "https://")):
        errors.append("api_url must start with http:// or https://, got %r" % params["api_url"])
    id_error = check_id("application_id", params["application_id"])
    if id_error:
        errors.append(id_error)
    if params["timeout"] <= 0:
        errors.append("timeout must be a number of seconds greater than 0, got %s" % params["timeout"])
    if params["retries"] < 0:
        errors.append("retries must be 0 or more, got %d" % params["retries"])
    return errors


def fail_on_errors(module, errors):
    """Stop before any request when an option breaks a rule, naming every broken rule (None: no error)."""
    errors = [error for error in errors if error]
    if errors:
        module.fail_json(msg="; ".join(errors), errors=errors)


@contextlib.contextmanager
def failures_reported(module, *option_errors):
    """Fail the task on an API error, with its status and type, or on one of ``option_errors``."""
    try:
        yield
    except LosantApiError as exc:
        module.fail_json(msg=exc.message, status=exc.status, error_type=exc.error_type)
    except option_errors as exc:
        module.fail_json(msg=str(exc))


def client_from_module(module):
    if REQUESTS_IMPORT_ERROR:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
    params = module.params
    fail_on_errors(module, connection_errors(params))
    return LosantClient(
        api_url=params["api_url"],
        api_token=params["api_token"],
        application_id=params["application_id"],
        # requests takes a CA bundle path in place of True.
        validate_certs=(params["ca_path"] or True) if params["validate_certs"] else False,
        timeout=params["timeout"],
        retries=params["retries"],
    )
