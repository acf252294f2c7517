export class C { a(): string | null { return ""; } }
