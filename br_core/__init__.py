"""Shared kernel of BuildRunner: config, store, masking, pricing, git helpers.

Imports nothing else of ours (see tests/test_architecture.py).
"""
