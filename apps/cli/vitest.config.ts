import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The end-to-end tests run the built bin; build it first when it is missing or older than the sources.
    globalSetup: ["test/buildOnce.ts"],
    testTimeout: 20_000,
    hookTimeout: 60_000
  }
})
