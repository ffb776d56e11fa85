"""Where experience_users spends its time: the module alone, under cProfile, against the emulator.

Seeds the emulator (pages of 100, as in bench.py) with --users users, then runs
the module's file with the same users as `config` (what the action plugin
hands it after reading `src`), the way AnsiballZ runs it but without Ansible
around it, and prints its wall time, peak memory, the requests it made and the
functions that took the most time. Not a test.

Usage: ANSIBLE_COLLECTIONS_PATH=... python tests/bench/profile_module.py [--users 100000] [--latency 100]
           [--case nochange] [--workers 8] [--top 25] [--sort tottime] [--callers PATTERN]
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench import CASES, CONNECTION, EmulatorProcess, wanted_users  # noqa: E402  pylint: disable=wrong-import-position


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100000)
    parser.add_argument("--latency", type=int, default=100, help="emulated round trip in ms")
    parser.add_argument("--case", default="nochange", choices=sorted(CASES))
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="cumulative", help="a pstats sort key: cumulative, tottime ...")
    parser.add_argument("--callers", help="also print the callers of the functions matching this pattern")
    options = parser.parse_args()
    collections_path = os.environ.get("ANSIBLE_COLLECTIONS_PATH")
    if not collections_path:
        sys.exit("set ANSIBLE_COLLECTIONS_PATH to the installed collection")
    sys.path.insert(0, collections_path.split(os.pathsep)[0])
    module_file = Path(collections_path.split(os.pathsep)[0]) / \
        "ansible_collections/losant/platform/plugins/modules/experience_users.py"

    with tempfile.TemporaryDirectory() as workdir:
        emulator = EmulatorProcess(workdir)
        try:
            emulator.reset(options.users, options.latency)
            args = Path(workdir) / "args.json"
            args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": dict(
                CONNECTION, api_url=emulator.url, workers=options.workers,
                config=wanted_users(options.users, options.case))}))
            before = emulator.last_seq()
            out = io.StringIO()
            sys.argv = [str(module_file), str(args)]
            profile = cProfile.Profile()
            started = time.perf_counter()
            stdout, sys.stdout = sys.stdout, out
            try:
                namespace = {"__name__": "__main__", "__file__": str(module_file)}
                profile.runctx(compile(module_file.read_text(), str(module_file), "exec"), namespace, namespace)
            except SystemExit:
                pass
            finally:
                sys.stdout = stdout
            elapsed = time.perf_counter() - started
            requests_made = emulator.last_seq() - before
        finally:
            emulator.stop()
    result = json.loads(out.getvalue())
    print("%d users, %d ms, %s, workers %d: %.2f s (under the profiler), %d requests, peak %.0f MB (this process, which also built the arguments), "
          "updated %d, failed %s" % (options.users, options.latency, CASES[options.case], options.workers, elapsed,
                                     requests_made, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
                                     len(result.get("updated", [])), result.get("failed", False)))
    stats = io.StringIO()
    pstats.Stats(profile, stream=stats).sort_stats(options.sort).print_stats(options.top)
    if options.callers:
        pstats.Stats(profile, stream=stats).sort_stats(options.sort).print_callers(options.callers)
    print(stats.getvalue())


if __name__ == "__main__":
    main()
