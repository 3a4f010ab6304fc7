/** Voucherify's public regions and their API hosts (a dedicated region uses its own URL via VOUCHERIFY_API_URL). */
export const clusters = {
  eu: "https://api.voucherify.io",
  us1: "https://us1.api.voucherify.io",
  as1: "https://as1.api.voucherify.io"
} as const

export type Cluster = keyof typeof clusters

export const clusterNames = Object.keys(clusters) as ReadonlyArray<Cluster>
