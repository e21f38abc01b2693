"""Telemetry: events, settings, stats, learning-phase thresholds and alerts."""
