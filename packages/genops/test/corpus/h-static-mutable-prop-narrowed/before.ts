export class C { static level: string | number = 1; }
