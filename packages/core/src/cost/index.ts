export { chargeRequest } from './charge.js';
export { costOf } from './cost-of.js';
export { freePrices, type ModelPrices, tablePrices } from './model-prices.js';
export {
  createPriceBook,
  type PriceBook,
  type PricingOptions,
  type UnknownModelPolicy,
} from './price-book.js';
