export class C { constructor(a: string, b: number) { void a; void b; } }
