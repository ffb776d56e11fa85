"""The state file: loaded at start, saved atomically (temp file plus rename)
after every change and on exit. It holds the store's snapshot (salted
password hashes, never passwords)."""

import json
import os
import tempfile
import threading


def write_atomic(path, text):
    """Replace ``path`` with ``text`` so that readers see the old or the new file, never half."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".losant-emulator-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class StateFile:
    """``store``'s state file at ``path``; a save writes only when the store changed."""

    def __init__(self, path, store):
        self.path = path
        self.store = store
        self._lock = threading.Lock()
        self._saved_generation = store.generation

    def load_if_present(self):
        if not os.path.exists(self.path):
            return
        with open(self.path, "r", encoding="utf-8") as fh:
            try:
                data = json.load(fh)
            except ValueError as exc:
                raise ValueError("state file %s is not valid JSON: %s" % (self.path, exc))
        self.store.load(data)
        self._saved_generation = self.store.generation

    def save(self):
        with self._lock:
            with self.store.lock:
                generation = self.store.generation
                if generation == self._saved_generation:
                    return
                text = json.dumps(self.store.snapshot(), indent=1, sort_keys=True)
            write_atomic(self.path, text)
            self._saved_generation = generation
