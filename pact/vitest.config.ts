import { defineConfig } from "vitest/config"

// Contract work is sequential: the consumer run writes the pact the later runs read, and every
// provider verification drives one native verifier at a time.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
