export class C { a(): void {} }
