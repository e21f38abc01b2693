"""The report stage every scanner shares: one module per output format."""
