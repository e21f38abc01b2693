"""The engine of BuildRunner: every domain (store/, scan/, secrets/, sqli/, coverage/, telemetry/,
cost/, queue/, routing/) and the shared git.py, config.py and errors.py.

No argparse, typer, mcp or printing here, and nothing imported from a door (br_hooks, br_mcp,
br_cli): the doors open resources and pass them in. tests/test_architecture.py enforces it.
"""
