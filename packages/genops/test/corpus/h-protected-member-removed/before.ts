export class C { protected a(): void {} }
