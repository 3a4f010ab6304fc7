import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Delivery tests wait through a scaled retry schedule; give them room.
    testTimeout: 20_000
  }
})
