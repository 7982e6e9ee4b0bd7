// The first run as a team meets it: set up the first admin, add an approver, and check that the
// approver is refused the admin-only Users page.
const { test, expect } = require("@playwright/test");
const { hydrated, checkPage, signIn } = require("./helpers");

const admin = { email: "admin@example.com", name: "Ada Admin", password: "admin password 123" };
const approver = { email: "approver@example.com", name: "Abe Approver", password: "approver password 123" };

test.describe.configure({ mode: "serial" });

test("first admin through the setup page, then an approver who cannot open Users", async ({ page }) => {
  const setupUrl = process.env.VERDICT_SETUP_URL;
  expect(setupUrl, "scripts/test.sh passes the setup URL the server printed").toBeTruthy();

  await page.goto(setupUrl);
  await hydrated(page);
  await checkPage(page, "setup");
  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Name").fill(admin.name);
  await page.getByLabel(/Password/).fill(admin.password);
  await page.getByRole("button", { name: "Create admin and sign in" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("link", { name: admin.name })).toBeVisible();
  await hydrated(page);
  await checkPage(page, "home");

  await page.goto(setupUrl);
  await expect(page.getByText("Setup is complete, or this setup link is not valid.")).toBeVisible();

  await page.goto("/users");
  await hydrated(page);
  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Name").fill(approver.name);
  await page.getByLabel("Role", { exact: true }).selectOption("approver");
  await page.getByLabel(/Initial password/).fill(approver.password);
  await page.getByRole("button", { name: "Add person" }).click();
  await expect(page.locator("#email-error")).toContainText("already has an account");
  await expect(page.getByLabel("Name")).toHaveValue(approver.name);
  await expect(page.getByLabel("Role", { exact: true })).toHaveValue("approver");
  await page.getByLabel("Email").fill(approver.email);
  await page.getByRole("button", { name: "Add person" }).click();
  await expect(page.getByRole("status")).toContainText(`${approver.name} (${approver.email}) can now sign in.`);
  await expect(page.getByRole("cell", { name: approver.email })).toBeVisible();
  await checkPage(page, "users");

  // A role picked in one row but not sent survives another row's change reloading the list;
  // the changed row shows its stored role.
  const adminRole = page.getByLabel(`Role of ${admin.email}`);
  const approverRow = page.getByRole("row").filter({ hasText: approver.email });
  await adminRole.selectOption("viewer");
  await page.getByLabel(`Role of ${approver.email}`).selectOption("author");
  await approverRow.getByRole("button", { name: "Change role" }).click();
  await expect(approverRow.locator(".badge.role-author")).toBeVisible();
  await expect(adminRole).toHaveValue("viewer");
  await expect(page.getByLabel(`Role of ${approver.email}`)).toHaveValue("author");
  await page.getByLabel(`Role of ${approver.email}`).selectOption("approver");
  await approverRow.getByRole("button", { name: "Change role" }).click();
  await expect(approverRow.locator(".badge.role-approver")).toBeVisible();
  await expect(adminRole).toHaveValue("viewer");
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel(`Role of ${admin.email}`)).toHaveValue("admin");

  for (const area of ["policies", "agents", "approvals", "traces", "profile"]) {
    await page.goto(`/${area}`);
    await hydrated(page);
    await checkPage(page, area);
  }

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await checkPage(page, "login");

  await signIn(page, approver.email, "wrong password here");
  await expect(page.locator("#password-error")).toContainText("do not match");
});

test("the approver signs in and is refused the Users page", async ({ page }) => {
  await signIn(page, approver.email, approver.password);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByText(approver.name)).toBeVisible();
  await expect(page.getByRole("link", { name: "Users" })).toHaveCount(0);

  const response = await page.goto("/users");
  expect(response.status()).toBe(403);
  await expect(page.getByText("Your role does not allow this.")).toBeVisible();
  await expect(page.getByText(admin.email)).toHaveCount(0);
});
