import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One pack + install into an empty folder, shared by every test file (test/install.ts).
    globalSetup: ["test/install.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000
  }
})
