"""Make sure Debian's Chromium is there for the browser tests (tests/browser).

Usage: ``python scripts/chromium.py``. When ``/usr/bin/chromium`` is missing
and we run as root, install it with apt-get, the way ``scripts/services.py``
starts a missing service; otherwise say exactly what is missing and exit 1.
The tests drive it with Playwright (``executable_path``): Playwright's own
browser download is never used (it cannot work without internet).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
INSTALL = "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium"


def main() -> int:
    if shutil.which(CHROMIUM):
        return 0
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        print(f"Chromium is missing ({CHROMIUM}); installing: {INSTALL}", flush=True)
        subprocess.run(INSTALL, shell=True, check=False)
        if shutil.which(CHROMIUM):
            return 0
    print(
        f"Chromium is not installed at {CHROMIUM}: the browser tests need it. "
        f"Install it (as root) with: {INSTALL}",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
