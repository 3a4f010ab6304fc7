// Types of what the tests import from the generator (a plain Node script, so it runs without a build).
export declare const defaultSpecPath: string
export declare const defaultOutPath: string
/** `EVENTS.BUS_VAL_RULE.CREATED` → `business_validation_rule.created`. */
export declare const eventName: (webhookKey: string) => string
export declare const generate: (spec: unknown) => string
export declare const format: (source: string, path: string) => string
