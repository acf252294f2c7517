export class C { get x(): string | undefined { return ""; } }
