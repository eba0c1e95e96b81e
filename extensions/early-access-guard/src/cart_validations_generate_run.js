// @ts-check
// The early access rule at checkout. The same rule is kept in Python
// (shopify_loyalty/perks/checkout_rule.py) and a test runs both on the same carts.

const DEFAULT_MESSAGE =
  "Some items in your cart are in early access for selected members only.";

/**
 * @param {any} input the answer to cart_validations_generate_run.graphql
 * @returns {{operations: Array<{validationAdd: {errors: Array<{message: string, target: string}>}}>}}
 */
export function cartValidationsGenerateRun(input) {
  const config = (input.validation && input.validation.metafield && input.validation.metafield.jsonValue) || {};
  const products = new Set(config.productIds || []);
  const customer = input.cart.buyerIdentity && input.cart.buyerIdentity.customer;
  const hasAccess = Boolean(customer && customer.hasAnyTag);
  const errors = [];
  if (!hasAccess) {
    const held = input.cart.lines.some((line) => {
      const product = line.merchandise && line.merchandise.product;
      return Boolean(product && (products.has(product.id) || product.inAnyCollection === true));
    });
    if (held) {
      errors.push({ message: config.message || DEFAULT_MESSAGE, target: "$.cart" });
    }
  }
  return { operations: [{ validationAdd: { errors } }] };
}
