import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Redacted from "effect/Redacted"
import { type BrowserContext, chromium, type Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { spawnProxy, upstreamEnv, writeConfig } from "./built.js"
import { startSandbox } from "./helpers.js"

/** Debian's Chromium: `.ci/run` installs it when it is missing. */
const chromiumPath = "/usr/bin/chromium"
const missing = `skipped: ${chromiumPath} is missing. Install it to run the /docs browser test: sudo apt-get install chromium (Debian, Ubuntu)`

/** Swagger UI's "Execute" on the List Webhooks operation; resolves to the status and body the page shows. */
const listWebhooks = async (page: Page, project: string) => {
  const operation = page.locator(".opblock").filter({ hasText: "List Webhooks" })
  if (!(await operation.locator("button.execute").isVisible())) {
    await operation.locator(".opblock-summary").click()
    await operation.locator("button.try-out__btn").click()
    await operation.locator("input[placeholder=projectId]").fill(project)
  }
  const answers = operation.locator(".live-responses-table tbody .response-col_status")
  // Each Execute replaces the previous answer; wait for this one by its request.
  await Promise.all([
    page.waitForResponse((r) => r.url().endsWith(`/projects/${project}/webhooks`)),
    operation.locator("button.execute").click()
  ])
  await answers.first().waitFor()
  return {
    status: Number((await answers.first().textContent())?.trim()),
    body: (await operation.locator(".live-responses-table tbody .response-col_description").first().textContent()) ?? ""
  }
}

/** Fills one API-key scheme in the Authorize dialog, by the scheme's name, and applies it. */
const authorize = async (page: Page, scheme: string, value: string) => {
  await page.locator(".swagger-ui .auth-wrapper .btn.authorize").click()
  const form = page
    .locator(".modal-ux .auth-container")
    .filter({ has: page.locator("h4 code", { hasText: new RegExp(`^${scheme}$`) }) })
  await form.locator("input").fill(value)
  await form.locator("button.authorize").click()
  await page.locator(".modal-ux button.close-modal").click()
}

describe("/docs in a real browser (headless Chromium)", () => {
  let browser: BrowserContext | undefined
  const profile = mkdtempSync(join(tmpdir(), "vwh-chromium-"))

  beforeAll(async () => {
    if (!existsSync(chromiumPath)) return console.warn(missing)
    // A fresh profile directory (Playwright passes it as --user-data-dir): nothing from an earlier run.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    })
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    rmSync(profile, { recursive: true, force: true })
  })

  it("Authorize takes the id and the token, and Try-it-out lists webhooks (200); nothing is loaded from elsewhere", async (ctx) => {
    if (browser === undefined) return ctx.skip(missing)
    const upstream = await startSandbox(["proj_a"])
    const { path: config, key, headers } = writeConfig("docs", {})
    const proxy = spawnProxy(
      ["--config", config],
      upstreamEnv({
        url: upstream.sandbox.url,
        id: upstream.credentials.managementId,
        token: Redacted.value(upstream.credentials.managementToken)
      })
    )
    const page = await browser.newPage()
    try {
      const origin = `http://127.0.0.1:${await proxy.port}`
      const created = await fetch(`${origin}/management/v1/projects/proj_a/webhooks`, {
        method: "POST",
        headers,
        body: JSON.stringify({ target_url: "https://hooks.example.com/docs", events: ["redemption.succeeded"] })
      })
      expect(created.status).toBe(200)
      const webhook = (await created.json()) as { id: string }

      const requested: Array<string> = []
      page.on("request", (r) => void requested.push(r.url()))
      await page.goto(`${origin}/docs`)

      // Without credentials, then with the id alone: the proxy refuses, and the page shows it.
      expect((await listWebhooks(page, "proj_a")).status).toBe(401)
      await authorize(page, "X-Management-Id", "ci-bot")
      expect((await listWebhooks(page, "proj_a")).status).toBe(401)

      // With the token too, Try-it-out sends both headers and the list comes back.
      await authorize(page, "X-Management-Token", key)
      const listed = await listWebhooks(page, "proj_a")
      expect(listed.status).toBe(200)
      expect(listed.body).toContain(webhook.id)
      expect(listed.body).toContain("https://hooks.example.com/docs")

      // Offline: the page and everything it fetched came from the proxy (Swagger UI is inlined, no CDN).
      expect(requested.length).toBeGreaterThan(0)
      expect(requested.filter((url) => !url.startsWith(`${origin}/`))).toEqual([])
    } finally {
      await page.close()
      proxy.child.kill("SIGTERM")
      await proxy.exited
      await upstream.close()
    }
  })
})
