// An agent (driven over the API) asks for an exception; an approver sees it arrive in the inbox
// without reloading, opens it, is told a rationale is required, approves with one; the agent's
// wait answers "approved" and its commit goes through.
const { test, expect } = require("@playwright/test");
const { hydrated, checkPage, signIn, provisionRefundAgent, askForException } = require("./helpers");

test("an exception is asked for, appears in the inbox, and is approved with a rationale", async ({ browser, page, request }) => {
  page.on("dialog", (dialog) => dialog.accept());
  await signIn(page, "admin@example.com", "admin password 123");
  await expect(page).toHaveURL(/\/$/);
  const key = await provisionRefundAgent(page, "exception-refunds", "exception-bot");

  // The approver has the inbox open before the request exists.
  const approverContext = await browser.newContext();
  const inbox = await approverContext.newPage();
  await signIn(inbox, "approver@example.com", "approver password 123");
  await expect(inbox).toHaveURL(/\/$/);
  await inbox.goto("/approvals");
  await hydrated(inbox);

  // The agent's refund is above its limit: the policy says requires_exception.
  const { auth, decision_id } = await askForException(request, key, 640, {
    title: "Refund 640 EUR for order 88",
    message: "The parcel was lost in transit.",
    require_rationale: true,
  });

  // It appears without a reload.
  const row = inbox.getByRole("row", { name: /Refund 640 EUR for order 88/ });
  await expect(row).toBeVisible({ timeout: 15_000 });
  await expect(row).toContainText("exception-bot");
  // The navigation counts it too, on its own slower refresh.
  await expect(inbox.getByTestId("nav-pending-count")).toHaveText("1", { timeout: 20_000 });
  // A filter for another route hides it; the filter lives in the URL.
  await inbox.getByLabel("Route").fill("finance");
  await inbox.getByRole("button", { name: "Filter" }).click();
  await expect(inbox).toHaveURL(/\/approvals\?.*route=finance/);
  await expect(inbox.getByText("Nothing waits for an answer.")).toBeVisible();
  await inbox.goto("/approvals");
  await hydrated(inbox);
  await expect(row).toBeVisible();
  await checkPage(inbox, "approvals-inbox");

  // Open it: what the policy said, and the answer form.
  await row.getByRole("link").click();
  await hydrated(inbox);
  await expect(inbox.locator(".approval-message")).toHaveText("The parcel was lost in transit.");
  await expect(inbox.locator(".evaluation")).toContainText("refund of 640 EUR is above the 200 limit");
  await checkPage(inbox, "approval-request");

  // A rationale is required: the answer is refused next to the field, nothing is recorded.
  await inbox.getByLabel("Reject").check();
  await inbox.getByRole("button", { name: "Send answer" }).click();
  await expect(inbox.locator("#rationale-error")).toContainText("needs a rationale");
  // The refusal keeps the answer that was chosen: the approver is not switched to the other one.
  await expect(inbox.getByLabel("Reject")).toBeChecked();

  await inbox.getByLabel("Approve").check();
  await inbox.getByLabel(/Rationale/).fill("carrier confirmed the loss");
  await inbox.getByRole("button", { name: "Send answer" }).click();
  await expect(inbox.getByTestId("approval-status")).toContainText("approved by approver@example.com");
  await expect(inbox.getByTestId("approval-status")).toContainText("carrier confirmed the loss");
  // Nothing waits any more: the navigation's count goes away.
  await expect(inbox.getByTestId("nav-pending-count")).toHaveCount(0);

  // The agent's wait answers at once, and its commit goes through.
  const waited = await request.get(`/api/v1/decisions/${decision_id}/wait?timeout=5`, { headers: auth });
  expect((await waited.json()).decision.status).toBe("approved");
  const committed = await request.post(`/api/v1/decisions/${decision_id}/close`, {
    headers: auth,
    data: { action: "commit" },
  });
  expect(committed.status()).toBe(200);

  // The inbox moved it to the answered list.
  await inbox.goto("/approvals");
  await expect(inbox.getByRole("row", { name: /Refund 640 EUR for order 88/ })).toContainText("approved");
  await approverContext.close();
});
