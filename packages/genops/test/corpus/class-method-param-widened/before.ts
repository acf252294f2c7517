export class C { a(x: string): void {} }
