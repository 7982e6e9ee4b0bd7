// An admin applies a data product from the Products page (a broken document is refused next to
// the field, with its line and column), finds it listed and on its own page, grants its read
// operation to an agent on the agent's page, and archives another product.
const { test, expect } = require("@playwright/test");
const { hydrated, checkPage, signInAdmin } = require("./helpers");

/** A PII product read for support only; `name` keeps a retry's product apart from the first's. */
function profilesProduct(name) {
  return [
    `product: ${name}`,
    "description: Customers' contact details, for support.",
    "owner_team: customer-data",
    "classification: confidential",
    "contains_pii: true",
    "allowed_purposes: [support]",
    "operations:",
    "  - name: profile.read",
    "    kind: read",
    "    risk_tier: read_only",
    "",
  ].join("\n");
}

test("apply a data product, see a broken one refused, grant it to an agent, see a refused read", async ({ page, request }, testInfo) => {
  const dialogs = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    dialog.accept();
  });
  const product = `support_profiles_${testInfo.retry}`;
  const agent = `profile-reader-${testInfo.retry}`;
  await signInAdmin(page);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Products" }).click();
  await expect(page).toHaveURL(/\/products$/);
  await hydrated(page);
  const source = page.getByLabel("Data product (YAML)");

  // A starter fills the document.
  await page.getByLabel("Start from a template").selectOption("customer_profiles");
  await expect(source).toHaveValue(/^product: customer_profiles\n/);

  // A broken document is refused next to the field, with the line and column of the mistake.
  await source.fill(profilesProduct(product).replace("risk_tier: read_only", "risk_tier: harmless"));
  await page.getByRole("button", { name: "Apply", exact: true }).click();
  const diagnostic = page.locator("#source_yaml-error");
  await expect(diagnostic).toContainText("line 10:16");
  await expect(diagnostic).toContainText("unknown risk tier `harmless`");
  await expect(source).toHaveValue(/risk_tier: harmless/);

  // Corrected, it is applied as version 1 and listed.
  await source.fill(profilesProduct(product));
  await page.getByRole("button", { name: "Apply", exact: true }).click();
  await expect(page.getByRole("status")).toContainText(`Applied ${product} as version 1.`);
  await expect(diagnostic).toHaveCount(0);
  const row = page.getByRole("row", { name: new RegExp(product) });
  await expect(row).toContainText("confidential");
  await expect(row).toContainText("PII");
  await expect(row).toContainText("profile.read");
  await expect(row).toContainText("read_only");
  await expect(row).toContainText("active");
  await checkPage(page, "products");

  // Its page: what it holds and for which purposes, its operation and its one version.
  await row.getByRole("link", { name: product }).click();
  await expect(page).toHaveURL(new RegExp(`/products/${product}$`));
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1, name: product })).toBeVisible();
  await expect(page.getByText("support", { exact: true })).toBeVisible();
  await expect(page.getByRole("row", { name: /profile\.read/ })).toContainText("read_only");
  await expect(page.getByText("No agent is granted an operation of this product")).toBeVisible();
  await expect(page.getByLabel("Data product (YAML)")).toHaveValue(profilesProduct(product));

  // An agent, granted the product's read on its page.
  await page.goto("/agents");
  await hydrated(page);
  await page.getByLabel(/^Name/).fill(agent);
  await page.getByRole("button", { name: "Create agent and key" }).click();
  await expect(page.getByTestId("agent-key")).toHaveText(/^vk_/);
  const key = (await page.getByTestId("agent-key").textContent()).trim();
  await page.goto(`/agents/${agent}`);
  await hydrated(page);
  await expect(page.getByText("No data product granted")).toBeVisible();
  await page.getByLabel("Active data product").selectOption(product);
  await page.getByLabel("profile.read").check();
  await page.getByRole("button", { name: "Grant", exact: true }).click();
  await expect(page.getByRole("status")).toContainText(`Granted profile.read of ${product}.`);
  const grant = page.getByRole("row", { name: new RegExp(product) });
  await expect(grant).toContainText("profile.read");
  await expect(grant.getByRole("link", { name: product })).toHaveAttribute("href", `/products/${product}`);
  await checkPage(page, "agent-detail-grants");

  // The product's page lists the agent, linked.
  await page.goto(`/products/${product}`);
  await hydrated(page);
  const granted = page.getByRole("row", { name: new RegExp(agent) });
  await expect(granted).toContainText("profile.read");
  await expect(granted.getByRole("link", { name: agent })).toHaveAttribute("href", `/agents/${agent}`);
  await checkPage(page, "product-detail");

  // The agent reads it for a purpose the product does not allow: refused, and on the record.
  const auth = { Authorization: `Bearer ${key}` };
  const opened = await request.post("/api/v1/decisions", {
    headers: auth,
    data: { intent: "customer.lookup", automation_mode: "autonomous" },
  });
  expect(opened.status()).toBe(201);
  const { decision_id } = await opened.json();
  const read = await request.post(`/api/v1/decisions/${decision_id}/reads`, {
    headers: auth,
    data: { product, operation: "profile.read", purpose: "marketing" },
  });
  expect(read.status()).toBe(403);
  expect((await read.json()).error.code).toBe("purpose_not_allowed");
  await page.goto(`/traces/${decision_id}`);
  await hydrated(page);
  await expect(page.getByText(`read of ${product} (profile.read) for marketing was refused (purpose_not_allowed)`)).toBeVisible();
  await checkPage(page, "decision-refused-read");
  await page.goto(`/products/${product}`);
  await hydrated(page);
  const attempt = page.getByRole("row", { name: /refused: purpose_not_allowed/ });
  await expect(attempt).toContainText("marketing");
  await expect(attempt.getByRole("link")).toHaveAttribute("href", `/traces/${decision_id}`);

  // Another product, archived after a confirmation: no longer changed or offered for grants.
  const retired = `retired_profiles_${testInfo.retry}`;
  await page.goto("/products");
  await hydrated(page);
  await page.getByLabel("Data product (YAML)").fill(profilesProduct(retired));
  await page.getByRole("button", { name: "Apply", exact: true }).click();
  await expect(page.getByRole("status")).toContainText(`Applied ${retired} as version 1.`);
  await page.getByRole("status").getByRole("link", { name: "See the product" }).click();
  await expect(page).toHaveURL(new RegExp(`/products/${retired}$`));
  await hydrated(page);
  await page.getByRole("button", { name: "Archive", exact: true }).click();
  expect(dialogs.at(-1)).toContain("Archive this data product?");
  await expect(page.getByTestId("product-archived")).toContainText("archived");
  await expect(page.getByRole("button", { name: "Apply", exact: true })).toHaveCount(0);
  await page.goto(`/agents/${agent}`);
  await hydrated(page);
  const offered = page.getByLabel("Active data product").locator("option");
  await expect(offered.filter({ hasText: product })).toHaveCount(1);
  await expect(offered.filter({ hasText: retired })).toHaveCount(0);

  // Archived too, so the specs after this one find no catalogue in use (their agents name
  // systems in free text).
  await page.goto(`/products/${product}`);
  await hydrated(page);
  await page.getByRole("button", { name: "Archive", exact: true }).click();
  await expect(page.getByTestId("product-archived")).toContainText("archived");
});
