export class C {}
