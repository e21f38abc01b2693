"""The engine of BuildRunner: every domain (store/, scan/, secrets/, sqli/, coverage/, telemetry/,
cost/, queue/, routing/) and the shared git.py, config.py and errors.py.

No argparse, typer, mcp or printing here, and nothing imported from a door (br_hooks, br_mcp,
br_cli): the doors open resources and pass them in. tests/test_architecture.py enforces it.
"""

# The one source of the version: hatch reads it for the wheel's metadata ([tool.hatch.version]),
# `br --version` prints it, and `br init` names the tag `v<version>` in the remote hook form.
__version__ = "0.1.0"
