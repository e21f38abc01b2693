"""What every scanner shares: the finding model and result (finding.py), the file walker, the
allow-list, the baseline, the staged tree and the report stage (report/)."""
