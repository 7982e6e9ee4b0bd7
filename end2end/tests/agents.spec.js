// An admin publishes a refund policy, registers an agent and sees its key once, binds the
// policy, freezes and unfreezes the agent, rotates its key, freezes every agent for a moment,
// and finds the decisions endpoint with a curl example in the API reference.
const { test, expect } = require("@playwright/test");
const { hydrated, checkPage, signIn, admin, signInAdmin } = require("./helpers");

test("register an agent, key once, bind, freeze, rotate, API reference", async ({ page, request }) => {
  // Seven pages checked with axe and shot in light and dark, then the viewer's tour: 40 s to
  // a minute here, too close to the default minute.
  test.slow();
  const dialogs = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    dialog.accept();
  });
  await signInAdmin(page);

  // A published policy to bind, made through the editor.
  await page.goto("/policies");
  await hydrated(page);
  await page.getByLabel(/Policy id/).fill("refunds");
  await page.getByLabel("Start from").selectOption("refund_limit");
  await page.getByRole("button", { name: "Create draft" }).click();
  await expect(page).toHaveURL(/\/policies\/refunds\/edit$/);
  await hydrated(page);
  await page.getByRole("button", { name: "Publish" }).click();
  await page.getByLabel("Change note").fill("first version");
  await page.getByRole("button", { name: "Publish" }).click();
  await expect(page.getByRole("status")).toContainText("Published version 1");

  // The empty list says what to do next.
  await page.goto("/agents");
  await hydrated(page);
  await expect(page.getByText("No agents yet — create one and bind a policy")).toBeVisible();
  await checkPage(page, "agents-empty");

  // A new agent: its key is shown once.
  await page.getByLabel(/^Name/).fill("refund-bot");
  await page.getByLabel("Owner team").fill("payments");
  await page.getByLabel("Description").fill("Refunds small orders");
  await page.getByRole("button", { name: "Create agent and key" }).click();
  const key = page.getByTestId("agent-key");
  await expect(key).toHaveText(/^vk_/);
  await expect(page.getByText(/shown only once/)).toBeVisible();
  const firstKey = await key.textContent();
  const row = page.getByRole("row", { name: /refund-bot/ });
  await expect(row).toContainText("payments");
  await expect(row).toContainText("1 active");
  await expect(row).toContainText("never");
  await checkPage(page, "agents");

  // The same name again is refused next to the field, the input kept.
  await page.getByLabel(/^Name/).fill("refund-bot");
  await page.getByRole("button", { name: "Create agent and key" }).click();
  await expect(page.locator("#name-error")).toContainText("already exists");
  await expect(page.getByLabel("Owner team")).toHaveValue("payments");

  // Bind the published policy, following the latest version.
  await page.goto("/agents/refund-bot");
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1, name: "refund-bot" })).toBeVisible();
  await expect(page.getByText("No policies bound")).toBeVisible();
  await page.getByLabel("Published policy").selectOption("refunds");
  await page.getByRole("button", { name: "Bind policy" }).click();
  await expect(page.getByRole("status")).toContainText("Bound refunds");
  const binding = page.getByRole("row", { name: /refunds/ });
  await expect(binding).toContainText("latest (v1)");
  await expect(binding.getByRole("link", { name: "refunds" })).toHaveAttribute("href", "/policies/refunds/edit");

  // Freeze with a reason, confirmed, then unfreeze.
  await page.getByLabel(/^Reason/).fill("investigating duplicate refunds");
  await page.getByRole("button", { name: "Freeze agent" }).click();
  await expect(page.getByTestId("agent-freeze")).toContainText("investigating duplicate refunds");
  await expect(page.getByTestId("agent-freeze")).toContainText(admin.email);
  expect(dialogs.at(-1)).toContain("Freeze this agent?");
  await checkPage(page, "agent-frozen");
  await page.getByRole("button", { name: "Unfreeze agent" }).click();
  await expect(page.getByRole("status")).toContainText("Agent unfrozen");
  await expect(page.getByTestId("agent-freeze")).toHaveCount(0);

  // Rotate with a grace period: a new key shown once, the old one in its grace period.
  await page.getByLabel(/Grace period/).fill("3600");
  await page.getByRole("button", { name: "Rotate key" }).click();
  await expect(page.getByRole("status").first()).toContainText("New key issued");
  await expect(key).toHaveText(/^vk_/);
  const secondKey = await key.textContent();
  expect(secondKey).not.toEqual(firstKey);
  await expect(page.getByText("grace period", { exact: true })).toBeVisible();
  await expect(page.getByText("active", { exact: true })).toBeVisible();
  await checkPage(page, "agent-detail");

  // Freeze every agent: everyone sees the banner; then lift it.
  await page.goto("/agents");
  await hydrated(page);
  await page.getByLabel(/^Reason/).fill("incident drill");
  await page.getByRole("button", { name: "Freeze all agents" }).click();
  await expect(page.getByTestId("global-freeze")).toContainText("All agents are frozen: incident drill — by admin@example.com at");
  expect(dialogs.at(-1)).toContain("Freeze ALL agents?");
  await page.goto("/agents/refund-bot");
  await expect(page.getByTestId("global-freeze")).toContainText("incident drill");
  await page.goto("/agents");
  await hydrated(page);
  await checkPage(page, "agents-global-freeze");
  await page.getByRole("button", { name: "Unfreeze all agents" }).click();
  await expect(page.getByTestId("global-freeze")).toHaveCount(0);

  // The agent opens a decision with its new key and has the bound policy evaluate it.
  const auth = { Authorization: `Bearer ${secondKey}` };
  const opened = await request.post("/api/v1/decisions", {
    headers: auth,
    data: { intent: "billing.refund.create", automation_mode: "propose" },
  });
  expect(opened.status()).toBe(201);
  const { decision_id } = await opened.json();
  const evaluated = await request.post(`/api/v1/decisions/${decision_id}/evaluate`, {
    headers: auth,
    data: { inputs: { amount: 35.5, currency: "EUR" } },
  });
  expect(evaluated.status()).toBe(200);

  // The API reference, linked from the Agents page.
  await page.getByRole("main").getByRole("link", { name: "API reference" }).click();
  await expect(page).toHaveURL(/\/api-reference$/);
  await hydrated(page);
  const open = page.locator("#op-post-decisions");
  await expect(open.getByRole("heading", { level: 3 })).toContainText("POST /decisions");
  await expect(open.getByRole("cell", { name: "intent", exact: true })).toBeVisible();
  await expect(open.getByTestId("curl")).toContainText('curl -X POST "$VERDICT_URL/api/v1/decisions"');
  await expect(open.getByTestId("curl")).toContainText("Authorization: Bearer $VERDICT_AGENT_KEY");
  await expect(open.getByTestId("curl")).toContainText('"intent":"refund.create"');
  await checkPage(page, "api-reference");

  // A viewer reads everything and finds no control to change anything.
  await page.goto("/users");
  await hydrated(page);
  await page.getByLabel("Email").fill("agents-viewer@example.com");
  await page.getByLabel("Name").fill("Vic Viewer");
  await page.getByLabel("Role", { exact: true }).selectOption("viewer");
  await page.getByLabel(/Initial password/).fill("viewer password 123");
  await page.getByRole("button", { name: "Add person" }).click();
  await expect(page.getByText("can now sign in")).toBeVisible();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await signIn(page, "agents-viewer@example.com", "viewer password 123");
  await expect(page).toHaveURL(/\/$/);
  await page.goto("/agents");
  await hydrated(page);
  await expect(page.getByRole("row", { name: /refund-bot/ })).toContainText("2 active");
  await expect(page.getByRole("row", { name: /refund-bot/ })).toContainText("just now");
  await expect(page.getByRole("button")).toHaveText(["Sign out"]);
  await page.goto("/agents/refund-bot");
  await hydrated(page);
  await expect(page.getByRole("row", { name: /refunds/ })).toContainText("latest (v1)");
  await expect(page.getByText("grace period", { exact: true })).toBeVisible();
  const decisionRow = page.getByRole("row", { name: /billing\.refund\.create/ });
  await expect(decisionRow).toContainText("open");
  await expect(decisionRow).toContainText("allow");
  await expect(decisionRow.locator(".short-id")).toHaveAttribute("title", decision_id);
  await expect(page.getByRole("button")).toHaveText(["Sign out"]);
  await checkPage(page, "agent-detail-viewer");

  // The policy pages are read-only for a viewer, and the server refuses their writes.
  await page.goto("/policies/refunds/edit");
  await hydrated(page);
  // The editor (CodeMirror) shows the source read-only over the draft's textarea, read-only too.
  const source = page.getByLabel("Policy source (YAML)");
  await expect(source).toHaveAttribute("aria-readonly", "true");
  await expect(page.locator("#policy-source")).toHaveAttribute("readonly", "");
  await source.click();
  await page.keyboard.type("changed");
  await expect(source).not.toContainText("changed");
  await expect(page.getByRole("button", { name: "Save draft" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Publish" })).toHaveCount(0);
  const refused = await page.request.post("/api/save_draft", {
    form: { id: "refunds", source: "policy: refunds\n", base_revision: "1" },
  });
  expect(refused.status()).toBe(403);
});

test("agent changes without a session are refused", async ({ request }) => {
  const response = await request.post("/api/create_agent", {
    form: { name: "sneaky", description: "", owner_team: "" },
  });
  expect(response.status()).toBe(401);
});
