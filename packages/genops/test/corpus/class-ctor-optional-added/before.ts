export class C { constructor(a: string) { void a; } }
