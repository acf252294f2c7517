export class C { a = 1; }
