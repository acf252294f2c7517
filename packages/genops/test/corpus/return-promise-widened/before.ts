export async function f(): Promise<number> { return 1; }
