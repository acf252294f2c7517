export class C { x: string | number = 1; }
