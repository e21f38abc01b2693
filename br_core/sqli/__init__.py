"""SQL-injection detection: the dispatcher, shared values, and the python/ and js/ analysers."""
