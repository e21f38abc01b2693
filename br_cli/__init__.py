"""The `br` command line: the composition root, one small module per command group."""
