// An agent's decision is found in the trace explorer by a word of its rationale; its page shows
// the timeline, "chain intact", an identical replay, and links to the exact policy version used.
const { test, expect } = require("@playwright/test");
const { hydrated, checkPage, signIn, provisionRefundAgent } = require("./helpers");

test("find a decision by its rationale, read its timeline and proofs, open its policy version", async ({ page, request }) => {
  page.on("dialog", (dialog) => dialog.accept());
  await signIn(page, "admin@example.com", "admin password 123");
  await expect(page).toHaveURL(/\/$/);

  // A published refund policy and an agent bound to it.
  const key = await provisionRefundAgent(page, "trace-refunds", "trace-bot");

  // The agent decides a refund of an amount no other test uses, then commits it.
  const auth = { Authorization: `Bearer ${key}` };
  const opened = await request.post("/api/v1/decisions", {
    headers: auth,
    data: { intent: "billing.refund.create", automation_mode: "autonomous", actor: "customer 4711" },
  });
  expect(opened.status()).toBe(201);
  const { decision_id } = await opened.json();
  const evaluated = await request.post(`/api/v1/decisions/${decision_id}/evaluate`, {
    headers: auth,
    data: { inputs: { amount: 173.21, currency: "GBP" } },
  });
  expect(evaluated.status()).toBe(200);
  const written = await request.post(`/api/v1/decisions/${decision_id}/writes`, {
    headers: auth,
    data: { product: "billing", operation: "refund.create", summary: "refunded order 4711" },
  });
  expect(written.status()).toBe(201);
  const committed = await request.post(`/api/v1/decisions/${decision_id}/close`, {
    headers: auth,
    data: { action: "commit" },
  });
  expect(committed.status()).toBe(200);

  // Find it by a word of its rationale; the filter lives in the URL.
  await page.goto("/traces");
  await hydrated(page);
  await page.getByLabel("Text").fill("173.21");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/\/traces\?.*q=173\.21/);
  const rows = page.locator("table.traces tbody tr");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("trace-bot");
  await expect(rows.first()).toContainText("committed");
  await expect(rows.first()).toContainText("trace-refunds v1");
  await expect(page.getByRole("img", { name: /^1 decision; the busiest day had 1\.$/ })).toBeVisible();
  await expect(page.getByText(/^Decisions per day by outcome/)).toBeVisible();
  await checkPage(page, "traces");

  // The filtered set exports as NDJSON, one decision per line with its events.
  const exportLink = page.getByRole("link", { name: "Export NDJSON" });
  await expect(exportLink).toHaveAttribute("href", /^\/traces\.ndjson\?q=173(\.|%2E)21$/);
  const exported = await page.request.get("/traces.ndjson?q=173.21");
  expect(exported.status()).toBe(200);
  const lines = (await exported.text()).trim().split("\n").map((line) => JSON.parse(line));
  expect(lines.map((line) => line.decision.id)).toEqual([decision_id]);
  expect(lines[0].events).toHaveLength(5);

  // A bad filter is refused with a message naming it, not an empty table.
  await page.goto("/traces?status=finished");
  await expect(page.getByRole("alert")).toContainText("status");

  // Open it: the timeline, the chain verified on the server, the replay identical.
  await page.goto("/traces?q=173.21");
  await hydrated(page);
  await page.locator("table.traces tbody tr").first().getByRole("link").first().click();
  await expect(page).toHaveURL(new RegExp(`/traces/${decision_id}$`));
  await hydrated(page);
  await expect(page.getByTestId("chain-status")).toContainText("Chain intact");
  await expect(page.getByTestId("replay-status")).toContainText("Replay identical");
  const kinds = await page.locator(".timeline-event").evaluateAll((events) => events.map((event) => event.dataset.kind));
  expect(kinds).toEqual(["decision_opened", "policy_eval", "write", "snapshot", "decision_committed"]);
  await expect(page.locator(".timeline")).toContainText("refund of 173.21 GBP is within the agent's limit");
  await expect(page.locator(".timeline")).toContainText("refunded order 4711");
  await checkPage(page, "decision-trace");

  // The exact policy version it used, read-only, with its hash.
  await page.getByRole("region", { name: "Policy versions used" }).getByRole("link", { name: "trace-refunds v1" }).click();
  await expect(page).toHaveURL(/\/policies\/trace-refunds\/versions\?view=1$/);
  await expect(page.getByRole("heading", { name: "Version 1 (read-only)" })).toBeVisible();
  await expect(page.getByText(/^sha256 [0-9a-f]{64}$/)).toBeVisible();
});

test("the audit log lists each admin action with who, what and the record after", async ({ page }) => {
  await signIn(page, "admin@example.com", "admin password 123");
  await expect(page).toHaveURL(/\/$/);
  await page.goto("/audit");
  await hydrated(page);
  await page.getByLabel("Area").selectOption("agent");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/\/audit\?area=agent/);
  const created = page.getByRole("row", { name: /agent\.create trace-bot/ });
  await expect(created).toContainText("admin@example.com");
  await expect(page.getByRole("row", { name: /agent\.bind trace-bot/ })).toContainText("trace-refunds");
  await expect(page.getByRole("cell", { name: "policy.publish" })).toHaveCount(0);
  await checkPage(page, "audit");
});

test("a decision that does not exist is a plain 404 page", async ({ page }) => {
  await signIn(page, "admin@example.com", "admin password 123");
  await expect(page).toHaveURL(/\/$/);
  const response = await page.goto("/traces/00000000-0000-0000-0000-000000000000");
  expect(response.status()).toBe(404);
  await expect(page.getByRole("alert")).toContainText("No such decision");
});
