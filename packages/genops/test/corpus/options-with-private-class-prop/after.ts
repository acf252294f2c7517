class Store { private data = new Map<string, string>(); get(k: string): string | undefined { return this.data.get(k); } }
export interface Opts { store?: Store }
export function make(o: Opts): void { void o; }
