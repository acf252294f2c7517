export class C { static a(): void {} }
