const { expect } = require("@playwright/test");
const AxeBuilder = require("@axe-core/playwright").default;
const fs = require("fs");
const path = require("path");

const screenshotDir = path.join(__dirname, "..", "screenshots");

/** Wait until the wasm bundle has hydrated the page, so clicks reach the reactive handlers. */
async function hydrated(page) {
  await page.waitForFunction(() => window.__verdictHydrated === true, null, { timeout: 30_000 });
}

/** Zero serious or critical accessibility violations, in light and dark, and a screenshot of each. */
async function checkPage(page, name) {
  for (const scheme of ["light", "dark"]) {
    await page.emulateMedia({ colorScheme: scheme });
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => ["serious", "critical"].includes(v.impact));
    expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(", ")})`)).toEqual([]);
    fs.mkdirSync(screenshotDir, { recursive: true });
    await page.screenshot({ path: path.join(screenshotDir, `${name}-${scheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: "light" });
}

async function signIn(page, email, password) {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

const admin = { email: "admin@example.com", name: "Ada Admin", password: "admin password 123" };

/** Signs the admin in; creates them through the setup link first when a file runs alone. */
async function signInAdmin(page) {
  const setupUrl = process.env.VERDICT_SETUP_URL;
  if (setupUrl) {
    await page.goto(setupUrl);
    const email = page.getByLabel("Email");
    if (await email.isVisible()) {
      await hydrated(page);
      await email.fill(admin.email);
      await page.getByLabel("Name").fill(admin.name);
      await page.getByLabel(/Password/).fill(admin.password);
      await page.getByRole("button", { name: "Create admin and sign in" }).click();
      await expect(page).toHaveURL(/\/$/);
      return;
    }
  }
  await signIn(page, admin.email, admin.password);
  await expect(page).toHaveURL(/\/$/);
}

/**
 * As the signed-in admin: publishes a policy `policyId` from the refund_limit template and
 * creates agent `agentName` bound to it; returns the agent's API key.
 */
async function provisionRefundAgent(page, policyId, agentName) {
  await page.goto("/policies");
  await hydrated(page);
  await page.getByLabel(/Policy id/).fill(policyId);
  await page.getByLabel("Start from").selectOption("refund_limit");
  await page.getByRole("button", { name: "Create draft" }).click();
  await expect(page).toHaveURL(new RegExp(`/policies/${policyId}/edit$`));
  await hydrated(page);
  await page.getByRole("button", { name: "Publish" }).click();
  await page.getByLabel("Change note").fill("first version");
  await page.getByRole("button", { name: "Publish" }).click();
  await expect(page.getByRole("status")).toContainText("Published version 1");

  await page.goto("/agents");
  await hydrated(page);
  await page.getByLabel(/^Name/).fill(agentName);
  await page.getByRole("button", { name: "Create agent and key" }).click();
  const key = await page.getByTestId("agent-key").textContent();
  await page.goto(`/agents/${agentName}`);
  await hydrated(page);
  await page.getByLabel("Published policy").selectOption(policyId);
  await page.getByRole("button", { name: "Bind policy" }).click();
  await expect(page.getByRole("status")).toContainText(`Bound ${policyId}`);
  return key;
}

/**
 * The agent with `key` (driven over the API) opens a refund decision of `amount` EUR, which its
 * policy sends for an exception, and asks for approval with `approval` (title, message, …).
 */
async function askForException(request, key, amount, approval) {
  const auth = { Authorization: `Bearer ${key}` };
  const opened = await request.post("/api/v1/decisions", {
    headers: auth,
    data: { intent: "billing.refund.create", automation_mode: "autonomous" },
  });
  const { decision_id } = await opened.json();
  const evaluated = await request.post(`/api/v1/decisions/${decision_id}/evaluate`, {
    headers: auth,
    data: { inputs: { amount, currency: "EUR" } },
  });
  expect((await evaluated.json()).outcome).toBe("requires_exception");
  const asked = await request.post(`/api/v1/decisions/${decision_id}/approvals`, { headers: auth, data: approval });
  expect(asked.status()).toBe(201);
  const { approval_id } = await asked.json();
  return { auth, decision_id, approval_id };
}

/**
 * The policy editor's text (the `#policy-source` textarea, which the CodeMirror editor keeps up
 * to date, holds it) replaced by `change(text)`, as if typed: the editor, once the bundle has put
 * it over the textarea, takes the new text, and the page sees it through the textarea.
 */
async function replacePolicySource(page, change) {
  const textarea = page.locator("#policy-source");
  const editor = page.getByLabel("Policy source (YAML)");
  await expect(editor).toHaveAttribute("contenteditable", "true");
  await expect(textarea).toBeHidden();
  const next = change(await textarea.inputValue());
  await editor.fill(next);
  await expect(textarea).toHaveValue(next);
}

module.exports = {
  hydrated,
  checkPage,
  signIn,
  admin,
  signInAdmin,
  provisionRefundAgent,
  askForException,
  replacePolicySource,
};
