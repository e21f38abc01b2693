"""Cost: the price table, Claude Code transcripts, usage reports and 5-hour blocks."""
