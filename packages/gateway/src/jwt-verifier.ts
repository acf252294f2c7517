/**
 * JWT bearer tokens verified with `jose`. Everything that makes JWT dangerous is pinned down here:
 * an explicit algorithm allow-list (required, and `none` refused at configuration: jose's `jwtVerify`
 * never accepts unsecured tokens either), issuer and audience required, `exp` and `sub` required, a small
 * clock tolerance, and keys chosen by `kid` from a JWKS (remote or local) or a static list so keys can
 * rotate: publish the new key, sign with it, remove the old one once its tokens have expired.
 */
import type { JWK, JWTPayload, JWTVerifyGetKey, CryptoKey, KeyObject } from 'jose';
import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, importJWK, jwtVerify } from 'jose';
import { CellularError } from '@cellular/core';
import type { Principal } from './principal.js';

/** A static verification key. */
export interface JwtStaticKey {
  /** Key id matched against the token's `kid`. Required when more than one key is configured. */
  readonly kid?: string;
  /** Restrict the key to one algorithm. */
  readonly alg?: string;
  /** Public key (asymmetric algorithms) or secret bytes (HS256/384/512). */
  readonly key: CryptoKey | KeyObject | Uint8Array;
}

/** Options for {@link createJwtVerifier}. */
export interface JwtVerifierOptions {
  /** Accepted `iss` value(s). Required. */
  readonly issuer: string | readonly string[];
  /** Accepted `aud` value(s). Required. */
  readonly audience: string | readonly string[];
  /** Algorithm allow-list (`['EdDSA']`, `['RS256', 'ES256']`, …). Required; `none` is refused. */
  readonly algorithms: readonly string[];
  /** Remote JWKS URL (cached and refetched on an unknown `kid` by jose). */
  readonly jwksUrl?: string | URL;
  /** A local JWKS. */
  readonly jwks?: { readonly keys: readonly JWK[] };
  /** Static keys. Exactly one of `jwksUrl`, `jwks`, `keys` is required. */
  readonly keys?: readonly JwtStaticKey[];
  /** Clock skew allowed on `exp`/`nbf`/`iat`, in seconds. Defaults to 5. */
  readonly clockToleranceSec?: number;
  /** Refuse tokens older than this (by `iat`), in seconds. Defaults to no limit beyond `exp`. */
  readonly maxTokenAgeSec?: number;
  /** Claim holding the principal id. Defaults to `sub`. */
  readonly principalClaim?: string;
  /** Claim holding the role names (string array or space-separated string). Defaults to `roles`. */
  readonly rolesClaim?: string;
  /** Largest accepted token in characters. Defaults to 8192. */
  readonly maxTokenLength?: number;
}

/** Verifies bearer tokens; see {@link createJwtVerifier}. */
export interface JwtVerifier {
  /** The principal of a valid token, or an UNAUTHORIZED error whose `data.reason` says why (for the audit log). */
  verify(token: string): Promise<Principal>;
}

const unauthorized = (reason: string, cause?: unknown): CellularError =>
  new CellularError('UNAUTHORIZED', 'Invalid bearer token', cause === undefined ? { data: { reason } } : { data: { reason }, cause });

function staticKeyGetter(keys: readonly JwtStaticKey[]): JWTVerifyGetKey {
  if (keys.length > 1 && keys.some((k) => k.kid === undefined)) {
    throw new CellularError('INVALID_CONFIG', 'jwt.keys: every key needs a kid when more than one is configured');
  }
  return (header) => {
    const candidates = keys.filter((k) => (header.kid === undefined ? keys.length === 1 : k.kid === header.kid) && (k.alg === undefined || k.alg === header.alg));
    const found = candidates[0];
    if (!found) throw unauthorized('unknown-kid');
    return found.key;
  };
}

/**
 * Build a verifier. Throws INVALID_CONFIG on a missing issuer/audience, an empty or unsafe algorithm
 * list, or not exactly one key source.
 */
export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  const algorithms = [...options.algorithms];
  if (algorithms.length === 0) throw new CellularError('INVALID_CONFIG', 'jwt.algorithms must list at least one algorithm');
  if (algorithms.some((a) => a.toLowerCase() === 'none')) throw new CellularError('INVALID_CONFIG', 'jwt.algorithms must not include "none"');
  const issuer = typeof options.issuer === 'string' ? options.issuer : [...options.issuer];
  const audience = typeof options.audience === 'string' ? options.audience : [...options.audience];
  if (issuer.length === 0 || audience.length === 0) throw new CellularError('INVALID_CONFIG', 'jwt.issuer and jwt.audience are required');
  const sources = [options.jwksUrl, options.jwks, options.keys].filter((s) => s !== undefined).length;
  if (sources !== 1) throw new CellularError('INVALID_CONFIG', 'jwt: give exactly one of jwksUrl, jwks, keys');
  let getKey: JWTVerifyGetKey;
  if (options.jwksUrl !== undefined) getKey = createRemoteJWKSet(new URL(options.jwksUrl));
  else if (options.jwks !== undefined) getKey = createLocalJWKSet({ keys: [...options.jwks.keys] });
  else getKey = staticKeyGetter(options.keys ?? []);
  const principalClaim = options.principalClaim ?? 'sub';
  const rolesClaim = options.rolesClaim ?? 'roles';
  const maxLen = options.maxTokenLength ?? 8192;
  const verifyOptions = {
    issuer,
    audience,
    algorithms,
    clockTolerance: options.clockToleranceSec ?? 5,
    requiredClaims: ['exp', principalClaim],
    ...(options.maxTokenAgeSec === undefined ? {} : { maxTokenAge: options.maxTokenAgeSec }),
  };
  return {
    async verify(token) {
      if (token.length === 0 || token.length > maxLen) throw unauthorized('token-length');
      let payload: JWTPayload;
      let kid: string | undefined;
      try {
        const result = await jwtVerify(token, getKey, verifyOptions);
        payload = result.payload;
        kid = result.protectedHeader.kid;
      } catch (e) {
        if (e instanceof CellularError) throw e;
        const reason = e instanceof joseErrors.JOSEError ? e.code : 'invalid';
        throw unauthorized(reason, e);
      }
      const id = payload[principalClaim];
      if (typeof id !== 'string' || id === '' || id.length > 200) throw unauthorized('bad-principal-claim');
      const rawRoles = payload[rolesClaim];
      const roles =
        typeof rawRoles === 'string'
          ? rawRoles.split(' ').filter((r) => r !== '')
          : Array.isArray(rawRoles)
            ? rawRoles.filter((r): r is string => typeof r === 'string')
            : [];
      const credentialId = typeof payload.jti === 'string' ? payload.jti.slice(0, 100) : kid;
      return { id, roles, method: 'jwt', ...(credentialId === undefined ? {} : { credentialId }) };
    },
  };
}

/** Import a JWK for {@link JwtStaticKey.key} (a thin re-export of jose's `importJWK`). */
export async function importJwtKey(jwk: JWK, alg?: string): Promise<CryptoKey | Uint8Array> {
  return importJWK(jwk, alg);
}
