export class C { readonly x: string = ""; }
