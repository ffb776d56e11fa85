"""The command line: ``python -m losant_emulator [flags]`` (or the launcher
``tests/emulator/losant_emulator.py``). Prints its URL, serves until SIGTERM
or SIGINT, then saves its state and exits 0."""

import argparse
import signal
import ssl
import sys
import threading

from .emulator import DEFAULT_APPLICATION_ID, Emulator
from .listing import MAX_PER_PAGE
from .persistence import write_atomic


def parse_token(text):
    """``TOKEN`` (scope all.Application) or ``TOKEN:scope,scope``."""
    token, sep, scopes = text.partition(":")
    if not token:
        raise argparse.ArgumentTypeError("empty token in %r" % text)
    if not sep:
        return token, ["all.Application"]
    return token, [s.strip() for s in scopes.split(",") if s.strip()]


def build_parser(prog=None):
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Emulate the Losant REST API (experience users and groups).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--application-id", default=DEFAULT_APPLICATION_ID)
    parser.add_argument("--token", action="append", type=parse_token, default=None,
                        metavar="TOKEN[:SCOPE,SCOPE]",
                        help="accepted API token (repeatable; default scopes all.Application). "
                             "Replaces the built-in tokens.")
    parser.add_argument("--state-file", help="load/save users and groups here")
    parser.add_argument("--url-file", help="also write the URL to this file")
    parser.add_argument("--tls-cert", help="PEM certificate: serve HTTPS")
    parser.add_argument("--tls-key", help="PEM private key for --tls-cert")
    parser.add_argument("--page-cap", type=int, default=MAX_PER_PAGE, metavar="N",
                        help="the most items a list page holds, whatever perPage asks (1-%d; default %d; "
                             "100 behaves like a server whose pages hold 100)" % (MAX_PER_PAGE, MAX_PER_PAGE))
    parser.add_argument("--latency", type=float, default=0.0, metavar="SECONDS",
                        help="seconds added to every Losant request, as a round trip would (the faults' "
                             "latency, restored by a reset)")
    parser.add_argument("--no-hooks", action="store_true",
                        help="serve no /_emulator test hooks: those paths answer 404 like any unknown Losant path")
    parser.add_argument("--quiet", action="store_true", help="no banner on stderr")
    parser.add_argument("--verbose", action="store_true", help="access log on stderr")
    return parser


def main(argv=None, prog=None):
    """Run the emulator until SIGTERM or SIGINT; return the exit status."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    if args.tls_key and not args.tls_cert:
        parser.error("--tls-key needs --tls-cert")
    tokens = dict(args.token) if args.token else None
    try:
        emu = Emulator(application_id=args.application_id, tokens=tokens, host=args.host,
                       port=args.port, state_file=args.state_file, tls_cert=args.tls_cert,
                       tls_key=args.tls_key, verbose=args.verbose, page_cap=args.page_cap,
                       latency=args.latency, hooks=not args.no_hooks)
        emu.start()
    except (ValueError, OSError, ssl.SSLError) as exc:
        sys.stderr.write("losant-emulator: %s\n" % exc)
        return 2
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if args.url_file:
        write_atomic(args.url_file, emu.url + "\n")
    sys.stdout.write(emu.url + "\n")
    sys.stdout.flush()
    if not args.quiet:
        sys.stderr.write("losant-emulator: serving application %s at %s (tokens: %s)%s\n" % (
            emu.application_id, emu.url, ", ".join(sorted(emu.tokens)), "" if emu.hooks else ", no test hooks"))
        sys.stderr.flush()
    while not stop.wait(0.2):
        pass
    emu.stop()
    return 0
