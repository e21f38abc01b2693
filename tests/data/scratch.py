"""Throwaway git repositories and headless Chromium: settings for tests/, bench/ and demo/.

Standard library only (bench/ and demo/ load this file by path, bench/labelled.py): one copy of
the fixed git identity every scratch repository commits with, and of the Chromium flags every
headless page load uses.
"""

from __future__ import annotations

from pathlib import Path

# A fixed identity, and no /etc/gitconfig: a commit in a scratch repository must not depend on
# (or fail for lack of) the machine's git configuration.
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}

# Debian's chromium package. Root in a container needs --no-sandbox; the rest keep the browser
# from reaching the network or updating itself while it is measured or tested.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
