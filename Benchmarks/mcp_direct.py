"""The same MCP tool call as the bridge benchmark, made directly with the official Python SDK's
client over stdio, for comparison. Prints the median and p99 of 2,000 calls in microseconds.

Run from the repository root: python3 Benchmarks/mcp_direct.py
"""
import asyncio
import statistics
import sys
import time

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


async def main(calls: int) -> None:
    server = StdioServerParameters(command=sys.executable, args=["-u", "Tests/Fixtures/mcp-server/server.py"])
    async with stdio_client(server) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            for _ in range(100):
                await session.call_tool("add", {"a": 2, "b": 3})
            timings = []
            for _ in range(calls):
                started = time.perf_counter_ns()
                await session.call_tool("add", {"a": 2, "b": 3})
                timings.append((time.perf_counter_ns() - started) / 1000)
    timings.sort()
    print(f"MCP tool call, Python SDK client direct: p50 {statistics.median(timings):.0f} µs, "
          f"p99 {timings[int(len(timings) * 0.99)]:.0f} µs over {calls} calls")


if __name__ == "__main__":
    asyncio.run(main(2000))
