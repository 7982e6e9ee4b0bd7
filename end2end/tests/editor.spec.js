// The policy editor as tooling: CodeMirror over the draft's textarea (tools/editor, bundled into
// pkg/editor.js), with the dry run's problems underlined, completion, Ctrl-S, the dry-run
// context remembered, a question before leaving unsaved changes, read-only published versions,
// and the plain textarea when the bundle is missing.
const { test, expect } = require("@playwright/test");
const { hydrated, signIn } = require("./helpers");

/**
 * Signs the admin in and opens a new draft `id` made from the discount_cap template; `prepare`
 * runs on the policies page first.
 */
async function newDraft(page, id, prepare = async () => {}) {
  await signIn(page, "admin@example.com", "admin password 123");
  await expect(page).toHaveURL(/\/$/);
  await page.goto("/policies");
  await hydrated(page);
  await prepare();
  await page.getByLabel(/Policy id/).fill(id);
  await page.getByLabel("Start from").selectOption("discount_cap");
  await page.getByRole("button", { name: "Create draft" }).click();
  await expect(page).toHaveURL(new RegExp(`/policies/${id}/edit$`));
  await hydrated(page);
}

/** The editor, once the bundle has put it over the textarea. */
async function codeEditor(page) {
  const editor = page.getByLabel("Policy source (YAML)");
  await expect(editor).toHaveAttribute("contenteditable", "true");
  await expect(page.locator("#policy-source")).toBeHidden();
  return editor;
}

/** The draft's text: the textarea, which the editor keeps up to date, holds it. */
const draftText = (page) => page.locator("#policy-source").inputValue();

/** The 1-based number of the first line of the draft that contains `fragment`. */
async function lineOf(page, fragment) {
  const index = (await draftText(page)).split("\n").findIndex((line) => line.includes(fragment));
  expect(index, fragment).toBeGreaterThanOrEqual(0);
  return index + 1;
}

/** Puts the cursor at the end of line `number` with the keyboard. */
async function endOfLine(page, editor, number) {
  await editor.click();
  await page.keyboard.press("Control+Home");
  for (let line = 1; line < number; line++) await page.keyboard.press("ArrowDown");
  await page.keyboard.press("End");
}

const cursorLine = (page) => page.locator(".cm-lineNumbers .cm-activeLineGutter");

test("a typed error is underlined at its line, and its problem moves the cursor there", async ({ page }) => {
  // The editor works within the page's Content-Security-Policy: nothing it does is refused.
  const browserErrors = [];
  page.on("console", (message) => message.type() === "error" && browserErrors.push(message.text()));
  await newDraft(page, "editor-errors");
  const editor = await codeEditor(page);
  await expect(page.getByTestId("no-problems")).toBeVisible();
  const line = await lineOf(page, "outcome: requires_exception");

  await endOfLine(page, editor, line);
  await page.keyboard.type("_maybe");

  await expect(page.getByTestId("diagnostics")).toContainText(`line ${line}:`);
  await expect(page.locator(".cm-line").nth(line - 1).locator(".cm-lintRange-error")).toHaveText("requires_exception_maybe");
  await expect(page.locator(".cm-lineNumbers .error-line").filter({ hasText: new RegExp(`^${line}$`) })).toBeVisible();
  await expect(page.locator(".cm-lint-marker-error").first()).toBeVisible();

  await page.keyboard.press("Control+Home");
  await expect(cursorLine(page)).toHaveText("1");
  await page.getByRole("button", { name: new RegExp(`line ${line}:`) }).click();
  await expect(editor).toBeFocused();
  await expect(cursorLine(page)).toHaveText(String(line));
  expect(browserErrors).toEqual([]);
});

test("completion offers the policy's keys, outcomes and declared inputs", async ({ page }) => {
  await newDraft(page, "editor-completion");
  const editor = await codeEditor(page);
  const completions = page.locator(".cm-tooltip-autocomplete");
  const line = await lineOf(page, "when: proposed_discount <= 0.10");

  // A declared input, in a condition.
  await endOfLine(page, editor, line);
  await page.keyboard.type(" && acc");
  await completions.getByRole("option", { name: "account_tier" }).click();
  expect(await draftText(page)).toContain("when: proposed_discount <= 0.10 && account_tier\n");

  // A rule's key, on a new line of the rule.
  await page.keyboard.press("Enter");
  await page.keyboard.type("appro");
  await completions.getByRole("option", { name: "approval_route" }).click();
  expect(await draftText(page)).toContain("account_tier\n    approval_route: ");

  // An outcome.
  const outcome = await lineOf(page, "outcome: allow");
  await endOfLine(page, editor, outcome);
  for (const _ of "allow") await page.keyboard.press("Backspace");
  await page.keyboard.type("requ");
  await completions.getByRole("option", { name: "requires_exception" }).click();
  expect((await draftText(page)).split("\n")[outcome - 1]).toBe("    outcome: requires_exception");
});

test("the dry-run context is kept per policy across a reload", async ({ page }) => {
  await newDraft(page, "editor-context");
  await codeEditor(page);
  const context = page.getByLabel("Dry-run context (JSON inputs)");
  await context.fill('{"proposed_discount": 0.3, "account_tier": "pro"}');
  await expect(page.getByTestId("dry-run-outcome")).toHaveText("requires_exception");

  await page.reload();
  await hydrated(page);
  await expect(context).toHaveValue('{"proposed_discount": 0.3, "account_tier": "pro"}');
  await expect(page.getByTestId("dry-run-outcome")).toHaveText("requires_exception");
});

test("leaving with unsaved changes asks first, by a link or by the browser", async ({ page }) => {
  await newDraft(page, "editor-leaving");
  await codeEditor(page);
  const dialogs = [];
  let stay = true;
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.type());
    stay && dialog.type() === "confirm" ? dialog.dismiss() : dialog.accept();
  });

  // Nothing changed yet: a link just leaves.
  await page.getByRole("link", { name: "History and diffs" }).click();
  await expect(page).toHaveURL(/\/versions$/);
  expect(dialogs).toEqual([]);
  await page.goBack();
  await hydrated(page);

  await endOfLine(page, await codeEditor(page), 1);
  await page.keyboard.type("\n# not saved");
  await page.getByRole("link", { name: "History and diffs" }).click();
  expect(dialogs).toEqual(["confirm"]);
  await expect(page).toHaveURL(/\/edit$/);
  expect(await draftText(page)).toContain("# not saved");

  stay = false;
  await page.getByRole("link", { name: "Policies", exact: true }).click();
  await expect(page).toHaveURL(/\/policies$/);
  expect(dialogs).toEqual(["confirm", "confirm"]);

  await page.goBack();
  await hydrated(page);
  await endOfLine(page, await codeEditor(page), 1);
  await page.keyboard.type("\n# not saved either");
  await page.goto("/policies");
  expect(dialogs).toContain("beforeunload");
});

test("Ctrl-S saves the draft", async ({ page }) => {
  await newDraft(page, "editor-save-key");
  const editor = await codeEditor(page);
  await editor.click();
  await page.keyboard.press("Control+End");
  await page.keyboard.type("# saved with the keyboard");
  await page.keyboard.press("Control+s");
  await expect(page.getByText("Draft saved.")).toBeVisible();

  // Saved, so the reload does not ask, and the server has the text.
  await page.reload();
  await hydrated(page);
  await codeEditor(page);
  expect(await draftText(page)).toContain("# saved with the keyboard");
});

test("a published version is shown read-only in the same editor", async ({ page }) => {
  page.on("dialog", (dialog) => dialog.accept());
  await newDraft(page, "editor-read-only");
  await codeEditor(page);
  await page.getByLabel("Change note").fill("first version");
  await page.getByRole("button", { name: "Publish" }).click();
  await expect(page.getByRole("status")).toContainText("Published version 1");

  const browserErrors = [];
  page.on("console", (message) => message.type() === "error" && browserErrors.push(message.text()));
  await page.goto("/policies/editor-read-only/versions?view=1");
  await hydrated(page);
  const version = page.getByLabel("Version 1 (read-only)");
  await expect(version).toHaveAttribute("aria-readonly", "true");
  await expect(version).toContainText("policy: editor-read-only");
  await version.click();
  await page.keyboard.type("changed");
  await expect(version).not.toContainText("changed");
  expect(browserErrors).toEqual([]);
});

test("without the editor bundle the textarea does the work", async ({ page }) => {
  // Blocked once the app runs, so only the editor's bundle is missing.
  await newDraft(page, "editor-plain", () => page.route("**/pkg/editor.js", (route) => route.abort()));
  const source = page.getByLabel("Policy source (YAML)");
  await expect(source).toBeVisible();
  await expect(page.locator(".cm-editor")).toHaveCount(0);
  const original = await source.inputValue();
  const line = await lineOf(page, "outcome: requires_exception");

  await source.fill(original.replace("outcome: requires_exception", "outcome: maybe"));
  await expect(page.locator(".error-line").first()).toHaveText(String(line));
  await page.getByRole("button", { name: new RegExp(`line ${line}:`) }).click();
  await expect(source).toBeFocused();
  const caretLine = await source.evaluate((el) => el.value.slice(0, el.selectionStart).split("\n").length);
  expect(caretLine).toBe(line);

  await page.keyboard.press("Control+s");
  await expect(page.getByText("Draft saved.")).toBeVisible();
});
