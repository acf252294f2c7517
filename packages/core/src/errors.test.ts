import { describe, expect, it } from 'vitest';
import { CellularError, ERROR_CODES, toCellularError } from './errors.js';
import { jsonCodec } from './codec.js';

describe('CellularError', () => {
  it('round-trips every code through the JSON codec as the same error', () => {
    for (const code of ERROR_CODES) {
      const original = new CellularError(code, `failed with ${code}`, {
        data: { path: 'a.b', limit: 3 },
        cause: new CellularError('TIMEOUT', 'inner'),
      });
      const back = CellularError.fromJSON(jsonCodec.decode(jsonCodec.encode(original)));
      expect(back).toBeInstanceOf(CellularError);
      expect(back.code).toBe(code);
      expect(back.message).toBe(`failed with ${code}`);
      expect(back.data).toEqual({ path: 'a.b', limit: 3 });
      expect(CellularError.is(back.cause, 'TIMEOUT')).toBe(true);
    }
  });

  it('never serialises a stack trace', () => {
    const json = JSON.stringify(new CellularError('INTERNAL', 'x', { cause: new Error('secret detail') }));
    expect(json).not.toContain('at ');
    expect(json).not.toContain('stack');
    expect(JSON.parse(json)).toMatchObject({ code: 'INTERNAL', cause: { name: 'Error', message: 'secret detail' } });
  });

  it('turns malformed wire data into INTERNAL instead of throwing', () => {
    expect(CellularError.fromJSON(null).code).toBe('INTERNAL');
    expect(CellularError.fromJSON({ code: 'NOPE', message: 1 }).code).toBe('INTERNAL');
    expect(CellularError.fromJSON({ code: 'FORBIDDEN', message: 'no', data: [1] }).data).toBeUndefined();
  });

  it('is() matches class and codes', () => {
    const e = new CellularError('FORBIDDEN', 'no');
    expect(CellularError.is(e)).toBe(true);
    expect(CellularError.is(e, 'FORBIDDEN', 'UNAUTHORIZED')).toBe(true);
    expect(CellularError.is(e, 'TIMEOUT')).toBe(false);
    expect(CellularError.is(new Error('x'))).toBe(false);
  });
});

describe('toCellularError', () => {
  it('passes CellularErrors through unchanged', () => {
    const e = new CellularError('CONFLICT', 'c');
    expect(toCellularError(e)).toBe(e);
  });
  it('maps abort and timeout errors', () => {
    expect(toCellularError(new DOMException('t', 'TimeoutError')).code).toBe('TIMEOUT');
    expect(toCellularError(new DOMException('a', 'AbortError')).code).toBe('CANCELLED');
  });
  it('wraps other errors and keeps the cause', () => {
    const cause = new TypeError('bad');
    const e = toCellularError(cause);
    expect(e.code).toBe('HANDLER_ERROR');
    expect(e.cause).toBe(cause);
    expect(toCellularError('str', 'INTERNAL')).toMatchObject({ code: 'INTERNAL', message: 'str' });
    expect(toCellularError(42).message).toBe('Non-error value thrown');
  });
});
