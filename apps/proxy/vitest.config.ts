import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Real sockets and a spawned child process: give them room, but keep failures quick to surface.
    testTimeout: 60_000,
    hookTimeout: 30_000
  }
})
