export class C { x: string = ""; }
