export class C { a(x: string | number): void {} }
