"""The transport under test with the write gate's permit given to every request it sends,
for tests of retries, pacing and error mapping below the gate (tests/unit/plugins/module_utils/
test_write_gate.py tests the gate itself, and that a write without its permit is refused)."""

from ansible_collections.losant.platform.plugins.module_utils._client import LosantClient


class PermittedClient(LosantClient):
    def request(self, method, path, *args, **kwargs):
        with self.permitted(method, path):
            return LosantClient.request(self, method, path, *args, **kwargs)
