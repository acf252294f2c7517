export class C { get x(): string { return ""; } }
