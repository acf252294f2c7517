export class C { get x(): string { return ""; } set x(v: string) { void v; } }
