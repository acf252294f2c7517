export async function f(): Promise<number | null> { return 1; }
