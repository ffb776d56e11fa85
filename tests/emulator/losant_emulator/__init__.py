"""A stdlib-only emulator of the Losant REST API for experience users/groups
and the devices and experience endpoints groups grant.

It serves, like https://api.losant.com does::

    /applications/{applicationId}/experience/users          GET (list), POST
    /applications/{applicationId}/experience/users/{id}     GET, PATCH, DELETE
    /applications/{applicationId}/experience/groups         GET (list), POST
    /applications/{applicationId}/experience/groups/{id}    GET, PATCH, DELETE
    /applications/{applicationId}/devices                   GET (list)
    /applications/{applicationId}/experience/endpoints      GET (list)

with bearer-token auth and scopes, Losant's validation rules, paging, sorting,
glob filters and the advanced JSON query language; plus test hooks under
``/_emulator/`` (request log, reset, state, seed, fault injection).

Python use::

    from losant_emulator import Emulator
    with Emulator() as emu:          # started on a free port of 127.0.0.1
        print(emu.url)

Command line: ``python -m losant_emulator [flags]`` (``--help`` lists them).

See README.md next to this package for the behaviour and the layout. Only
the Python standard library is used, and the code supports Python 3.9+.
"""

from .auth import DEFAULT_TOKEN, DEFAULT_TOKENS, READ_ONLY_TOKEN, USER_TOKEN
from .cli import main
from .emulator import DEFAULT_APPLICATION_ID, Emulator
from .errors import ApiError
from .store import Store

__all__ = [
    "DEFAULT_APPLICATION_ID",
    "DEFAULT_TOKEN",
    "READ_ONLY_TOKEN",
    "USER_TOKEN",
    "DEFAULT_TOKENS",
    "ApiError",
    "Emulator",
    "Store",
    "main",
]
