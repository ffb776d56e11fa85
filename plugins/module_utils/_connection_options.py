# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Internal to this collection: not a public API; may change without notice.

"""The connection options every module shares and the rules their values follow.

Documented once in the ``losant.platform.connection`` doc fragment.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import env_fallback

from ansible_collections.losant.platform.plugins.module_utils._validation import check_id

DEFAULT_API_URL = "https://api.losant.com"

CONNECTION_ARGUMENT_SPEC = dict(
    api_token=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["LOSANT_API_TOKEN"])),
    api_url=dict(type="str", default=DEFAULT_API_URL, fallback=(env_fallback, ["LOSANT_API_URL"])),
    application_id=dict(type="str", required=True, fallback=(env_fallback, ["LOSANT_APPLICATION_ID"])),
    validate_certs=dict(type="bool", default=True),
    ca_path=dict(type="path"),
    timeout=dict(type="float", default=30),
    retries=dict(type="int", default=5),
    rate_limit_max_wait=dict(type="float", default=300),
)


def tls_verify(validate_certs, ca_path):
    """What requests takes as ``verify``: a CA bundle path in place of True, or False."""
    return (ca_path or True) if validate_certs else False


def connection_errors(params):
    """Every rule the connection options break, each naming the option; [] when all is well.
    Checks the options ``params`` has (the inventory plugin has no application_id)."""
    errors = []
    if not params["api_token"] or any(char.isspace() or not char.isprintable() for char in params["api_token"]):
        # Never shown: a token with a stray newline would be echoed by the HTTP library's error.
        errors.append("api_token must be a non-empty token without whitespace or control characters "
                      "(a trailing newline?); its value is not shown")
    if not params["api_url"].startswith(("http://", "https://")):
        errors.append("api_url must start with http:// or https://, got %r" % params["api_url"])
    id_error = check_id("application_id", params["application_id"]) if "application_id" in params else None
    if id_error:
        if params["application_id"].isdigit():
            # YAML reads an unquoted id of digits as a number: leading zeros go, 0-led ones are octal.
            id_error += "; an id of digits only must be quoted in YAML (application_id: \"0123...\"), " \
                        "or it is read as a number"
        errors.append(id_error)
    if params["timeout"] <= 0:
        errors.append("timeout must be a number of seconds greater than 0, got %s" % params["timeout"])
    if params["retries"] < 0:
        errors.append("retries must be 0 or more, got %d" % params["retries"])
    if params.get("rate_limit_max_wait", 0) < 0:
        errors.append("rate_limit_max_wait must be a number of seconds of 0 or more, got %s"
                      % params["rate_limit_max_wait"])
    return errors
