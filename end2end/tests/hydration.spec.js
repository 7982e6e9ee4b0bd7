// Every signed-in page hydrates, again and again: a hydration mismatch is intermittent (it
// depends on the order in which the server resolves things), so one visit per page would not
// catch it. A panic in the browser, or a page that never finishes hydrating, fails the test.
// A request waits for an answer throughout, so the navigation's count is rendered on every page.
const { test, expect } = require("@playwright/test");
const { hydrated, signIn, provisionRefundAgent, askForException } = require("./helpers");

const ROUNDS = 5;

test("every signed-in page hydrates on repeated visits without a browser error", async ({ page, request }, testInfo) => {
  page.on("dialog", (dialog) => dialog.accept());
  const browserErrors = [];
  page.on("pageerror", (error) => browserErrors.push(`${page.url()}: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") browserErrors.push(`${page.url()}: ${message.text()}`);
  });

  await signIn(page, "admin@example.com", "admin password 123");
  await expect(page).toHaveURL(/\/$/);
  // A retry makes its own policy and agent: the first attempt's may exist already.
  const policyId = `hydration-check-${testInfo.retry}`;
  const key = await provisionRefundAgent(page, policyId, `hydration-bot-${testInfo.retry}`);
  const { auth, decision_id, approval_id } = await askForException(request, key, 900, {
    title: "Refund 900 EUR while pages hydrate",
    message: "Left waiting while every page is visited.",
  });

  const pages = [
    "/",
    "/policies",
    `/policies/${policyId}/edit`,
    `/policies/${policyId}/versions`,
    "/agents",
    "/products",
    "/approvals",
    `/approvals/${approval_id}`,
    `/traces/${decision_id}`,
    "/approval-routes",
    "/traces",
    "/audit",
    "/users",
    "/profile",
    "/api-reference",
  ];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const path of pages) {
      await page.goto(path);
      await hydrated(page);
      await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
      await expect(page.getByTestId("nav-pending-count")).toBeVisible();
    }
  }

  // Withdrawn, so no later test finds it waiting.
  const aborted = await request.post(`/api/v1/decisions/${decision_id}/close`, { headers: auth, data: { action: "abort" } });
  expect(aborted.status()).toBe(200);
  expect(browserErrors).toEqual([]);
});
