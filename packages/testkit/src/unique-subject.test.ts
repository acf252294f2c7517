import { assertSubject } from '@cellular/core';
import { describe, expect, it } from 'vitest';
import { uniqueName, uniqueSubject } from './unique-subject.js';

describe('uniqueSubject / uniqueName', () => {
  it('produces valid, distinct subjects and stream names', () => {
    const subjects = Array.from({ length: 100 }, () => uniqueSubject('a', 'b.c'));
    for (const s of subjects) expect(() => { assertSubject(s); }).not.toThrow();
    expect(new Set(subjects).size).toBe(100);
    expect(subjects[0]).toMatch(/^a\.[0-9a-z]+\.b\.c$/u);
    expect(uniqueName('s')).toMatch(/^s_[0-9a-z]+$/u);
  });
});
