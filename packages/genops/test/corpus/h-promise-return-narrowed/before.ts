export async function f(): Promise<string | null> { return ""; }
