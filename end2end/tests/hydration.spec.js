// Every signed-in page hydrates, again and again: a hydration mismatch is intermittent (it
// depends on the order in which the server resolves things), so one visit per page would not
// catch it. A panic in the browser, or a page that never finishes hydrating, fails the test.
const { test, expect } = require("@playwright/test");
const { hydrated, signIn } = require("./helpers");

const ROUNDS = 5;

test("every signed-in page hydrates on repeated visits without a browser error", async ({ page }, testInfo) => {
  const browserErrors = [];
  page.on("pageerror", (error) => browserErrors.push(`${page.url()}: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") browserErrors.push(`${page.url()}: ${message.text()}`);
  });

  await signIn(page, "admin@example.com", "admin password 123");
  await expect(page).toHaveURL(/\/$/);
  await page.goto("/policies");
  await hydrated(page);
  // A retry creates its own draft: the first attempt's may exist already.
  const policyId = `hydration-check-${testInfo.retry}`;
  await page.getByLabel(/Policy id/).fill(policyId);
  await page.getByLabel("Start from").selectOption("refund_limit");
  await page.getByRole("button", { name: "Create draft" }).click();
  await expect(page).toHaveURL(new RegExp(`/policies/${policyId}/edit$`));

  const pages = [
    "/",
    "/policies",
    `/policies/${policyId}/edit`,
    `/policies/${policyId}/versions`,
    "/agents",
    "/approvals",
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
    }
  }

  expect(browserErrors).toEqual([]);
});
