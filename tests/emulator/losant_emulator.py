"""Start the Losant API emulator: the same as ``python -m losant_emulator [flags]``.

The emulator is the package ``losant_emulator/`` next to this file (which
``import losant_emulator`` finds before this file); see README.md.
"""

import sys

from losant_emulator.cli import main

if __name__ == "__main__":
    sys.exit(main())
