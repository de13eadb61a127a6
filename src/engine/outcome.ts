/**
 * A phase that ends the drill early says how: FAIL (recovery exercised and fell short) or ERROR (recovery could
 * not be exercised). DrillErrors from adapters are ERRORs (input ones exit 2); interrupts are their own thing.
 */
export class Shortfall extends Error {
  constructor(
    readonly verdict: 'FAIL' | 'ERROR',
    message: string,
  ) {
    super(message);
    this.name = 'Shortfall';
  }
}

export const fail = (message: string) => new Shortfall('FAIL', message);
export const error = (message: string) => new Shortfall('ERROR', message);
