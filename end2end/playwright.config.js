// Verdict's browser tests run in Debian's Chromium (Playwright's own browser download is not
// available here). scripts/test.sh starts a server on a fresh database and sets BASE_URL and
// VERDICT_SETUP_URL before calling `npx playwright test`.
const { defineConfig } = require("@playwright/test");

module.exports = defineConfig({
  testDir: "./tests",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  // CI retries a failed test once; Playwright lists a pass on retry as flaky, so it is seen.
  retries: process.env.CI ? 1 : 0,
  reporter: [["list"]],
  // The first-run tests use the one-time setup link, so they run before everything else.
  projects: [
    { name: "first-run", testMatch: /foundation\.spec\.js/ },
    { name: "features", testIgnore: /foundation\.spec\.js/, dependencies: ["first-run"] },
  ],
  use: {
    baseURL: process.env.BASE_URL || "http://127.0.0.1:3100",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
      ],
    },
  },
});
