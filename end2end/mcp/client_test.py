"""Drives Verdict's MCP endpoint with the official MCP Python SDK, as an agent would.

Usage: client_test.py URL API_KEY   (e.g. http://127.0.0.1:3300/mcp vk_...)
Exits non-zero when any check fails.
"""

import asyncio
import json
import sys

import httpx
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

TOOLS = [
    "decision_create",
    "decision_add_context",
    "decision_read",
    "decision_evaluate",
    "decision_request_approval",
    "decision_write",
    "decision_get",
    "decision_wait",
    "decision_close",
    "decision_trace",
    "decision_receipt",
]


def answered(result, tool):
    """The tool's answer, after checking it is not a refusal and its text matches its structure."""
    assert not result.isError, f"{tool} was refused: {result.structuredContent}"
    assert json.loads(result.content[0].text) == result.structuredContent, tool
    return result.structuredContent


def refused(result, tool):
    """The refusal's error object, after checking the tool result is marked as an error."""
    assert result.isError, f"{tool} should have been refused: {result.structuredContent}"
    assert json.loads(result.content[0].text) == result.structuredContent, tool
    return result.structuredContent["error"]


async def run(url, key):
    # The SDK's own default timeouts, with the agent's key on every request.
    http = httpx.AsyncClient(
        headers={"Authorization": f"Bearer {key}"},
        timeout=httpx.Timeout(30, read=120),
    )
    async with http, streamable_http_client(url, http_client=http) as (read, write, _):
        async with ClientSession(read, write) as session:
            initialized = await session.initialize()
            assert initialized.protocolVersion == "2025-06-18", initialized.protocolVersion
            assert initialized.serverInfo.name == "verdict", initialized.serverInfo
            assert initialized.capabilities.tools is not None

            await session.send_ping()

            listed = await session.list_tools()
            assert [tool.name for tool in listed.tools] == TOOLS, listed.tools
            for tool in listed.tools:
                assert tool.inputSchema["type"] == "object", tool.name

            created = answered(
                await session.call_tool(
                    "decision_create",
                    {"intent": "billing.refund.create", "automation_mode": "autonomous"},
                ),
                "decision_create",
            )
            decision = created["decision_id"]
            assert created["status"] == "open", created

            # Acting before the policies were evaluated is refused, as REST refuses it.
            early = refused(
                await session.call_tool(
                    "decision_write",
                    {"decision_id": decision, "product": "billing", "operation": "refund.create"},
                ),
                "decision_write",
            )
            assert early["code"] == "conflict", early

            evaluated = answered(
                await session.call_tool(
                    "decision_evaluate",
                    {"decision_id": decision, "inputs": {"amount": 35.5, "currency": "EUR"}},
                ),
                "decision_evaluate",
            )
            assert evaluated["outcome"] == "allow", evaluated

            written = answered(
                await session.call_tool(
                    "decision_write",
                    {
                        "decision_id": decision,
                        "product": "billing",
                        "operation": "refund.create",
                        "summary": "refunded 35.50 EUR",
                    },
                ),
                "decision_write",
            )
            assert written["kind"] == "write", written

            closed = answered(
                await session.call_tool("decision_close", {"decision_id": decision, "action": "commit"}),
                "decision_close",
            )
            assert closed["status"] == "committed", closed
            assert closed["receipt"]["receipt"]["decision_id"] == decision, closed

            receipt = answered(
                await session.call_tool("decision_receipt", {"decision_id": decision}),
                "decision_receipt",
            )
            assert receipt["receipt"]["chain_head"] == closed["receipt"]["receipt"]["chain_head"], receipt

            traced = answered(
                await session.call_tool("decision_trace", {"decision_id": decision}),
                "decision_trace",
            )
            kinds = [event["kind"] for event in traced["events"]]
            assert kinds[0] == "decision_opened" and kinds[-1] == "decision_committed", kinds

            invalid = refused(
                await session.call_tool(
                    "decision_create", {"intent": "billing.refund.create", "automation_mode": "yolo"}
                ),
                "decision_create",
            )
            assert invalid["code"] == "invalid" and invalid["field"] == "automation_mode", invalid


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    asyncio.run(run(sys.argv[1], sys.argv[2]))
    print("MCP client test passed")


if __name__ == "__main__":
    main()
