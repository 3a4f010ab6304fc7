import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Property tests run many cases; keep them well inside the default budget.
    testTimeout: 20_000
  }
})
