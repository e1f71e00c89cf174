"""An MCP server built with the official Python SDK (`mcp` on PyPI), run over stdio by tests
of the mcp bridge plugin.

Tools: add, echo, fail (reports a tool error), crash (the process exits in the middle of the
call), slow (sleeps), and grow (registers a new tool, "late", and announces the change with
notifications/tools/list_changed).
"""
import asyncio
import os
import sys

from mcp.server.mcpserver import Context, MCPServer

server = MCPServer("market-test")


@server.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool()
def echo(text: str) -> str:
    """Repeat the text."""
    return text


@server.tool()
def fail(reason: str) -> str:
    """Always fails."""
    raise ValueError("refused: " + reason)


@server.tool()
def crash() -> str:
    """Ends the server process in the middle of the call."""
    sys.stdout.flush()
    os._exit(3)


@server.tool()
async def slow(seconds: float) -> str:
    """Sleeps, then answers."""
    await asyncio.sleep(seconds)
    return "done"


def late(word: str) -> str:
    """A tool that exists only after grow."""
    return word.upper()


@server.tool()
async def grow(ctx: Context) -> str:
    """Adds the tool 'late' and tells the client the list changed."""
    server.add_tool(late)
    await ctx.session.send_tool_list_changed()
    return "grown"


if __name__ == "__main__":
    server.run("stdio")
