/**
 * `@cellular/gateway`: the hardened DMZ gateway, the only way into a Cellular application from outside.
 * Routes bind HTTP to contracts; authentication (API keys, JWT), RBAC, a hash-chained audit log,
 * rate and size limits, and encrypted secret storage come with it.
 * @packageDocumentation
 */
export { createGateway } from './create-gateway.js';
export type { Gateway, GatewayAuthOptions, GatewayLimits, GatewayOptions, RateLimit } from './create-gateway.js';

export { assertRoute, defineRoute, toRouteDeclaration } from './gateway-route.js';
export type { GatewayRoute, HttpMethod, ObjectAuthorizationContext } from './gateway-route.js';

export type { Principal } from './principal.js';

export { ApiKeyStore, hashApiKey } from './api-key-store.js';
export type { ApiKeyRecord, IssueApiKeyOptions } from './api-key-store.js';

export { createJwtVerifier, importJwtKey } from './jwt-verifier.js';
export type { JwtStaticKey, JwtVerifier, JwtVerifierOptions } from './jwt-verifier.js';

export { assertCapability, createRbac } from './rbac.js';
export type { Rbac, RbacOptions } from './rbac.js';

export { AuditLog } from './audit-log.js';
export type { AuditEvent, AuditLogOptions, AuditSink } from './audit-log.js';
export { verifyAuditLog } from './verify-audit-log.js';
export type { AuditProblem, AuditProblemKind, AuditVerification, VerifyAuditLogOptions } from './verify-audit-log.js';
export type { Checkpoint } from './internal/audit-format.js';

export { EnvelopeCipher, parseKeyring } from './envelope-cipher.js';
export type { EncryptedRecord, Keyring } from './envelope-cipher.js';
export { SecretStore } from './secret-store.js';

export { GatewayStats } from './gateway-stats.js';
export type { GatewayStatsOptions, GatewayStatsSnapshot } from './gateway-stats.js';

export { buildOpenApiDocument } from './openapi.js';
export type { OpenApiDocument, OpenApiOptions } from './openapi.js';

export { httpStatusFor, toErrorResponse } from './http-errors.js';
export type { ErrorBody } from './http-errors.js';

export type { CorsOptions, SecurityHeaderOptions } from './internal/http-policy.js';
