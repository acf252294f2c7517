import { randomBytes } from 'node:crypto';
import { CellularError } from '@cellular/core';
import { EnvelopeCipher, parseKeyring } from '@cellular/gateway';
import { describe, expect, it } from 'vitest';
import { ContentCipher } from './content-cipher.js';

const ring = (...kids: string[]): EnvelopeCipher => new EnvelopeCipher(parseKeyring(kids.map((k) => `${k}:${randomBytes(32).toString('base64')}`).join(',')));

describe('ContentCipher', () => {
  it('seals under the active key and opens it again', () => {
    const c = new ContentCipher(() => ring('k1'));
    const sealed = c.seal('doc1', 'text', 'a secret page');
    expect(sealed).not.toContain('secret');
    expect(ContentCipher.isSealed(sealed)).toBe(true);
    expect(ContentCipher.keyIdOf(sealed)).toBe('k1');
    expect(c.open('doc1', 'text', sealed)).toBe('a secret page');
  });

  it('passes plaintext through and leaves everything plain when no key is configured', () => {
    const c = new ContentCipher(() => undefined);
    expect(c.activeKeyId).toBeUndefined();
    expect(c.seal('doc1', 'text', 'plain')).toBe('plain');
    expect(c.open('doc1', 'text', 'plain')).toBe('plain');
    expect(ContentCipher.keyIdOf('plain')).toBeUndefined();
  });

  it('refuses a value moved to another document or field', () => {
    const c = new ContentCipher(() => ring('k1'));
    const sealed = c.seal('doc1', 'text', 'x');
    expect(() => c.open('doc2', 'text', sealed)).toThrow(CellularError);
    expect(() => c.open('doc1', 'summary', sealed)).toThrow(/Cannot decrypt/u);
  });

  it('says so when a sealed value meets no keyring', () => {
    const sealed = new ContentCipher(() => ring('k1')).seal('d', 'title', 't');
    const plain = new ContentCipher(() => undefined);
    expect(() => plain.open('d', 'title', sealed)).toThrow(/no encryption key is configured/u);
  });

  it('asks the source again when a value uses a key it has not seen (rotation by another process)', () => {
    const k1 = ring('k1');
    let current = k1;
    const reader = new ContentCipher(() => current);
    const k2Text = `k2:${randomBytes(32).toString('base64')}`;
    const k2 = new EnvelopeCipher(parseKeyring(k2Text));
    const sealed = new ContentCipher(() => k2).seal('d', 'text', 'rotated');
    expect(() => reader.open('d', 'text', sealed)).toThrow(/not in the keyring/u);
    current = k2;
    expect(reader.open('d', 'text', sealed)).toBe('rotated');
  });
});
