"""Secret detection: rules (rules.toml), the generic detector, filters, masking, the scanner."""
