"""client_from_module (_losant_module.py): how many requests the client sends at once, with and
without a ``workers`` option, and the connection options it passes on."""

import pytest

from ansible_collections.losant.platform.plugins.module_utils._losant_module import client_from_module

APP = "5f6a7b8c9d0e1f2a3b4c5d6e"


class Module:
    def __init__(self, **params):
        self.params = dict(api_token="tok-1", api_url="https://api.example.test", application_id=APP,
                           validate_certs=True, ca_path=None, timeout=30.0, retries=5, rate_limit_max_wait=300.0)
        self.params.update(params)

    def fail_json(self, **result):
        raise AssertionError(result)


@pytest.mark.parametrize("params, workers", [({}, 8), ({"workers": None}, 8), ({"workers": 3}, 3)])
def test_a_module_without_workers_sends_eight_requests_at_once(params, workers):
    client = client_from_module(Module(**params))
    assert client.workers == workers
    assert client.pacer.limit == workers


def test_the_connection_options_reach_the_client():
    client = client_from_module(Module(api_url="https://api.example.test/", timeout=7.5, retries=2,
                                       rate_limit_max_wait=12.0, ca_path="/etc/ca.pem"))
    assert (client.api_url, client.application_id, client.timeout, client.retries, client.rate_limit_max_wait) == (
        "https://api.example.test", APP, 7.5, 2, 12.0)
    assert client.verify == "/etc/ca.pem"
    assert client_from_module(Module(validate_certs=False, ca_path="/etc/ca.pem")).verify is False
    assert client_from_module(Module()).verify is True
