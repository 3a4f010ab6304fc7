/**
 * The 61 webhook event names Voucherify documents (docs list, correct spellings, with `customer.updated`),
 * grouped by the resource they concern. The published OpenAPI enum misspells four `…added` events as
 * `…aded` and lacks `customer.updated`; we follow the documentation, which is what the platform emits.
 */
export const EventGroups = {
  business_validation_rule: [
    "business_validation_rule.assignment.created",
    "business_validation_rule.assignment.deleted",
    "business_validation_rule.created",
    "business_validation_rule.deleted",
    "business_validation_rule.updated"
  ],
  campaign: [
    "campaign.created",
    "campaign.deleted",
    "campaign.disabled",
    "campaign.earning_rule.assigned",
    "campaign.earning_rule.deleted",
    "campaign.earning_rule.disabled",
    "campaign.earning_rule.enabled",
    "campaign.earning_rule.updated",
    "campaign.enabled",
    "campaign.loyalty_tier.created",
    "campaign.loyalty_tier.deleted",
    "campaign.loyalty_tier.updated",
    "campaign.promotion_stack.created",
    "campaign.promotion_stack.updated",
    "campaign.promotion_tier.created",
    "campaign.promotion_tier.deleted",
    "campaign.promotion_tier.disabled",
    "campaign.promotion_tier.enabled",
    "campaign.promotion_tier.updated",
    "campaign.referral_tier.created",
    "campaign.referral_tier.deleted",
    "campaign.referral_tier.updated",
    "campaign.reward.assignment.created",
    "campaign.reward.assignment.deleted",
    "campaign.reward.assignment.updated",
    "campaign.updated",
    "campaign.vouchers.added",
    "campaign.vouchers.generation.completed",
    "campaign.vouchers.generation.failed",
    "campaign.vouchers.generation.started"
  ],
  customer: [
    "customer.confirmed",
    "customer.created",
    "customer.deleted",
    "customer.rewarded",
    "customer.rewarded.loyalty_points",
    "customer.updated"
  ],
  publication: ["publication.succeeded"],
  redemption: [
    "redemption.failed",
    "redemption.rollback.failed",
    "redemption.rollback.succeeded",
    "redemption.succeeded"
  ],
  voucher: [
    "voucher.created",
    "voucher.deleted",
    "voucher.disabled",
    "voucher.enabled",
    "voucher.gift.balance_added",
    "voucher.gift.transaction.created",
    "voucher.loyalty_card.pending_points.activated",
    "voucher.loyalty_card.pending_points.added",
    "voucher.loyalty_card.pending_points.canceled",
    "voucher.loyalty_card.pending_points.updated",
    "voucher.loyalty_card.points_added",
    "voucher.loyalty_card.points_expired",
    "voucher.loyalty_card.transaction.created",
    "voucher.published",
    "voucher.updated"
  ]
} as const
