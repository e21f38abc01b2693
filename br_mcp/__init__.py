"""The MCP server's domain: routing, task queue, cost and thresholds as plain typed functions.

Only `server.py` imports the mcp SDK.
"""
