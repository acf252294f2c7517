export class C { static level: string = ""; }
