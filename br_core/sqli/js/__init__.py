"""The JavaScript/TypeScript SQL-injection analyser: a token-level interpreter."""
