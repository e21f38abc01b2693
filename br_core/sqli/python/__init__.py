"""The Python SQL-injection analyser: AST interpretation of sources, sinks and guards."""
