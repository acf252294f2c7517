export async function f(): Promise<string> { return ""; }
