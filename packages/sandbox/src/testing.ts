/**
 * The test kit: a sandbox in this process or as a process, a signed-delivery receiver on loopback, and `waitFor`.
 * Each comes as an Effect (scoped, or a service for `@effect/vitest`'s `layer(...)`) and as plain async functions
 * for tests and scripts without Effect. It needs Node (node:http, node:child_process) and no test runner.
 */

export { Sandbox } from "./Sandbox.js"
export { closedPort } from "./testing/ClosedPort.js"
export {
  type CallOptions,
  type CallResult,
  startTestSandbox,
  type TestSandbox,
  testSandboxLayer
} from "./testing/InProcess.js"
export {
  type Answer,
  DeliveryReceiver,
  type ReceivedRequest,
  type Receiver,
  type ReceiverOptions,
  receiver,
  startReceiver
} from "./testing/Receiver.js"
export {
  RunningSandboxProcess,
  type SandboxProcess,
  SandboxProcessError,
  type SandboxProcessOptions,
  sandboxBin,
  sandboxProcess,
  startSandboxProcess
} from "./testing/SandboxProcess.js"
export { type WaitOptions, WaitTimeout, waitFor, waitForEffect } from "./testing/WaitFor.js"
