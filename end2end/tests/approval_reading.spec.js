// An approver who is not an engineer reads an approval request: the policy's inputs as a labelled
// table with the policy's own descriptions and units, the timeline as sentences with the raw JSON
// one click away, and a chat link's "?answer=reject" opening the page with Reject already chosen.
const { test, expect } = require("@playwright/test");
const { hydrated, signIn, provisionRefundAgent, askForException } = require("./helpers");

test("a chat link's answer is chosen and the inputs read as a table", async ({ page, request }) => {
  page.on("dialog", (dialog) => dialog.accept());
  await signIn(page, "admin@example.com", "admin password 123");
  await expect(page).toHaveURL(/\/$/);
  const key = await provisionRefundAgent(page, "readable-refunds", "readable-bot");
  const { auth, decision_id } = await askForException(request, key, 950, {
    title: "Refund 950 EUR for order 12",
    message: "The customer was charged twice.",
    require_rationale: false,
  });

  await page.goto("/approvals");
  await hydrated(page);
  const row = page.getByRole("row", { name: /Refund 950 EUR for order 12/ });
  const href = await row.getByRole("link").first().getAttribute("href");
  expect(href).toMatch(/^\/approvals\//);

  await page.goto(`${href}?answer=reject`);
  await hydrated(page);
  await expect(page.getByLabel("Reject")).toBeChecked();
  await expect(page.getByLabel("Approve")).not.toBeChecked();

  const inputs = page.getByTestId("inputs-table").first();
  await expect(inputs.getByRole("columnheader", { name: "Input" })).toBeVisible();
  await expect(inputs.getByRole("row", { name: /amount.*950/ })).toBeVisible();
  // Each input carries the policy's own words: its description under the name, its unit after
  // the value.
  const amount = inputs.getByRole("row").filter({ has: page.getByRole("rowheader", { name: /^amount/ }) });
  await expect(amount.locator(".input-description")).toHaveText("How much to refund, in whole units of the currency (not cents)");
  await expect(amount.getByRole("cell")).toHaveText(/^950\s+currency units$/);
  const currency = inputs.getByRole("row").filter({ has: page.getByRole("rowheader", { name: /^currency/ }) });
  await expect(currency.locator(".input-description")).toHaveText("ISO 4217 code of the refund's currency");
  await expect(currency.getByRole("cell")).toHaveText("EUR");
  await expect(currency.locator(".input-unit")).toHaveCount(0);
  const evaluation = page.getByTestId("evaluation").first();
  await expect(evaluation).toContainText("refund of 950 EUR is above the 200 limit");
  // The raw JSON is there, one click away.
  const raw = evaluation.locator("details.raw-json");
  await expect(raw.locator("pre")).toBeHidden();
  await raw.locator("summary").click();
  await expect(raw.locator("pre")).toContainText('"amount": 950');

  // The timeline speaks in sentences; the hash waits behind the toggle.
  const timeline = page.locator(".timeline");
  await expect(timeline.locator(".event-sentence").filter({ hasText: /readable-bot asked .* for an exception/ })).toBeVisible();
  await expect(timeline.locator(".event-sentence").filter({ hasText: /policy readable-refunds v1 said requires_exception/ })).toBeVisible();
  await expect(timeline.locator(".event-hash").first()).toBeHidden();

  // ?answer=approve chooses Approve.
  await page.goto(`${href}?answer=approve`);
  await hydrated(page);
  await expect(page.getByLabel("Approve")).toBeChecked();

  // The chat link's answer is sent as chosen, so nothing is left waiting for later tests.
  await page.goto(`${href}?answer=reject`);
  await hydrated(page);
  await page.getByRole("button", { name: "Send answer" }).click();
  await expect(page.getByTestId("approval-status")).toContainText("rejected by admin@example.com");
  const waited = await request.get(`/api/v1/decisions/${decision_id}/wait?timeout=5`, { headers: auth });
  expect((await waited.json()).decision.status).toBe("rejected");
});
