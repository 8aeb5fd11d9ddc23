// What the payment tools say while this server has no checkout: a clear error, never a pretend success.
import { AppError } from '../errors.js';

export function paymentsNotConfigured(): never {
  throw new AppError(
    'unavailable',
    'Payments are not configured on this Aisle server yet, so balances cannot be checked and nothing can be bought. ' +
      'Tell the shopper; you can still search products and save addresses.',
    { code: 'payments_not_configured', title: 'Payments not configured', retryable: false },
  );
}
