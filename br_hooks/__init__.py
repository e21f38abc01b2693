"""Pre-commit hooks: one module per hook, each with `main(argv) -> int`.

Hook entry points must stay cheap to import: no pydantic, mcp, anthropic, typer or rich.
"""
