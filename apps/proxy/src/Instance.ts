import { hostname } from "node:os"

// Which replica or worker wrote a line: with several behind one load balancer, an access or audit line must say
// where it came from. `instanceId` from the config, else `<hostname>/<pid>` (a container's hostname is its pod).
let current = `${hostname()}/${process.pid}`

/** This process's name in access and audit lines. */
export const instance = (): string => current

/**
 * Set once at start from the config's `instanceId`, when it has one; a worker of `workers: N` is `<instanceId>/w<k>`
 * (without an instanceId, each worker's pid already tells them apart).
 */
export const setInstance = (configured: string | undefined, worker?: number): void => {
  current =
    configured === undefined
      ? `${hostname()}/${process.pid}`
      : worker === undefined
        ? configured
        : `${configured}/w${worker}`
}
