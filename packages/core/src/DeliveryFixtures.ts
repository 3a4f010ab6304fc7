import type { DeliveryDataOf, DeliveryType } from "./TypedDelivery.js"

/*
 * One realistic `data` for every event this release knows, written for this project (not copied from
 * Voucherify): one shop, "Harbour & Pine", its customer Maya Lindqvist, her order, the spring campaign's coupon,
 * a gift card, a loyalty card and a referral. Each is valid against Voucherify's published schema of its event
 * where one exists (tested with a JSON Schema validator); the 17 events without one get data shaped like their
 * neighbours'. Used by the sandbox's deliveries and by `makeDelivery` (MakeDelivery.ts).
 *
 * Only type imports above: loading this module does not load the generated schemas.
 */

const at = {
  created: "2025-11-04T09:12:31.000Z",
  campaign: "2026-02-20T08:00:00.000Z",
  updated: "2026-03-01T17:45:02.000Z",
  now: "2026-03-02T10:15:00.000Z",
  later: "2026-03-02T10:15:01.000Z",
  start: "2026-03-01T00:00:00.000Z",
  end: "2026-05-31T23:59:59.000Z"
} as const

const ids = {
  customer: "cust_8mQw2RkT4vXn6bYp0LsE3aHd",
  referrer: "cust_3JfV9cNa7PqZ1wKe5TxR2uLm",
  order: "ord_5GhK2mNp8QrS4tVw6XyZ9aBc",
  spring: "camp_Sp26rNg4QvXb8LmT2kWe9ZcD",
  gift: "camp_Gf7tCaRd3nVm5QxP1sLk8WjE",
  loyalty: "camp_Ly1tYcLb6HwQ9rN3vXp5KmTa",
  referral: "camp_Rf2rAlPg8KnT4wQx7ZmV1bYc",
  promotion: "camp_Pr0mW3kNd5LxQ2vT8rZc6YaB",
  coupon: "v_c0UpOn5pR1nG26XqT4wV8yZ2bN6mK3aJ",
  giftCard: "v_g1FtCaRd9QwE3rT6yU2iO5pA8sD1fG4h",
  loyaltyCard: "v_l0YaLtY7cArD2qW5eR8tY1uI4oP6aS9d",
  referralCode: "v_r3FeRrAl4cOdE8mN2bV6cX9zL1kJ5hG7",
  redemption: "r_0e7a3c5b9d1f2a4c6e",
  failedRedemption: "rf_1b8d4e6a0c2f3b5d7a",
  rollback: "rr_2c9e5f7b1d3a4c6e8b",
  tier: "promo_Wk3nD7sPr1nG5xQ9tL2vM8cB",
  stack: "stck_Fr4sH6mN2pQ8tV1wX5zA3bC7",
  silver: "ltr_S1lVeR4mQ7nW2kT9xZ5cB8vL",
  gold: "ltr_G0lD6pR3tY8wQ1nM5kX2zV9b",
  publication: "pub_Mq6NpL2kT8vW4xZ1cR7bY3aH",
  rule: "val_Mn5Kp8Qr2Tw6Xz1Cb4Vd7Ye3A",
  assignment: "asgm_Hx4Jk7Lm1Np5Qr8St2Uv6Wy9Z",
  earningRule: "ern_Or7dEr2PaId5Qw8Er1Ty4Ui6",
  segment: "seg_Vip6CuStOmErS2kQ9wT4xZ1b",
  category: "cat_Sp2rInG8Xq4Wt6Zv1Nm3Lk5J",
  product: "prod_Tr41lRuNnEr5hW8qZ2xK6vM",
  sku: "sku_Tr41lRuNnEr42gRn3Q7wX9z",
  reward: "rew_Fr3eSh1pP1nG6Qv9Wx2Zt5Ky",
  rewardAssignment: "rewa_Ls8Kq3Nv6Xz1Wt4Yp7Rm2Ub",
  transaction: "vtx_0d2f4b6a8c1e3a5c7e9b1d3f",
  bucket: "lopb_Ap8Rk2Mn5Qw1Zt7Xv4Lc9Bd",
  pending: "lopp_Pn3Dg7Kq1Wz5Xt9Rv2Mc6Lb",
  distribution: "distr_We1C0mE5eMaIl8Qx2Nv6Tk",
  rewardRedemption: "rwrd_Jc5Lp9Wq2Nx6Zt1Vk4Rm8",
  event: "evcus_0a4c8e2b6d1f3a5c7e",
  customEvent: "event_Nl7ReViEwQ3xT9wK2zV5mB",
  eventSchema: "ms_Rv1eWsChEmA4kQ8xZ2nT6",
  job: "async_Gn5rAtE8cOdEs2Qw4Zt7"
} as const

const mayaShort = {
  id: ids.customer,
  name: "Maya Lindqvist",
  email: "maya.lindqvist@example.com",
  source_id: "shop-user-48213",
  metadata: { preferred_store: "Gothenburg", newsletter: true },
  object: "customer"
} as const

const referrerShort = {
  id: ids.referrer,
  name: "Jonas Ekström",
  email: "jonas.ekstrom@example.org",
  source_id: "shop-user-10377",
  metadata: {},
  object: "customer"
} as const

const maya = {
  id: ids.customer,
  source_id: "shop-user-48213",
  name: "Maya Lindqvist",
  description: "Prefers in-store pickup",
  email: "maya.lindqvist@example.com",
  phone: "+46 70 123 45 67",
  birthdate: "1991-06-14",
  address: {
    city: "Gothenburg",
    state: "Västra Götaland",
    line_1: "Linnégatan 12",
    line_2: "lgh 1102",
    country: "SE",
    postal_code: "413 04"
  },
  summary: {
    redemptions: {
      total_redeemed: 4,
      total_failed: 1,
      total_succeeded: 3,
      total_rolled_back: 0,
      total_rollback_failed: 0,
      total_rollback_succeeded: 0,
      gift: { redeemed_amount: 2500, amount_to_go: 7500 },
      loyalty_card: { redeemed_points: 200, points_to_go: 340 }
    },
    orders: {
      total_amount: 61800,
      total_count: 5,
      average_amount: 12360,
      last_order_amount: 14900,
      last_order_date: at.now
    }
  },
  loyalty: { points: 540, referred_customers: 1, campaigns: { [ids.loyalty]: { points: 540, referred_customers: 0 } } },
  referrals: {
    total: 1,
    campaigns: [
      {
        campaign_id: ids.referral,
        referrer_id: ids.referrer,
        related_object_id: ids.referralCode,
        related_object_type: "voucher",
        date: "2025-11-04T09:15:10.000Z"
      }
    ]
  },
  metadata: { preferred_store: "Gothenburg", newsletter: true },
  system_metadata: {},
  created_at: at.created,
  updated_at: at.updated,
  assets: { cockpit_url: "https://cockpits.voucherify.io/harbour-and-pine/customers/maya" },
  object: "customer"
} as const

const category = {
  id: ids.category,
  name: "Seasonal",
  hierarchy: 1,
  created_at: "2025-09-01T10:00:00.000Z",
  updated_at: "2025-09-01T10:00:00.000Z",
  object: "category",
  stacking_rules_type: "JOINT"
} as const

const percentOff = { type: "PERCENT", percent_off: 20, amount_limit: 5000, effect: "APPLY_TO_ORDER" } as const

const codeConfig = {
  length: 4,
  charset: "ABCDEFGHJKMNPQRSTUVWXYZ23456789",
  prefix: "SPRING-",
  postfix: "",
  pattern: "SPRING-####"
}

const springCampaign = {
  id: ids.spring,
  name: "Spring Sale 2026",
  campaign_type: "DISCOUNT_COUPONS",
  type: "AUTO_UPDATE",
  is_referral_code: false,
  voucher: {
    type: "DISCOUNT_VOUCHER",
    discount: percentOff,
    redemption: { quantity: 1, redeemed_quantity: 0 },
    code_config: codeConfig
  },
  auto_join: false,
  join_once: false,
  active: true,
  category_id: ids.category,
  category: "Seasonal",
  categories: [category],
  metadata: { channel: "newsletter" },
  start_date: at.start,
  expiration_date: at.end,
  description: "20% off one order, up to 50.00 EUR",
  created_at: at.campaign,
  updated_at: at.updated,
  object: "campaign"
} as const

const giftCampaign = {
  id: ids.gift,
  name: "Gift Cards",
  campaign_type: "GIFT_VOUCHERS",
  type: "AUTO_UPDATE",
  is_referral_code: false,
  auto_join: false,
  join_once: false,
  active: true,
  category_id: null,
  categories: [],
  metadata: {},
  created_at: "2025-10-01T12:00:00.000Z",
  object: "campaign"
} as const

const loyaltyCampaign = {
  id: ids.loyalty,
  name: "Harbour Club",
  campaign_type: "LOYALTY_PROGRAM",
  type: "AUTO_UPDATE",
  is_referral_code: false,
  auto_join: true,
  join_once: true,
  active: true,
  category_id: null,
  categories: [],
  metadata: {},
  created_at: "2025-08-15T07:30:00.000Z",
  object: "campaign"
} as const

const referralCampaign = {
  id: ids.referral,
  name: "Bring a Friend",
  campaign_type: "REFERRAL_PROGRAM",
  type: "AUTO_UPDATE",
  is_referral_code: true,
  referral_program: {
    conversion_event_type: "redemption",
    referee_reward: {
      related_object_parent: { id: ids.spring, name: "Spring Sale 2026", object: "CAMPAIGN" },
      type: "DISCOUNT_VOUCHER",
      amount: "1000"
    }
  },
  auto_join: false,
  join_once: false,
  active: true,
  category_id: null,
  categories: [],
  metadata: {},
  created_at: "2025-10-20T09:00:00.000Z",
  object: "campaign"
} as const

const coupon = {
  id: ids.coupon,
  code: "SPRING-7QX2",
  discount: percentOff,
  type: "DISCOUNT_VOUCHER",
  campaign: "Spring Sale 2026",
  campaign_id: ids.spring,
  is_referral_code: false,
  holder_id: ids.customer,
  category_id: ids.category,
  categories: [category],
  active: true,
  created_at: at.campaign,
  updated_at: at.now,
  redemption: { quantity: 1, redeemed_quantity: 1 },
  start_date: at.start,
  expiration_date: at.end,
  metadata: {},
  object: "voucher"
} as const

const giftCard = {
  id: ids.giftCard,
  code: "GIFT-H4P9-2LQX",
  gift: { amount: 10000, balance: 7500, effect: "APPLY_TO_ORDER" },
  type: "GIFT_VOUCHER",
  campaign: "Gift Cards",
  campaign_id: ids.gift,
  is_referral_code: false,
  holder_id: ids.customer,
  category_id: null,
  categories: [],
  active: true,
  created_at: "2025-12-20T15:02:11.000Z",
  updated_at: at.now,
  redemption: { quantity: null, redeemed_quantity: 1 },
  metadata: { occasion: "birthday" },
  object: "voucher"
} as const

const loyaltyCard = {
  id: ids.loyaltyCard,
  code: "CLUB-8WJ3K5",
  loyalty_card: {
    points: 740,
    balance: 540,
    next_expiration_date: "2026-12-31",
    next_expiration_points: 120,
    pending_points: 149,
    expired_points: 0,
    subtracted_points: 200
  },
  type: "LOYALTY_CARD",
  campaign: "Harbour Club",
  campaign_id: ids.loyalty,
  is_referral_code: false,
  holder_id: ids.customer,
  category_id: null,
  categories: [],
  active: true,
  created_at: "2025-11-04T09:12:40.000Z",
  updated_at: at.now,
  redemption: { quantity: null, redeemed_quantity: 2 },
  metadata: {},
  object: "voucher"
} as const

const referralCode = {
  id: ids.referralCode,
  code: "JONAS-FRIEND-24",
  discount: { type: "AMOUNT", amount_off: 1000, effect: "APPLY_TO_ORDER" },
  type: "DISCOUNT_VOUCHER",
  campaign: "Bring a Friend",
  campaign_id: ids.referral,
  is_referral_code: true,
  holder_id: ids.referrer,
  referrer_id: ids.referrer,
  category_id: null,
  categories: [],
  active: true,
  created_at: "2025-10-28T18:20:00.000Z",
  updated_at: "2025-11-04T09:15:10.000Z",
  redemption: { quantity: null, redeemed_quantity: 1 },
  metadata: {},
  object: "voucher"
} as const

/** Gift card and loyalty card as full voucher objects (no null category or quantity there). */
const { category_id: _giftCategory, redemption: _giftRedemption, ...giftCardRest } = giftCard
const giftCardFull = { ...giftCardRest, redemption: { redeemed_quantity: 1, redeemed_amount: 2500, object: "list" } }
const { category_id: _cardCategory, redemption: _cardRedemption, ...loyaltyCardRest } = loyaltyCard
const loyaltyCardFull = {
  ...loyaltyCardRest,
  redemption: { redeemed_quantity: 2, redeemed_points: 200, object: "list" }
}

/** The full voucher object of the voucher.* events. */
const couponFull = {
  ...coupon,
  validity_day_of_week: [1, 2, 3, 4, 5, 6, 0],
  additional_info: "One per customer",
  assets: {
    qr: { id: "U2FsdGVkX1-qr-spring-7qx2", url: "https://dl.voucherify.io/api/v1/assets/qr/U2FsdGVkX1-qr-spring-7qx2" },
    barcode: {
      id: "U2FsdGVkX1-bc-spring-7qx2",
      url: "https://dl.voucherify.io/api/v1/assets/barcode/U2FsdGVkX1-bc-spring-7qx2"
    }
  },
  is_referral_code: false,
  validation_rules_assignments: { object: "list", data_ref: "data", data: [], total: 0 },
  publish: { object: "list", count: 1, url: `/v1/vouchers/SPRING-7QX2/publications?page=1&limit=10` },
  redemption: {
    quantity: 1,
    redeemed_quantity: 1,
    redeemed_amount: 2980,
    redeemed_points: 0,
    object: "list",
    url: `/v1/vouchers/SPRING-7QX2/redemptions?page=1&limit=10`
  }
} as const

const orderItems = [
  {
    object: "order_item",
    source_id: "trail-runner-42",
    related_object: "sku",
    product_id: ids.product,
    sku_id: ids.sku,
    quantity: 1,
    amount: 12900,
    discount_amount: 0,
    price: 12900,
    subtotal_amount: 12900
  },
  {
    object: "order_item",
    source_id: "merino-socks",
    related_object: "product",
    product_id: "prod_Mer1n0SoCkS4qW7eR2tY5u",
    quantity: 2,
    amount: 2000,
    discount_amount: 0,
    price: 1000,
    subtotal_amount: 2000
  }
] as const

const order = {
  id: ids.order,
  source_id: "HP-2026-004417",
  status: "PAID",
  customer_id: ids.customer,
  referrer_id: null,
  amount: 14900,
  discount_amount: 2980,
  total_discount_amount: 2980,
  total_amount: 11920,
  applied_discount_amount: 2980,
  total_applied_discount_amount: 2980,
  items: orderItems,
  metadata: { store: "online", shipping: "pickup" },
  object: "order"
} as const

const orderCalculated = {
  id: ids.order,
  source_id: "HP-2026-004417",
  created_at: "2026-03-02T10:14:52.000Z",
  updated_at: at.now,
  status: "PAID",
  amount: 14900,
  discount_amount: 2980,
  total_discount_amount: 2980,
  total_amount: 11920,
  applied_discount_amount: 2980,
  total_applied_discount_amount: 2980,
  items: orderItems.map((item, i) => ({ id: `ordli_0a1b2c3d4e5f6a7b8c${i}`, ...item })),
  metadata: { store: "online", shipping: "pickup" },
  customer_id: ids.customer,
  referrer_id: ids.referrer,
  object: "order",
  customer: { id: ids.customer, object: "customer" },
  referrer: { id: ids.referrer, object: "customer" }
} as const

const redemption = {
  id: ids.redemption,
  customer_id: ids.customer,
  tracking_id: "track_Yk3Qw8Zt1Xv5",
  date: at.now,
  amount: 2980,
  order,
  customer: mayaShort,
  result: "SUCCESS",
  status: "SUCCEEDED",
  voucher: coupon,
  metadata: { pos: "web-checkout" },
  channel: { channel_id: "app_Harbour3Web", channel_type: "API" },
  object: "redemption"
} as const

const redemptionInternal = {
  id: ids.redemption,
  object: "redemption",
  created_at: at.now,
  tracking_id: "track_Yk3Qw8Zt1Xv5",
  metadata: { pos: "web-checkout" },
  channel_type: "API",
  channel_id: "app_Harbour3Web",
  amount: 2980,
  result: "SUCCESS",
  status: "SUCCEEDED",
  customer: mayaShort,
  customer_id: ids.customer,
  related_object_type: "voucher",
  related_object_id: ids.coupon,
  related_object_parent_id: ids.spring,
  campaign_name: "Spring Sale 2026"
} as const

const promotionTierShort = {
  id: ids.tier,
  name: "Weekend: 10% off orders over 100 EUR",
  banner: "10% off this weekend",
  campaign: { id: ids.promotion },
  metadata: {}
} as const

const promotionTier = {
  id: ids.tier,
  created_at: "2026-02-25T11:00:00.000Z",
  updated_at: at.updated,
  name: "Weekend: 10% off orders over 100 EUR",
  banner: "10% off this weekend",
  action: { discount: { type: "PERCENT", percent_off: 10, effect: "APPLY_TO_ORDER" } },
  metadata: {},
  hierarchy: 1,
  promotion_id: ids.promotion,
  campaign: { id: ids.promotion, active: true, object: "campaign" },
  campaign_id: ids.promotion,
  active: true,
  validity_day_of_week: [6, 0],
  summary: { redemptions: { total_redeemed: 37 }, orders: { total_amount: 498200, total_discount_amount: 49820 } },
  object: "promotion_tier",
  validation_rule_assignments: { object: "list", data_ref: "data", data: [], total: 0 },
  category_id: ids.category,
  categories: [category]
} as const

const silverTier = {
  id: ids.silver,
  name: "Silver",
  campaign_id: ids.loyalty,
  earning_rules: {},
  rewards: {},
  points: { from: 500, to: 1499 },
  config: { points: { from: 500, to: 1499 } },
  metadata: {},
  created_at: "2025-08-15T07:35:00.000Z",
  updated_at: null,
  expiration: {
    customer_id: ids.customer,
    campaign_id: ids.loyalty,
    tier_id: ids.silver,
    start_date: "2026-03-02",
    expiration_date: "2026-12-31",
    created_at: at.now
  },
  object: "loyalty_tier"
} as const

const goldTier = {
  ...silverTier,
  id: ids.gold,
  name: "Gold",
  points: { from: 1500 },
  config: { points: { from: 1500 } },
  expiration: { ...silverTier.expiration, tier_id: ids.gold }
} as const

const earningRule = {
  id: ids.earningRule,
  created_at: "2025-08-15T07:40:00.000Z",
  updated_at: null,
  validation_rule_id: null,
  loyalty: { type: "PROPORTIONAL", calculation_type: "ORDER_AMOUNT", order: { amount: { every: 100, points: 1 } } },
  event: "order.paid",
  source: { banner: "1 point for every 1 EUR", object_id: ids.loyalty, object_type: "campaign" },
  object: "earning_rule",
  automation_id: "auto_Ea7rN1ngR4lE9qW2zX5c",
  metadata: {},
  active: true
} as const

const loyaltyBalance = (points: number, balance: number) =>
  ({
    points,
    total: 740 + Math.max(points, 0),
    balance,
    type: "loyalty_card",
    object: "balance",
    related_object: { type: "voucher", id: ids.loyaltyCard }
  }) as const

const giftBalance = {
  amount: 2500,
  total: 10000,
  balance: 7500,
  type: "gift_voucher",
  operation_type: "MANUAL",
  object: "balance",
  related_object: { type: "voucher", id: ids.giftCard }
} as const

const pendingPoints = {
  id: ids.pending,
  voucher_id: ids.loyaltyCard,
  campaign_id: ids.loyalty,
  customer_id: ids.customer,
  order_id: ids.order,
  points: 149,
  activates_at: "2026-03-16",
  details: {
    event: {
      id: "evcus_1c5e9a3d7b2f4a6c8e",
      type: "customer.order.paid",
      group_id: "v-0c3e5a7b9d1f2a4c6e",
      entity_id: ids.order,
      created_at: at.now,
      category: "ACTION",
      event_source: { channel: "API" }
    },
    earning_rule: { id: ids.earningRule, source: { banner: "1 point for every 1 EUR" } },
    order: { id: ids.order, source_id: "HP-2026-004417" }
  },
  created_at: at.now
} as const

const pendingBalance = {
  type: "loyalty_card",
  total: 149,
  object: "balance",
  points: 149,
  balance: 149,
  operation_type: "AUTOMATIC",
  related_object: { id: ids.loyaltyCard, type: "voucher" }
} as const

const loyaltyTransaction = (type: string, points: number, balance: number, details: Record<string, unknown>) =>
  ({
    id: ids.transaction,
    source_id: null,
    voucher_id: ids.loyaltyCard,
    campaign_id: ids.loyalty,
    source: "API",
    reason: null,
    type,
    details: {
      balance: {
        type: "loyalty_card",
        total: 740,
        object: "balance",
        points,
        balance,
        operation_type: "AUTOMATIC",
        related_object: { id: ids.loyaltyCard, type: "voucher" }
      },
      ...details
    },
    related_transaction_id: null,
    created_at: at.now
  }) as const

const pointsAccrued = loyaltyTransaction("POINTS_ACCRUAL", 119, 540, {
  order: { id: ids.order, source_id: "HP-2026-004417" },
  event: { id: "evcus_1c5e9a3d7b2f4a6c8e", type: "customer.order.paid" },
  earning_rule: { id: ids.earningRule, source: { banner: "1 point for every 1 EUR" } }
})

const giftTransaction = {
  id: "vtx_9f1d3b5a7c2e4a6c8e0b2d4f",
  source_id: null,
  voucher_id: ids.giftCard,
  campaign_id: ids.gift,
  source: "voucherify-web-ui",
  reason: "Goodwill credit after a late delivery",
  type: "CREDITS_ADDITION",
  details: {
    balance: {
      type: "gift_voucher",
      total: 10000,
      object: "balance",
      amount: 2500,
      balance: 7500,
      operation_type: "MANUAL",
      related_object: { id: ids.giftCard, type: "voucher" }
    }
  },
  related_transaction_id: null,
  created_at: at.now
} as const

const publication = {
  id: ids.publication,
  object: "publication",
  created_at: at.now,
  customer_id: ids.customer,
  tracking_id: "track_Yk3Qw8Zt1Xv5",
  metadata: { source_type: "distribution", source_id: ids.distribution, distribution_id: ids.distribution },
  channel: "Email",
  source_id: "welcome-spring-48213",
  result: "SUCCESS",
  customer: maya,
  vouchers_id: [ids.coupon]
} as const

const rule = {
  id: ids.rule,
  name: "Orders over 50 EUR",
  rules: {
    "1": { name: "order.amount", conditions: { $more_than: [5000] }, rules: {} },
    logic: "1"
  },
  error: { message: "Your order must be over 50 EUR" },
  applicable_to: { excluded: [], included: [], included_all: false },
  type: "basic",
  context_type: "campaign.discount_coupons",
  created_at: "2026-02-20T08:05:00.000Z",
  updated_at: at.updated,
  assignments_count: 1,
  object: "validation_rules"
} as const

const ruleAssignment = {
  id: ids.assignment,
  rule_id: ids.rule,
  related_object_id: ids.spring,
  related_object_type: "campaign",
  created_at: at.now,
  object: "validation_rules_assignment",
  validation_status: "VALID",
  validation_omitted_rules: []
} as const

const reward = {
  id: ids.reward,
  name: "Free shipping voucher",
  stock: null,
  redeemed: 12,
  attributes: { description: "Free standard shipping on your next order" },
  metadata: {},
  type: "CAMPAIGN",
  parameters: { campaign: { id: ids.spring, type: "DISCOUNT_COUPONS" } },
  updated_at: null,
  object: "reward"
} as const

const rewardResult = {
  id: ids.reward,
  name: "Free shipping voucher",
  object: "reward",
  customer: mayaShort,
  assignment_id: ids.rewardAssignment,
  voucher: coupon,
  loyalty_tier_id: ids.silver,
  created_at: "2025-09-10T10:00:00.000Z",
  metadata: {},
  type: "CAMPAIGN"
} as const

const rewardAssignment = {
  id: ids.rewardAssignment,
  reward_id: ids.reward,
  created_at: "2025-09-10T10:00:00.000Z",
  updated_at: null,
  object: "reward_assignment",
  related_object_id: ids.loyalty,
  related_object_type: "campaign",
  parameters: { loyalty: { points: 200 } }
} as const

const rewardRedemption = (state: string) =>
  ({
    id: ids.rewardRedemption,
    state,
    created_at: at.now,
    updated_at: at.later,
    voucher_id: ids.loyaltyCard,
    campaign_id: ids.loyalty,
    customer_id: ids.customer,
    reward_assignment_id: ids.rewardAssignment,
    source_id: "reward-redeem-48213-0003",
    source_type: "API"
  }) as const

/** A customer spends 200 loyalty points on a reward: the reward_redemptions events at each state. */
const rewardRedemptionData = (state: "CREATED" | "PENDING" | "COMPLETED") => ({
  customer: mayaShort,
  holder: mayaShort,
  voucher: loyaltyCard,
  campaign: loyaltyCampaign,
  reward_redemption: rewardRedemption(state),
  reward: rewardResult,
  reward_assignment: rewardAssignment,
  source: { id: "reward-redeem-48213-0003", type: "API" },
  balance: { amount: -200 }
})

const customEvent = {
  id: ids.customEvent,
  object: "event",
  type: "product_review_submitted",
  customer: { id: ids.customer, source_id: "shop-user-48213", object: "customer" },
  referral: {},
  loyalty: {},
  metadata: { product: "trail-runner-42", rating: 5 },
  created_at: at.now
} as const

const distribution = {
  id: ids.distribution,
  created_at: "2026-02-27T14:00:00.000Z",
  updated_at: at.updated,
  status: "DONE",
  parameters: {
    method: "direct",
    subject: "Your spring coupon is here",
    customer: maya,
    campaign_id: ids.spring
  },
  consents: { disabled: false },
  set_live_at: at.now
} as const

const holder = (role: "OWNER" | "REFERRER" | "REFEREE") =>
  ({
    id: "rh_0a4d8c2e6b1f3a5c7e9d1b3f",
    created_at: at.now,
    redeemable_id: ids.referralCode,
    redeemable_object: "voucher",
    campaign_id: ids.referral,
    campaign_type: "REFERRAL_PROGRAM",
    voucher_type: "DISCOUNT_VOUCHER",
    publication_id: null,
    customer_id: ids.customer,
    holder_role: role,
    object: "redeemable_holder"
  }) as const

const segment = { id: ids.segment, name: "VIP customers", object: "segment" } as const

const redemptionData = (result: "SUCCESS" | "FAILURE") =>
  result === "SUCCESS"
    ? {
        customer: mayaShort,
        order,
        campaign: springCampaign,
        voucher: coupon,
        holder: mayaShort,
        promotion_tier: null,
        promotion_stack: null,
        redemption
      }
    : {
        customer: mayaShort,
        order: { ...order, status: "CREATED", discount_amount: 0, total_discount_amount: 0, total_amount: 14900 },
        campaign: springCampaign,
        voucher: { ...coupon, redemption: { quantity: 1, redeemed_quantity: 1 } },
        holder: mayaShort,
        promotion_tier: null,
        promotion_stack: null,
        redemption: {
          ...redemption,
          id: ids.failedRedemption,
          amount: 0,
          result: "FAILURE",
          status: "FAILED",
          failure_code: "quantity_exceeded",
          failure_message: "voucher's quantity exceeded",
          order: { ...order, status: "CREATED" }
        }
      }

const rollbackData = (succeeded: boolean) => ({
  ...redemptionData("SUCCESS"),
  order: { ...order, status: "CANCELED" },
  redemption_rollback: {
    ...redemption,
    id: ids.rollback,
    date: at.later,
    amount: -2980,
    result: succeeded ? "SUCCESS" : "FAILURE",
    status: succeeded ? "SUCCEEDED" : "FAILED",
    redemption: ids.redemption,
    reason: "Order canceled by the customer",
    ...(succeeded
      ? {}
      : { failure_code: "already_rolled_back", failure_message: "redemption was already rolled back" }),
    object: "redemption_rollback"
  }
})

const campaignFull = {
  id: ids.spring,
  name: "Spring Sale 2026",
  description: "20% off one order, up to 50.00 EUR",
  campaign_type: "DISCOUNT_COUPONS",
  type: "AUTO_UPDATE",
  voucher: {
    type: "DISCOUNT_VOUCHER",
    discount: percentOff,
    redemption: { quantity: 1 },
    code_config: codeConfig,
    is_referral_code: false,
    start_date: at.start,
    expiration_date: at.end
  },
  auto_join: false,
  join_once: false,
  use_voucher_metadata_schema: true,
  vouchers_count: 2500,
  start_date: at.start,
  expiration_date: at.end,
  active: true,
  metadata: { channel: "newsletter" },
  created_at: at.campaign,
  updated_at: at.updated,
  category: "Seasonal",
  creation_status: "DONE",
  vouchers_generation_status: "DONE",
  protected: false,
  category_id: ids.category,
  categories: [category],
  object: "campaign",
  validation_rules_assignments: { object: "list", data_ref: "data", data: [ruleAssignment], total: 1 },
  access_settings_assignments: { object: "list", data_ref: "data", data: [], total: 0 }
} as const

const pendingPointsData = (balanceKey: "balance" | "voucher_pending_points_balance") => ({
  customer: mayaShort,
  campaign: loyaltyCampaign,
  voucher: loyaltyCard,
  [balanceKey]: pendingBalance,
  order,
  pending_points: pendingPoints
})

const expiredBucket = {
  id: ids.bucket,
  voucher_id: ids.loyaltyCard,
  campaign_id: ids.loyalty,
  bucket: { total_points: 120 },
  status: "EXPIRED",
  expires_at: "2026-03-01",
  created_at: "2025-03-01T09:00:00.000Z",
  updated_at: at.now,
  object: "loyalty_points_bucket"
} as const

const pendingPointsActivated = {
  ...pendingPointsData("balance"),
  transaction: loyaltyTransaction("PENDING_POINTS_ACTIVATION", 149, 689, { pending_points: pendingPoints })
}

const orderData = (status: "CREATED" | "PAID" | "CANCELED" | "FULFILLED") => ({
  customer: mayaShort,
  referrer: referrerShort,
  order: { ...orderCalculated, status },
  redemption: redemptionInternal,
  campaign: springCampaign,
  voucher: coupon
})

const tierChange = (from: typeof silverTier | typeof goldTier, to: typeof silverTier | typeof goldTier) => ({
  customer: mayaShort,
  campaign: loyaltyCampaign,
  loyalty_tier_from: from,
  loyalty_tier_to: to,
  created_at: at.now
})

const undocumented = (data: Record<string, unknown>) => data

const promotionStackData = {
  campaign: { ...springCampaign, id: ids.promotion, name: "Weekend Promotions", campaign_type: "PROMOTION" },
  promotion_stack: {
    id: ids.stack,
    name: "Weekend stack",
    category_id: ids.category,
    campaign: { id: ids.promotion },
    tiers: { ids: [ids.tier], hierarchy_mode: "MANUAL" }
  }
}

type Fixtures = { readonly [K in DeliveryType]: DeliveryDataOf<K> }

export const deliveryFixtures: Fixtures = {
  "business_validation_rule.assignment.created": {
    rule,
    assignment: ruleAssignment,
    campaign: springCampaign
  },
  "business_validation_rule.assignment.deleted": {
    rule,
    assignment: ruleAssignment,
    campaign: springCampaign
  },
  "business_validation_rule.created": { rule, created_at: rule.created_at },
  "business_validation_rule.deleted": { rule, deleted_at: at.now },
  "business_validation_rule.updated": { rule, updated_at: at.updated },

  "campaign.created": { campaign: campaignFull, created_at: at.campaign },
  "campaign.deleted": { campaign: { ...campaignFull, active: false }, deleted_at: at.now },
  "campaign.disabled": { campaign: { ...campaignFull, active: false } },
  "campaign.enabled": { campaign: campaignFull },
  "campaign.updated": { campaign: campaignFull },
  "campaign.earning_rule.assigned": undocumented({ campaign: loyaltyCampaign, earning_rule: earningRule }),
  "campaign.earning_rule.deleted": undocumented({ campaign: loyaltyCampaign, earning_rule: earningRule }),
  "campaign.earning_rule.disabled": undocumented({
    campaign: loyaltyCampaign,
    earning_rule: { ...earningRule, active: false }
  }),
  "campaign.earning_rule.enabled": undocumented({ campaign: loyaltyCampaign, earning_rule: earningRule }),
  "campaign.earning_rule.updated": undocumented({ campaign: loyaltyCampaign, earning_rule: earningRule }),
  "campaign.loyalty_tier.created": { campaign: loyaltyCampaign, loyalty_tier: silverTier },
  "campaign.loyalty_tier.deleted": { campaign: loyaltyCampaign, loyalty_tier: silverTier },
  "campaign.loyalty_tier.updated": { campaign: loyaltyCampaign, loyalty_tier: goldTier },
  "campaign.promotion_stack.created": undocumented(promotionStackData),
  "campaign.promotion_stack.updated": undocumented(promotionStackData),
  "campaign.promotion_tier.created": { campaign: springCampaign, promotion_tier: promotionTier },
  "campaign.promotion_tier.deleted": { campaign: springCampaign, promotion_tier: promotionTier },
  "campaign.promotion_tier.disabled": { campaign: springCampaign, promotion_tier: { ...promotionTier, active: false } },
  "campaign.promotion_tier.enabled": { campaign: springCampaign, promotion_tier: promotionTier },
  "campaign.promotion_tier.updated": { campaign: springCampaign, promotion_tier: promotionTier },
  "campaign.referral_tier.created": undocumented({
    campaign: referralCampaign,
    referral_tier: {
      id: "rtr_Fr1eNd5TiEr8Qw2Zx6Lm",
      campaign_id: ids.referral,
      banner: "Refer 3 friends, get 20 EUR",
      parameters: { event_type: "redemption" }
    }
  }),
  "campaign.referral_tier.deleted": undocumented({
    campaign: referralCampaign,
    referral_tier: { id: "rtr_Fr1eNd5TiEr8Qw2Zx6Lm", campaign_id: ids.referral }
  }),
  "campaign.referral_tier.updated": undocumented({
    campaign: referralCampaign,
    referral_tier: {
      id: "rtr_Fr1eNd5TiEr8Qw2Zx6Lm",
      campaign_id: ids.referral,
      banner: "Refer 3 friends, get 25 EUR",
      parameters: { event_type: "redemption" }
    }
  }),
  "campaign.reward.assignment.created": undocumented({
    campaign: loyaltyCampaign,
    reward,
    reward_assignment: rewardAssignment
  }),
  "campaign.reward.assignment.deleted": undocumented({
    campaign: loyaltyCampaign,
    reward,
    reward_assignment: rewardAssignment
  }),
  "campaign.reward.assignment.updated": undocumented({
    campaign: loyaltyCampaign,
    reward,
    reward_assignment: { ...rewardAssignment, parameters: { loyalty: { points: 250 } }, updated_at: at.now }
  }),
  "campaign.vouchers.added": undocumented({
    campaign: springCampaign,
    count: 500,
    async_action_id: ids.job,
    added_at: at.now
  }),
  "campaign.vouchers.generation.completed": { campaign: springCampaign, count: 2500, completed_at: at.now },
  "campaign.vouchers.generation.failed": undocumented({
    campaign: springCampaign,
    count: 0,
    async_action_id: ids.job,
    failed_at: at.now,
    error: { message: "the code pattern SPRING-#### cannot produce 250000 unique codes" }
  }),
  "campaign.vouchers.generation.started": undocumented({
    campaign: springCampaign,
    count: 2500,
    async_action_id: ids.job,
    started_at: at.campaign
  }),

  "customer.confirmed": undocumented({ customer: maya, confirmed_at: at.now }),
  "customer.created": { customer: { ...maya, updated_at: at.created } },
  "customer.deleted": { customer: maya },
  "customer.updated": { customer: maya },
  "customer.rewarded": {
    customer: mayaShort,
    holder: mayaShort,
    voucher: loyaltyCard,
    campaign: loyaltyCampaign,
    redemption: redemptionInternal,
    reward: rewardResult,
    referral_tier: null,
    balance: null,
    custom_event: null,
    customer_event: null
  },
  "customer.rewarded.loyalty_points": {
    customer: mayaShort,
    holder: mayaShort,
    voucher: loyaltyCard,
    campaign: loyaltyCampaign,
    loyalty_tier: silverTier,
    earning_rule: earningRule,
    balance: { ...pendingBalance, total: 740, points: 119, balance: 540 },
    order: orderCalculated
  },
  "customer.redemption.succeeded": redemptionData("SUCCESS"),
  "customer.redemption.rollback.succeeded": rollbackData(true),
  "customer.reward_redemptions.created": rewardRedemptionData("CREATED"),
  "customer.reward_redemptions.pending": rewardRedemptionData("PENDING"),
  "customer.reward_redemptions.completed": rewardRedemptionData("COMPLETED"),
  "customer.voucher.loyalty_card.pending_points.activated": pendingPointsActivated,
  "customer.voucher.loyalty_card.pending_points.added": pendingPointsData("voucher_pending_points_balance"),
  "customer.voucher.loyalty_card.pending_points.canceled": pendingPointsData("voucher_pending_points_balance"),
  "customer.voucher.loyalty_card.pending_points.updated": pendingPointsData("voucher_pending_points_balance"),
  "customer.voucher.loyalty_card.points_added": {
    customer: mayaShort,
    campaign: loyaltyCampaign,
    voucher: loyaltyCard,
    balance: loyaltyBalance(119, 540),
    transaction: pointsAccrued
  },
  "customer.voucher.loyalty_card.points_expired": {
    customer: mayaShort,
    campaign: loyaltyCampaign,
    voucher: loyaltyCard,
    points: 120,
    buckets: [expiredBucket],
    transaction: loyaltyTransaction("POINTS_EXPIRATION", -120, 420, {})
  },
  "customer.voucher.gift.balance_added": {
    customer: mayaShort,
    campaign: giftCampaign,
    voucher: giftCard,
    balance: giftBalance,
    transaction: giftTransaction
  },
  "customer.segment.entered": { customer: maya, segment, promotion_tier: promotionTierShort },
  "customer.segment.left": { customer: maya, segment },
  "customer.loyalty.tier.joined": {
    customer: mayaShort,
    campaign: loyaltyCampaign,
    loyalty_tier: silverTier,
    created_at: at.now
  },
  "customer.loyalty.tier.upgraded": tierChange(silverTier, goldTier),
  "customer.loyalty.tier.downgraded": tierChange(goldTier, silverTier),
  "customer.loyalty.tier.prolonged": {
    customer: mayaShort,
    campaign: loyaltyCampaign,
    loyalty_tier: goldTier,
    created_at: at.now
  },
  "customer.loyalty.tier.left": {
    customer: mayaShort,
    campaign: loyaltyCampaign,
    loyalty_tier: silverTier,
    created_at: at.now
  },
  "customer.holder.assignment.created": {
    holder: holder("REFEREE"),
    voucher: referralCode,
    campaign: referralCampaign,
    customer: mayaShort
  },
  "customer.holder.assignment.deleted": {
    holder: holder("REFEREE"),
    voucher: referralCode,
    campaign: referralCampaign,
    customer: mayaShort
  },
  "customer.order.created": orderData("CREATED"),
  "customer.order.paid": orderData("PAID"),
  "customer.order.updated": orderData("PAID"),
  "customer.order.canceled": orderData("CANCELED"),
  "customer.publication.succeeded": {
    customer: mayaShort,
    campaign: springCampaign,
    publication: { ...publication, voucher: couponFull },
    voucher: coupon
  },
  "customer.custom_event": {
    event: customEvent,
    event_schema: { id: ids.eventSchema, name: "product_review_submitted" },
    customer: mayaShort,
    referral: null,
    loyalty: null,
    campaign: loyaltyCampaign,
    voucher: loyaltyCard
  },
  "distribution.manual_distribution_schedule": {
    distribution,
    campaign: springCampaign,
    voucher: coupon,
    publication,
    customer: mayaShort
  },

  "publication.succeeded": {
    customer: mayaShort,
    campaign: springCampaign,
    publication,
    voucher: coupon,
    user: null
  },
  "redemption.failed": { ...redemptionData("FAILURE"), created_at: at.now },
  "redemption.rollback.failed": rollbackData(false),
  "redemption.rollback.succeeded": rollbackData(true),
  "redemption.succeeded": { ...redemptionData("SUCCESS"), created_at: at.now },

  "voucher.created": { voucher: couponFull, campaign: springCampaign },
  "voucher.deleted": { voucher: couponFull, campaign: springCampaign },
  "voucher.disabled": { voucher: { ...couponFull, active: false }, campaign: springCampaign },
  "voucher.enabled": { voucher: couponFull, campaign: springCampaign },
  "voucher.updated": {
    voucher: { ...couponFull, additional_info: "One per customer, not on sale items" },
    campaign: springCampaign
  },
  "voucher.published": {
    customer: mayaShort,
    campaign: springCampaign,
    publication,
    voucher: coupon,
    created_at: at.now
  },
  "voucher.gift.balance_added": {
    voucher: giftCard,
    balance: giftBalance,
    campaign: giftCampaign,
    transaction: giftTransaction
  },
  "voucher.gift.transaction.created": {
    transaction: giftTransaction,
    voucher: giftCardFull,
    campaign: giftCampaign,
    holder: mayaShort,
    balance: giftBalance,
    order: null,
    redemption: null,
    rollback: null
  },
  "voucher.loyalty_card.pending_points.activated": pendingPointsActivated,
  "voucher.loyalty_card.pending_points.added": pendingPointsData("voucher_pending_points_balance"),
  "voucher.loyalty_card.pending_points.canceled": pendingPointsData("voucher_pending_points_balance"),
  "voucher.loyalty_card.pending_points.updated": pendingPointsData("voucher_pending_points_balance"),
  "voucher.loyalty_card.points_added": {
    voucher: loyaltyCard,
    balance: loyaltyBalance(119, 540),
    campaign: loyaltyCampaign,
    customer: mayaShort,
    transaction: pointsAccrued
  },
  "voucher.loyalty_card.points_expired": {
    voucher: loyaltyCard,
    points: 120,
    campaign: loyaltyCampaign,
    customer: mayaShort,
    buckets: expiredBucket,
    transaction: loyaltyTransaction("POINTS_EXPIRATION", -120, 420, {})
  },
  "voucher.loyalty_card.transaction.created": {
    transaction: pointsAccrued,
    voucher: loyaltyCardFull,
    campaign: loyaltyCampaign,
    holder: mayaShort,
    holder_loyalty_tier: silverTier,
    balance: loyaltyBalance(119, 540),
    order,
    event: {
      id: "evcus_1c5e9a3d7b2f4a6c8e",
      type: "customer.order.paid",
      category: "ACTION",
      entity_id: ids.order,
      created_at: at.now,
      group_id: "v-0c3e5a7b9d1f2a4c6e"
    },
    earning_rule: {
      id: ids.earningRule,
      campaign_id: ids.loyalty,
      source: { banner: "1 point for every 1 EUR", object_id: ids.loyalty, object_type: "campaign" },
      loyalty: { type: "PROPORTIONAL", calculation_type: "ORDER_AMOUNT", order: { amount: { every: 100, points: 1 } } },
      active: true,
      metadata: {},
      event: "order.paid"
    },
    segment: null,
    loyalty_tier: null,
    redemption: null,
    rollback: null,
    reward: null,
    custom_event: null,
    source_voucher: null,
    destination_voucher: null
  }
}
