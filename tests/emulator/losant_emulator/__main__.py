"""``python -m losant_emulator [flags]``: see cli.py."""

import sys

from .cli import main

sys.exit(main(prog="python -m losant_emulator"))
