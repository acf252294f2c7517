export abstract class C { a(): void {} }
