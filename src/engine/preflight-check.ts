/** One line of `plan`'s preflight: a check's name, its status and what it found. */
export interface PreflightCheck {
  name: string;
  /**
   * ok: fine; fail: the drill would FAIL; error: the drill could not run; warn: worth fixing, does not stop the
   * drill; refused: run would refuse the restore before creating it (exit 2).
   */
  status: 'ok' | 'fail' | 'error' | 'info' | 'warn' | 'refused';
  detail: string;
}
