/**
 * Label selectors over scenario `metadata.labels`, written as Kubernetes writes equality-based selectors:
 * `team=payments,tier!=bronze,nightly` (a bare key means "has the label", `!key` "has not"). Every term must hold.
 */
import { inputError } from '../util/errors.js';

type Term = { op: 'eq' | 'ne'; key: string; value: string } | { op: 'exists' | 'absent'; key: string };

/** A parsed selector: `matches(labels)`; `text` is the selector as given. */
export interface Selector {
  text: string;
  matches(labels: Readonly<Record<string, string>>): boolean;
}

const KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$/;

export function parseSelector(text: string): Selector {
  const terms: Term[] = [];
  for (const raw of text.split(',')) {
    const t = raw.trim();
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(t);
    const term: Term | null = m
      ? { op: m[2] === '!=' ? 'ne' : 'eq', key: m[1]!.trim(), value: m[3]!.trim() }
      : t.startsWith('!')
        ? { op: 'absent', key: t.slice(1).trim() }
        : { op: 'exists', key: t };
    if (!KEY.test(term.key)) {
      throw inputError(
        'BAD_SELECTOR',
        `--selector "${text}": "${t}" is not a label term`,
        'write key=value, key!=value, key or !key, separated by commas (e.g. team=payments,tier!=bronze)',
      );
    }
    terms.push(term);
  }
  return {
    text,
    matches: (labels) =>
      terms.every((term) => {
        const has = Object.hasOwn(labels, term.key);
        switch (term.op) {
          case 'eq':
            return has && labels[term.key] === term.value;
          case 'ne':
            return !has || labels[term.key] !== term.value;
          case 'exists':
            return has;
          case 'absent':
            return !has;
        }
      }),
  };
}
