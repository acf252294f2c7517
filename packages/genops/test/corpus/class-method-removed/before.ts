export class C { a(): void {} b(): void {} }
