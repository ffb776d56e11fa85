# -*- coding: utf-8 -*-
# Copyright: losant.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# Internal to this collection: not a public API; may change without notice.

"""What every module of the collection does around its own logic: merge the
connection options into its argument spec, build the client from them, and
turn option and API errors into a failed task."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import copy

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.losant.platform.plugins.module_utils._client import LosantClient
from ansible_collections.losant.platform.plugins.module_utils._transport import REQUESTS_IMPORT_ERROR, LosantApiError
from ansible_collections.losant.platform.plugins.module_utils._connection_options import (
    CONNECTION_ARGUMENT_SPEC,
    connection_errors,
    tls_verify,
)
from ansible_collections.losant.platform.plugins.module_utils._validation import listed


def argument_spec(**module_options):
    """The module's own options merged with the connection options."""
    spec = copy.deepcopy(CONNECTION_ARGUMENT_SPEC)
    spec.update(module_options)
    return spec


def fail_on_errors(module, errors):
    """Stop before any request when an option breaks a rule (None: no error): the message
    names the first 20 broken rules and how many more there are; ``errors`` holds them all."""
    errors = [error for error in errors if error]
    if errors:
        module.fail_json(msg=listed(errors), errors=errors)


@contextlib.contextmanager
def failures_reported(module, *option_errors):
    """Fail the task on an API error, with its status and type, or on one of ``option_errors``."""
    try:
        yield
    except LosantApiError as exc:
        # A write that may have landed is reported as a change: never changed=false while the server changed.
        module.fail_json(msg=exc.message, status=exc.status, error_type=exc.error_type,
                         changed=exc.outcome_unknown)
    except option_errors as exc:
        module.fail_json(msg=str(exc))


# How many requests a module without a workers option (or with it left out) sends at once.
DEFAULT_WORKERS = 8


def client_from_module(module):
    """The API client for the module's connection options (and its ``workers``, if it has the option), after checking them."""
    if REQUESTS_IMPORT_ERROR:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
    params = module.params
    fail_on_errors(module, connection_errors(params))
    return LosantClient(
        api_url=params["api_url"],
        api_token=params["api_token"],
        application_id=params["application_id"],
        validate_certs=tls_verify(params["validate_certs"], params["ca_path"]),
        timeout=params["timeout"],
        retries=params["retries"],
        rate_limit_max_wait=params["rate_limit_max_wait"],
        workers=params.get("workers") or DEFAULT_WORKERS,
    )
