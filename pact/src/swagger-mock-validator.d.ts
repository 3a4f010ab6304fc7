// The package's "types" points to lib/api-types.d.ts, which is NOT shipped in 14.5.0 -> TS7016. Minimal shim:
declare module "@pactflow/swagger-mock-validator" {
  export interface ValidationResult {
    code: string // e.g. 'response.body.incompatible'
    message: string
    source: "spec-mock-validation" | "swagger-validation" | "pact-broker" | string
    type: "error" | "warning"
    mockDetails: {
      interactionDescription: string | null
      interactionState: string | null
      location: string
      mockFile: string
      value: unknown
    }
    specDetails: {
      location: string
      pathMethod: string | null
      pathName: string | null
      specFile: string
      value: unknown
    }
  }
  export interface ValidationOutcome {
    success: boolean
    failureReason?: string
    errors: ValidationResult[]
    warnings: ValidationResult[]
  }
  export interface UserOptions {
    specPathOrUrl: string
    mockPathOrUrl: string
    providerName?: string
    tag?: string
    additionalPropertiesInResponse?: "true" | "false"
    requiredPropertiesInResponse?: "true" | "false"
  }
  export const SwaggerMockValidatorFactory: {
    create(auth?: string): { validate(o: UserOptions): Promise<ValidationOutcome> }
  }
}
