"""The MCP server, a door: tools are plain typed functions over the engine (`queue_tools`,
`project_tools`) that `server.py` registers from one table.

The only package that imports the mcp SDK.
"""
