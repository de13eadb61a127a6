/**
 * Errors are values with a code, a message for a human and a hint of what to do next.
 * The category decides the process exit code in one place (exit-codes.ts).
 */
export type ErrorCategory = 'input' | 'infrastructure' | 'interrupted';

/**
 * An error as a value: a code, a message for a human, a hint of what to do next; its category decides the exit code.
 */
export class DrillError extends Error {
  readonly code: string;
  readonly hint: string;
  readonly category: ErrorCategory;

  constructor(code: string, message: string, hint: string, category: ErrorCategory = 'infrastructure') {
    super(message);
    this.name = 'DrillError';
    this.code = code;
    this.hint = hint;
    this.category = category;
  }
}

/** Bad scenario, flags or arguments: exit 2, nothing was changed. */
export function inputError(code: string, message: string, hint: string): DrillError {
  return new DrillError(code, message, hint, 'input');
}

/** The drill could not exercise recovery (cluster, credentials, Velero): exit 3. */
export function infraError(code: string, message: string, hint: string): DrillError {
  return new DrillError(code, message, hint, 'infrastructure');
}

export function isDrillError(e: unknown): e is DrillError {
  return e instanceof DrillError;
}

/** A message safe to print for any thrown value. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** A DrillError with its code and hint, as a report's reasons quote it; any other error's message. */
export function describeWithCode(e: unknown): string {
  if (isDrillError(e)) return `${e.message} (${e.code}; hint: ${e.hint})`;
  return describeError(e);
}

/** A DrillError with its hint, as a `plan` preflight line shows it; any other error's message. */
export function describeWithHint(e: unknown): string {
  if (isDrillError(e)) return `${e.message} — hint: ${e.hint}`;
  return describeError(e);
}
