export interface Client { get(): string }
export function connect(): Client { return { get: () => "" }; }
