"""What every scanner shares: the file walker, the allow-list, the baseline and the report stage."""
