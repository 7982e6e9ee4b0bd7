// An admin defines an approval route on its page: a bad destination is refused next to the
// field, a webhook route shows its signing secret once, and a new version replaces the row.
const { test, expect } = require("@playwright/test");
const { hydrated, checkPage, signIn } = require("./helpers");

test("define a webhook route, see its secret once, then a new version", async ({ page }) => {
  await signIn(page, "admin@example.com", "admin password 123");
  await expect(page).toHaveURL(/\/$/);
  await page.goto("/approvals");
  await hydrated(page);
  await page.getByRole("link", { name: "Routes" }).click();
  await expect(page).toHaveURL(/\/approval-routes$/);
  await hydrated(page);

  await page.getByLabel(/^Name/).fill("finance-leads");
  await page.getByLabel("Integration").selectOption("webhook");
  await page.getByRole("button", { name: "Save route" }).click();
  await expect(page.locator("#destination-error")).toContainText("URL");

  await page.getByLabel(/^Destination URL/).fill("https://hooks.example.com/verdict");
  await page.getByLabel("Approvals needed").fill("2");
  await page.getByRole("button", { name: "Save route" }).click();
  await expect(page.getByTestId("route-secret")).toHaveText(/^whsec_[A-Za-z0-9+/=]{40,}$/);
  const row = page.getByRole("region", { name: "Approval routes" }).locator("tbody tr");
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("finance-leads");
  await expect(row).toContainText("v1");
  await checkPage(page, "approval-routes");

  await page.getByLabel(/^Name/).fill("finance-leads");
  await page.getByLabel("Integration").selectOption("webhook");
  await page.getByLabel(/^Destination URL/).fill("https://hooks.example.com/verdict");
  await page.getByRole("button", { name: "Save route" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved finance-leads v2." })).toBeVisible();
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("v2");
  await expect(page.getByTestId("route-secret")).toHaveCount(0);
});
