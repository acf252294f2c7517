export interface Client { close(): void }
export function connect(): Client { return { close: () => {} }; }
