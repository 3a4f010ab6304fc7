import { existsSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { SwaggerMockValidatorFactory, type ValidationResult } from "@pactflow/swagger-mock-validator"
import { allowList, valueInPact } from "./SpecAllowList.js"

/** Voucherify's published OpenAPI, read from ../shared beside the checkout (never copied into the project). */
export const specFile = fileURLToPath(new URL("../../../shared/voucherify/management.openapi.json", import.meta.url))

export const specAvailable = (): boolean => existsSync(specFile)

export interface SpecCheck {
  /** Findings no allow-list entry explains: each one is a real disagreement. */
  readonly unexplained: ReadonlyArray<ValidationResult>
  /** How many findings each allow-list entry explained. */
  readonly explainedBy: ReadonlyMap<string, number>
  readonly warnings: ReadonlyArray<ValidationResult>
}

const describeFinding = (f: ValidationResult) =>
  `${f.code} in "${f.mockDetails.interactionDescription}" at ${f.mockDetails.location}: ${f.message}`

/** Validates every interaction of a pact file against the spec with swagger-mock-validator, offline. */
export const checkPact = async (pactPath: string): Promise<SpecCheck> => {
  const pact = JSON.parse(readFileSync(pactPath, "utf8")) as { interactions: Array<Record<string, unknown>> }
  const valueAt = valueInPact(pact)
  const outcome = await SwaggerMockValidatorFactory.create().validate({
    specPathOrUrl: specFile,
    mockPathOrUrl: pactPath
  })
  const explainedBy = new Map<string, number>(allowList.map((e) => [e.id, 0]))
  const unexplained = outcome.errors.filter((finding) => {
    const entry = allowList.find((e) => e.matches(finding, valueAt))
    if (entry === undefined) return true
    explainedBy.set(entry.id, (explainedBy.get(entry.id) ?? 0) + 1)
    return false
  })
  return { unexplained, explainedBy, warnings: outcome.warnings }
}

export const describeFindings = (findings: ReadonlyArray<ValidationResult>): string =>
  findings.map(describeFinding).join("\n")
