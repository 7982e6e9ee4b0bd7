// A stricter draft of a refund policy is backtested from the editor against the refunds an agent
// already decided: the matrix counts them and the one that would change links to its trace.
const { test, expect } = require("@playwright/test");
const { hydrated, checkPage, signIn, provisionRefundAgent, replacePolicySource } = require("./helpers");

test("backtest a stricter draft and open a decision it would change", async ({ page, request }) => {
  page.on("dialog", (dialog) => dialog.accept());
  await signIn(page, "admin@example.com", "admin password 123");
  await expect(page).toHaveURL(/\/$/);
  const key = await provisionRefundAgent(page, "backtest-refunds", "backtest-bot");

  // Three refunds decided under v1: 50 and 150 allowed, 250 needs an exception.
  const auth = { Authorization: `Bearer ${key}` };
  const decisions = {};
  for (const amount of [50, 150, 250]) {
    const opened = await request.post("/api/v1/decisions", {
      headers: auth,
      data: { intent: "billing.refund.create", automation_mode: "autonomous" },
    });
    expect(opened.status()).toBe(201);
    const { decision_id } = await opened.json();
    const evaluated = await request.post(`/api/v1/decisions/${decision_id}/evaluate`, {
      headers: auth,
      data: { inputs: { amount, currency: "EUR" } },
    });
    expect(evaluated.status()).toBe(200);
    decisions[amount] = decision_id;
  }

  // The draft lowers the limit to 100, unsaved: the backtest takes the text as typed.
  await page.goto("/policies/backtest-refunds/edit");
  await hydrated(page);
  await replacePolicySource(page, (source) => {
    expect(source).toContain("amount <= 200.0");
    expect(source).toContain("amount > 200.0");
    return source.replace("amount <= 200.0", "amount <= 100.0").replace("amount > 200.0", "amount > 100.0");
  });

  // A window of zero days is refused next to the field.
  await page.getByLabel("Window (days)").fill("0");
  await page.getByRole("button", { name: "Backtest this draft" }).click();
  await expect(page.locator("#days-error")).toContainText("days");

  await page.getByLabel("Window (days)").fill("30");
  await page.getByRole("button", { name: "Backtest this draft" }).click();
  await expect(page.getByText("Backtest finished.")).toBeVisible();
  await expect(page.locator(".backtest-summary")).toHaveText(
    "3 evaluations in the last 30 days: 2 would stay the same, 1 would change.",
  );
  const changes = page.getByRole("region", { name: "Decisions that would change" });
  await expect(changes.locator("tbody tr")).toHaveCount(1);
  await expect(changes.locator("tbody tr")).toContainText("requires exception");
  await checkPage(page, "policy-backtest");

  await changes.getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/traces/${decisions[150]}$`));
  await expect(page.locator(".timeline")).toContainText(/refund of 150(\.0)? EUR is within the agent.s limit/);
});
