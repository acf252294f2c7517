export class C { a(): string { return ""; } }
