/**
 * Who is calling. Authentication produces a principal; RBAC turns its roles into capabilities. Kept
 * tiny and plain so that it can be logged to the audit trail and copied into envelope headers.
 */

/** An authenticated caller. */
export interface Principal {
  /** Stable id (`sub` of a JWT, the owner of an API key). Travels in `HEADERS.principal`. */
  readonly id: string;
  /** Role names; RBAC maps them to capabilities. */
  readonly roles: readonly string[];
  /** How the caller proved who it is. */
  readonly method: 'api-key' | 'jwt';
  /** The API key id or the JWT `kid`/`jti`, for the audit log. Never the secret. */
  readonly credentialId?: string;
}
