import * as Schema from "effect/Schema"

/**
 * Building blocks of the generated event-data schemas (EventData.generated.ts): readers of what Voucherify
 * sends, not validators of what it documents. Voucherify's own examples break its published schemas (its
 * events document's examples), and later API versions add fields and enum values, so every property is optional and nullable, every
 * object keeps the properties it does not know, and enums accept any value of their type.
 */

/** Any JSON object, its properties kept as they came. */
export const AnyObject = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/** An object whose values all have one shape (a map keyed by name). */
export const map = <S extends Schema.Schema.Any>(value: S) => Schema.Record({ key: Schema.String, value })

type Field<S extends Schema.Schema.Any> = Schema.optionalWith<Schema.NullOr<S>, { exact: true }>
type Fields<F extends Record<string, Schema.Schema.Any>> = { readonly [K in keyof F]: Field<F[K]> }

/**
 * An object with documented properties, each optional and nullable (`{ a?: A | null }`), that keeps any other
 * property as it came (decoding returns every key of the input).
 */
export const object = <F extends Record<string, Schema.Schema.Any>>(fields: F) => {
  const lenient: Record<string, Field<Schema.Schema.Any>> = {}
  for (const [name, schema] of Object.entries(fields)) {
    lenient[name] = Schema.optionalWith(Schema.NullOr(schema), { exact: true })
  }
  return Schema.Struct(lenient as Fields<F>, AnyObject)
}

/**
 * A documented enum of strings that accepts any string: the type still offers the documented values (`"A" |
 * "B" | (string & {})` completes to A and B), but a value a later API version adds decodes instead of failing.
 */
export const oneOf = <const Values extends ReadonlyArray<string>>(
  ...values: Values
): Schema.Schema<Values[number] | (string & {})> => Schema.String.annotations({ examples: [values[0]!] })

/** A documented enum of numbers that accepts any number. */
export const oneOfNumbers = <const Values extends ReadonlyArray<number>>(
  ..._values: Values
): Schema.Schema<Values[number] | (number & {})> => Schema.Number
