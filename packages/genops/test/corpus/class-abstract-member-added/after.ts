export abstract class C { a(): void {} abstract b(): void; }
