import type { DeliveryPayload } from "@voucherify-webhooks/core/Delivery"
import { deliveryKeyFields } from "@voucherify-webhooks/core/DeliverySummary"

// How core's key fields of a delivery read on one line of `vwh listen` or `vwh trigger`.

/** A value as it reads after `name=`: quoted when it holds blanks, quotes or `=` (a campaign's name). */
const show = (value: string): string => (/[\s"'=]/.test(value) || value === "" ? JSON.stringify(value) : value)

/** `entity=r_… voucher=SPRING-1 campaign="Spring Sale 2026" amount=2980`. */
export const keyFieldsText = (delivery: DeliveryPayload): string =>
  deliveryKeyFields(delivery)
    .map(([name, value]) => `${name}=${show(value)}`)
    .join(" ")
