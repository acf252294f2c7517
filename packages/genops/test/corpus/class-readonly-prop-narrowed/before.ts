export class C { readonly x: string | number = 1; }
