import { randomInt } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** 8 characters of [a-z0-9]: fits object names and label values. */
export function newDrillId(): string {
  let id = '';
  for (let i = 0; i < 8; i++) id += ALPHABET[randomInt(ALPHABET.length)];
  return id;
}

export const DRILL_ID_PATTERN = /^[a-z0-9]{8}$/;
