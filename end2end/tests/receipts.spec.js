// Actions and receipts in the browser: an approval request shows the exact action it grants as a
// table, and a closed decision's page shows its signed receipt, verified, and downloads it.
const fs = require("fs");
const { test, expect } = require("@playwright/test");
const { hydrated, checkPage, signIn, provisionRefundAgent } = require("./helpers");

/** The refund an agent evaluates and then carries out, exactly. */
function refund(amount, order) {
  return { product: "payments", operation: "refund.create", arguments: { amount, currency: "EUR", order } };
}

test("a closed decision's page shows its verified receipt and downloads it", async ({ page, request }) => {
  page.on("dialog", (dialog) => dialog.accept());
  await signIn(page, "admin@example.com", "admin password 123");
  await expect(page).toHaveURL(/\/$/);
  const key = await provisionRefundAgent(page, "receipt-refunds", "receipt-bot");
  const auth = { Authorization: `Bearer ${key}` };

  // The agent evaluates an exact action, writes that action and commits; the close answer
  // carries the signed receipt.
  const opened = await request.post("/api/v1/decisions", {
    headers: auth,
    data: { intent: "billing.refund.create", automation_mode: "autonomous" },
  });
  expect(opened.status()).toBe(201);
  const { decision_id } = await opened.json();
  const action = refund(61, "o-6161");
  const evaluated = await request.post(`/api/v1/decisions/${decision_id}/evaluate`, { headers: auth, data: { action } });
  expect((await evaluated.json()).outcome).toBe("allow");
  const written = await request.post(`/api/v1/decisions/${decision_id}/writes`, { headers: auth, data: { action } });
  expect(written.status()).toBe(201);
  const closed = await request.post(`/api/v1/decisions/${decision_id}/close`, { headers: auth, data: { action: "commit" } });
  expect(closed.status()).toBe(200);
  const { receipt } = await closed.json();
  expect(receipt.receipt.decision_id).toBe(decision_id);

  await page.goto(`/traces/${decision_id}`);
  await hydrated(page);
  const section = page.getByTestId("receipt");
  await expect(section.getByTestId("receipt-verified")).toHaveText("Verified");
  await expect(section.getByTestId("receipt-key-id")).toHaveText(receipt.signature.kid);
  await expect(section).toContainText(receipt.receipt.chain_head);
  await checkPage(page, "decision-receipt");

  // The download is the receipt document, named after the decision, fetched with the session.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByTestId("download-receipt").click(),
  ]);
  expect(download.suggestedFilename()).toBe(`receipt-${decision_id}.json`);
  const document = JSON.parse(fs.readFileSync(await download.path(), "utf8"));
  expect(document.receipt.decision_id).toBe(decision_id);
  expect(document.receipt.status).toBe("committed");
  expect(document.receipt.actions).toEqual(receipt.receipt.actions);
  expect(document.signature.alg).toBe("EdDSA");

  // Anyone can check it, without a credential.
  const checked = await request.post("/api/v1/receipts/verify", { data: document });
  expect(checked.status()).toBe(200);
  expect((await checked.json()).verified).toBe(true);

  // An open decision has no receipt yet, and says when it will.
  const open = await request.post("/api/v1/decisions", {
    headers: auth,
    data: { intent: "billing.refund.create", automation_mode: "autonomous" },
  });
  const { decision_id: openId } = await open.json();
  await page.goto(`/traces/${openId}`);
  await hydrated(page);
  await expect(page.getByTestId("receipt-pending")).toContainText("issued when the decision commits or aborts");
  await expect(page.getByTestId("download-receipt")).toHaveCount(0);
});

test("an approval request shows the exact action it grants as a table", async ({ page, request }) => {
  page.on("dialog", (dialog) => dialog.accept());
  await signIn(page, "admin@example.com", "admin password 123");
  await expect(page).toHaveURL(/\/$/);
  const key = await provisionRefundAgent(page, "action-refunds", "action-bot");
  const auth = { Authorization: `Bearer ${key}` };
  const opened = await request.post("/api/v1/decisions", {
    headers: auth,
    data: { intent: "billing.refund.create", automation_mode: "autonomous" },
  });
  const { decision_id } = await opened.json();
  const action = refund(987, "o-9870");
  const evaluated = await request.post(`/api/v1/decisions/${decision_id}/evaluate`, { headers: auth, data: { action } });
  expect((await evaluated.json()).outcome).toBe("requires_exception");
  const asked = await request.post(`/api/v1/decisions/${decision_id}/approvals`, {
    headers: auth,
    data: { title: "Refund of 987 EUR", message: "Order o-9870 arrived broken." },
  });
  expect(asked.status()).toBe(201);
  const { approval_id } = await asked.json();

  await page.goto(`/approvals/${approval_id}`);
  await hydrated(page);
  const table = page.getByTestId("action-table");
  await expect(table).toBeVisible();
  for (const [name, value] of [
    ["Product", "payments"],
    ["Operation", "refund.create"],
    ["amount", "987"],
    ["currency", "EUR"],
    ["order", "o-9870"],
  ]) {
    await expect(table.getByRole("row", { name: new RegExp(`^${name} ${value.replace(".", "\\.")}$`) })).toBeVisible();
  }
  await expect(table).toContainText(/sha256:[0-9a-f]{64}/);
});
