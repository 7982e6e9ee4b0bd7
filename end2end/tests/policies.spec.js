// An author creates a policy from a template, watches the preview follow their typing, sees a
// YAML error with its line, and publishes two versions whose diff the history page shows.
const { test, expect } = require("@playwright/test");
const { hydrated, checkPage, signIn } = require("./helpers");

test("create from a template, preview as you type, publish twice, diff", async ({ page }) => {
  const dialogs = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.type());
    dialog.accept();
  });
  await signIn(page, "admin@example.com", "admin password 123");
  await expect(page).toHaveURL(/\/$/);

  await page.goto("/policies");
  await hydrated(page);
  await page.getByLabel(/Policy id/).fill("discounts");
  await page.getByLabel("Start from").selectOption("discount_cap");
  await page.getByRole("button", { name: "Create draft" }).click();
  await expect(page).toHaveURL(/\/policies\/discounts\/edit$/);
  await hydrated(page);

  const outcome = page.getByTestId("dry-run-outcome");
  await expect(outcome).toHaveText("allow");
  await checkPage(page, "policy-editor");

  const context = page.getByLabel("Dry-run context (JSON inputs)");
  await context.fill('{"proposed_discount": 0.5, "account_tier": "pro"}');
  await expect(outcome).toHaveText("requires_exception");

  // The context is kept per policy in the browser between visits.
  await page.reload();
  await hydrated(page);
  await expect(context).toHaveValue('{"proposed_discount": 0.5, "account_tier": "pro"}');
  await expect(outcome).toHaveText("requires_exception");

  // The editor (CodeMirror) keeps the draft's textarea, hidden behind it, up to date.
  const source = page.getByLabel("Policy source (YAML)");
  const original = await page.locator("#policy-source").inputValue();
  await source.fill(original.replace("outcome: requires_exception", "outcome: maybe"));
  await expect(page.getByTestId("diagnostics")).toContainText("line 18:");
  await expect(page.locator(".error-line").first()).toHaveText("18");
  // Clicking a problem puts the caret on its line.
  await page.getByRole("button", { name: /line 18:/ }).click();
  await expect(source).toBeFocused();
  await expect(page.locator(".cm-lineNumbers .cm-activeLineGutter")).toHaveText("18");
  await source.fill(original);
  await expect(outcome).toHaveText("requires_exception");

  await page.getByRole("button", { name: "Publish" }).click();
  await page.getByLabel("Change note").fill("first version");
  await page.getByRole("button", { name: "Publish" }).click();
  await expect(page.getByRole("status")).toContainText("Published version 1");

  await source.fill(original.replace("proposed_discount <= 0.10", "proposed_discount <= 0.15").replace("proposed_discount > 0.10", "proposed_discount > 0.15"));
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByText("Draft saved.")).toBeVisible();
  await page.getByLabel("Change note").fill("raise the cap to 15%");
  await page.getByRole("button", { name: "Publish" }).click();
  await expect(page.getByRole("status").last()).toContainText("Published version 2");

  // Leaving with unsaved changes asks first.
  await source.fill(original + "\n# not saved\n");
  await page.goto("/policies/discounts/versions?from=1&to=2");
  expect(dialogs).toContain("beforeunload");
  await hydrated(page);
  await expect(page.getByTestId("version-diff")).toContainText("+     when: proposed_discount <= 0.15");
  await checkPage(page, "policy-history");
  await page.goto("/policies");
  await expect(page.getByRole("cell", { name: "v2" })).toBeVisible();
  await checkPage(page, "policies");
});

test("a save without a session is refused", async ({ request }) => {
  const response = await request.post("/api/save_draft", {
    form: { id: "discounts", source: "policy: discounts\n", base_revision: "1" },
  });
  expect(response.status()).toBe(401);
});
