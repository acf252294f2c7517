export class C { static a(): void {} static b(): void {} }
