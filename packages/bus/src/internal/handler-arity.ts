/**
 * Whether an event handler may read its second argument, the message context. The bus builds no
 * envelope for a message whose in-memory subscribers all declare one parameter or none, which is
 * most of the cost of a delivery. The answer errs towards "yes": only a plain function whose
 * declared parameters are at most one, with no rest or defaulted second parameter (neither counts in
 * `Function.length`) and no use of `arguments`, is treated as reading none. Bound and native
 * functions, whose source is hidden, always get the context. Express tells its error handlers apart
 * by the same `length` test.
 */
export function takesContext(fn: (...args: never[]) => unknown): boolean {
  if (fn.length >= 2) return true;
  let src: string;
  try {
    src = Function.prototype.toString.call(fn);
  } catch {
    return true;
  }
  if (src.includes('[native code]') || src.includes('arguments')) return true;
  return hasSecondParameter(src);
}

/**
 * True when the parameter list at the start of `src` has a second entry or a rest parameter, or when
 * the list cannot be read with certainty (a template literal or a comment in it).
 */
function hasSecondParameter(src: string): boolean {
  const open = src.indexOf('(');
  const arrow = src.indexOf('=>');
  // `p => …` and `async p => …`: one parameter, no parentheses.
  if (open < 0 || (arrow >= 0 && arrow < open)) return false;
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    const c = src[i]!;
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return false;
    } else if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      if (end < 0 || src.slice(i + 1, end).includes('\\')) return true;
      i = end;
    } else if (c === '`' || (c === '/' && (src[i + 1] === '*' || src[i + 1] === '/'))) return true;
    else if (c === '.' && depth === 1 && src.startsWith('...', i)) return true; // a rest parameter
    else if (c === ',' && depth === 1) {
      // A trailing comma (`(p,) =>`) declares nothing more.
      const rest = src.slice(i + 1).trimStart();
      if (!rest.startsWith(')')) return true;
    }
  }
  return true;
}
