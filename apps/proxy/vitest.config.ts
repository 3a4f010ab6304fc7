import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Process and browser tests run the built bundle: built once here, not by each file.
    globalSetup: ["test/globalSetup.ts"],
    // Real sockets and a spawned child process: give them room, but keep failures quick to surface.
    testTimeout: 60_000,
    hookTimeout: 30_000
  }
})
