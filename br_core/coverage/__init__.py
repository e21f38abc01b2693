"""The coverage gate: report readers, the diff's lines, settings and the gate's checks."""
